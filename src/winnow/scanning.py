"""Batch scans: JSONL or a folder in, one JSONL line per input out, resumable.

Input lines are ``{"id": "...", "text": "..."}`` or ``{"id": "...", "path": "..."}`` (relative
paths are read from the input file's folder). A folder input scans every file under it, the id
being the path relative to the folder. Ids must be unique: on resume, ids already in the output
are skipped, and a torn last line (from a kill) is cut off first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from winnow.errors import InputError
from winnow.pipeline import Pipeline
from winnow.serialize import error_line, outcome_to_json
from winnow.types import Content

__all__ = [
    "ScanInput",
    "ScanStats",
    "chunk_lines",
    "count_inputs",
    "iter_inputs",
    "parse_line",
    "read_done",
    "scan",
]


@dataclass(frozen=True, slots=True)
class ScanInput:
    """One input: a content to moderate, or the error that stopped it being read."""

    id: str
    content: Content | None = None
    error: str | None = None


@dataclass
class ScanStats:
    skipped: int = 0
    written: int = 0
    errors: int = 0
    flagged: int = 0


def iter_inputs(source: Path) -> Iterator[ScanInput]:
    """Yield the inputs of a JSONL file or a folder, in a stable order."""
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            rel = path.relative_to(source).as_posix()
            yield ScanInput(rel, Content(rel, path=str(path)))
        return
    if not source.is_file():
        raise InputError(f"{source}: no such file or folder")
    base = source.parent
    with source.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            yield _parse_line(raw, lineno, base)


def parse_line(raw: bytes, lineno: int, base: Path) -> ScanInput:
    """One JSONL input line (``lineno`` from 1) as an input; relative paths are read from ``base``.
    Used by the process pool's workers, which parse the lines the parent only reads."""
    return _parse_line(raw, lineno, base)


def _parse_line(raw: bytes, lineno: int, base: Path) -> ScanInput:
    fallback = f"line-{lineno}"
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        # ValueError: bad JSON or UTF-8, or an integer past Python's 4,300-digit limit;
        # RecursionError: arrays or objects nested thousands deep. Neither may stop the scan.
        why = "nested too deeply" if isinstance(exc, RecursionError) else exc
        return ScanInput(fallback, error=f"line {lineno}: invalid JSON: {why}")
    if not isinstance(obj, dict):
        return ScanInput(fallback, error=f"line {lineno}: expected a JSON object")
    raw_id = obj.get("id", fallback)
    item_id = str(raw_id) if isinstance(raw_id, str | int) else fallback
    text, path = obj.get("text"), obj.get("path")
    if isinstance(text, str) and path is None:
        return ScanInput(item_id, Content(item_id, text=text))
    if isinstance(path, str) and text is None:
        full = Path(path) if os.path.isabs(path) else base / path
        return ScanInput(item_id, Content(item_id, path=str(full)))
    return ScanInput(
        item_id, error=f"line {lineno}: give exactly one of 'text' (a string) or 'path' (a string)"
    )


def count_inputs(source: Path) -> int | None:
    """Number of inputs, for a progress bar; None when counting would cost too much."""
    if source.is_dir():
        return sum(1 for p in source.rglob("*") if p.is_file())
    if source.is_file() and source.stat().st_size < 2 * 1024**3:
        with source.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    return None


def read_done(output: Path) -> set[str]:
    """Ids already written to ``output``; truncates a torn last line left by a kill."""
    if not output.exists():
        return set()
    done: set[str] = set()
    good_end = 0
    with output.open("rb") as fh:
        for raw in fh:
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                break
            if not raw.endswith(b"\n"):
                break
            good_end += len(raw)
            if isinstance(obj, dict) and "id" in obj:
                done.add(str(obj["id"]))
    if good_end < output.stat().st_size:
        with output.open("r+b") as fh:
            fh.truncate(good_end)
    return done


def scan(
    pipeline: Pipeline,
    inputs: Iterator[ScanInput],
    out: IO[str],
    done: set[str],
    chunk_size: int = 256,
    on_progress: Callable[[int], None] | None = None,
) -> ScanStats:
    """Moderate ``inputs`` not in ``done``, writing one line each to ``out``, chunk by chunk.

    Each chunk's lines are flushed before the next chunk starts, so an interruption loses at
    most the chunk in flight, which a rerun redoes.
    """
    stats = ScanStats()
    chunk: list[ScanInput] = []

    def flush() -> None:
        _run_chunk(pipeline, chunk, out, stats)
        if on_progress is not None:
            on_progress(len(chunk))
        chunk.clear()

    for item in inputs:
        if item.id in done:
            stats.skipped += 1
            if on_progress is not None:
                on_progress(1)
            continue
        done.add(item.id)
        chunk.append(item)
        if len(chunk) >= chunk_size:
            flush()
    if chunk:
        flush()
    return stats


def _run_chunk(pipeline: Pipeline, chunk: list[ScanInput], out: IO[str], stats: ScanStats) -> None:
    _write_lines(chunk_lines(pipeline, chunk), out, stats)


def chunk_lines(pipeline: Pipeline, chunk: list[ScanInput]) -> list[dict[str, Any]]:
    """The output lines of ``chunk``, in order (used by the process pool's workers too)."""
    contents = [i.content for i in chunk if i.content is not None]
    outcomes = iter(pipeline.run(contents))
    lines = []
    for item in chunk:
        if item.content is None:
            lines.append(error_line(item.id, item.error or "unreadable input"))
        else:
            lines.append(outcome_to_json(next(outcomes)))
    return lines


def _write_lines(lines: list[dict[str, Any]], out: IO[str], stats: ScanStats) -> None:
    """Write one chunk's lines at once and flush, counting them in ``stats``."""
    for line in lines:
        stats.errors += line["error"] is not None
        stats.flagged += line["verdict"] in ("review", "block")
    out.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    out.flush()
    stats.written += len(lines)
