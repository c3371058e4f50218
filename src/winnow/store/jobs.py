"""What the store keeps of asynchronous jobs (``POST /v1/jobs``), as frozen records.

A job keeps no content: its items' results are decision ids, verdicts and errors. The content
itself waits on disk under ``data_dir/jobs/<job id>/`` until the job ends (:mod:`winnow.jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["JOB_KINDS", "JOB_STATUSES", "Job", "JobItem", "WorkerBeat"]

JOB_KINDS = ("items", "media")
"""``items``: a batch of texts sent as JSON; ``media``: one uploaded file (video, audio, image,
or a text file)."""

JOB_STATUSES = ("queued", "running", "completed", "failed")


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    tenant: str
    kind: str
    status: str
    created_at: float
    updated_at: float
    total: int
    done: int = 0
    flagged: int = 0
    failed: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    policy_version: str | None = None
    worker_id: str | None = None
    source: str | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": {
                "total": self.total,
                "done": self.done,
                "flagged": self.flagged,
                "failed": self.failed,
            },
            "policy_version": self.policy_version,
            "worker_id": self.worker_id,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


@dataclass(frozen=True, slots=True)
class JobItem:
    """One item's result: its decision, or why it has none."""

    idx: int
    content_id: str | None
    sha256: str | None
    decision_id: str | None
    verdict: str | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.idx,
            "id": self.content_id,
            "decision_id": self.decision_id,
            "verdict": self.verdict,
            "sha256": self.sha256,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class WorkerBeat:
    """A job worker's last heartbeat (its id is its DBOS executor id)."""

    id: str
    started_at: float
    heartbeat_at: float
    recovered_at: float | None
