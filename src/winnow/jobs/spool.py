"""Where a job's content waits until the job ends: ``data_dir/jobs/<job id>/``.

A batch of texts is ``items.jsonl`` (one ``{"id", "text"}`` per line); an uploaded file is
``upload`` (its id in ``id.txt``). :meth:`Spool.remove` deletes the folder when the job ends:
no content outlives its job.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from winnow.errors import InputError
from winnow.types import Content

__all__ = ["Spool"]

_JOB_ID = re.compile(r"^job_[0-9a-f]{32}$")


@dataclass(frozen=True)
class Spool:
    root: Path  # data_dir / "jobs"

    def folder(self, job_id: str) -> Path:
        if not _JOB_ID.match(job_id):
            raise InputError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def create(self, job_id: str) -> Path:
        folder = self.folder(job_id)
        folder.mkdir(parents=True, exist_ok=False, mode=0o700)
        return folder

    def upload_path(self, job_id: str) -> Path:
        return self.folder(job_id) / "upload"

    def write_items(self, job_id: str, items: Iterable[tuple[str | None, str]]) -> int:
        path = self.folder(job_id) / "items.jsonl"
        count = 0
        with path.open("w", encoding="utf-8") as f:
            for content_id, text in items:
                f.write(json.dumps({"id": content_id, "text": text}, ensure_ascii=False) + "\n")
                count += 1
        return count

    def write_upload_id(self, job_id: str, content_id: str | None) -> None:
        (self.folder(job_id) / "id.txt").write_text(content_id or "", encoding="utf-8")

    def contents(self, job_id: str, kind: str, indices: Sequence[int]) -> list[Content]:
        """The contents at ``indices`` of the job (a media job has one, at index 0)."""
        folder = self.folder(job_id)
        if kind == "media":
            content_id = (folder / "id.txt").read_text(encoding="utf-8")
            return [Content(content_id, path=str(folder / "upload")) for _ in indices]
        wanted = set(indices)
        found: dict[int, Content] = {}
        with (folder / "items.jsonl").open(encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i in wanted:
                    row = json.loads(line)
                    found[i] = Content(row["id"] or "", text=row["text"])
                if len(found) == len(wanted):
                    break
        return [found[i] for i in indices]

    def remove(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)
