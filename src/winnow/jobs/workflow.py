"""The job workflow and its steps (DBOS). Importing this module registers them with DBOS.

DBOS calls workflows and steps by name, so these are module-level functions; what they need
(store, tenants' pipelines, spool) is the :class:`Runtime` the running :class:`~winnow.jobs.engine.JobEngine`
installs with :func:`install` (one per process, as DBOS itself is). Each step returns only ids,
verdicts and counts, which DBOS records: never content.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbos import DBOS

from winnow.errors import WinnowError
from winnow.fingerprint import HASHES_DETECTOR, content_hashes
from winnow.jobs.spool import Spool
from winnow.pipeline import Pipeline
from winnow.store.jobs import Job
from winnow.store.jobs_sql import SqlJobStore
from winnow.store.records import DecisionRecord
from winnow.tenancy import TenantPipelines
from winnow.types import Content, Outcome

__all__ = ["WORKFLOW", "Runtime", "install", "run_job"]

WORKFLOW = "winnow.job"
log = logging.getLogger("winnow.jobs")


@dataclass
class Runtime:
    jobs: SqlJobStore
    pipelines: TenantPipelines
    spool: Spool
    worker_id: str
    chunk_items: int
    review_retention_days: float = 0.0  # the setting; a policy's [retention] overrides it


_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("no job engine is running in this process")
    return _runtime


def _job(job_id: str) -> Job:
    job = _rt().jobs.get_job(None, job_id)
    if job is None:
        raise WinnowError(f"job {job_id} is not in the store")
    return job


@DBOS.step(name="winnow.job.start")
def start_step(job_id: str) -> dict[str, Any]:
    """Mark the job running here; fix its chunking for every later run of the workflow."""
    rt = _rt()
    job = _job(job_id)
    policy = rt.pipelines.get(job.tenant).policy
    rt.jobs.start_job(job_id, rt.worker_id, policy.version, time.time())
    return {"total": job.total, "kind": job.kind, "chunk": max(1, rt.chunk_items)}


@DBOS.step(name="winnow.job.chunk")
def chunk_step(job_id: str, start: int, end: int) -> dict[str, int]:
    """Moderate items ``start`` to ``end`` and store their decisions (idempotently; items a
    previous run of this step stored already are skipped)."""
    rt = _rt()
    job = _job(job_id)
    pipeline = rt.pipelines.get(job.tenant)
    rt.jobs.start_job(job_id, rt.worker_id, pipeline.policy.version, time.time())
    done = rt.jobs.done_indices(job_id)
    todo = [i for i in range(start, end) if i not in done]
    flagged = failed = 0
    if todo:
        contents = rt.spool.contents(job_id, job.kind, todo)
        outcomes = pipeline.run(contents)
        for i, content, outcome in zip(todo, contents, outcomes, strict=True):
            content_id = content.id or None
            if outcome.decision is None:
                error = str(outcome.error) if outcome.error else "moderation failed"
                rt.jobs.save_item(job, i, content_id, None, error)
                failed += 1
                continue
            record = _record(pipeline, outcome, content, job.tenant)
            rt.jobs.save_item(job, i, content_id, record, None)
            flagged += record.verdict in ("review", "block")
    return {"moderated": len(todo), "flagged": flagged, "failed": failed}


def _record(pipeline: Pipeline, outcome: Outcome, content: Content, tenant: str) -> DecisionRecord:
    """What is stored of an item's decision, as ``POST /v1/moderate`` stores it."""
    assert outcome.decision is not None
    media_type = outcome.decision.ref.media_type.value
    pdq = any(d.name == HASHES_DETECTOR for d in pipeline.detectors)
    hashes = content_hashes(content, media_type, pipeline.limits, pdq)
    return DecisionRecord.of(outcome, tenant, hashes)


@DBOS.step(name="winnow.job.finish")
def finish_step(job_id: str, error: str | None) -> str:
    """End the job (once) and delete its content."""
    rt = _rt()
    job = _job(job_id)
    if error is None and job.total > 0 and job.failed == job.total:
        items = rt.jobs.items(job.tenant, job_id)
        error = next((it.error for it in items if it.error), "every item failed")
    status = "failed" if error is not None else "completed"
    _open_reviews(job)
    rt.jobs.finish_job(job_id, status, error, time.time())
    rt.spool.remove(job_id)
    return status


def _open_reviews(job: Job) -> None:
    """Queue every item whose verdict is ``review`` in the review console, as ``POST
    /v1/moderate`` does, keeping text or image content for the retention time. Done here, while
    the spool still holds the content; opening an item is idempotent, so a rerun of this step
    after a crash opens nothing twice."""
    from winnow.review.intake import review_item
    from winnow.store import review_store

    rt = _rt()
    items = [it for it in rt.jobs.items(job.tenant, job.id) if it.verdict == "review"]
    if not items:
        return
    reviews = review_store(rt.jobs.store)
    pipeline = rt.pipelines.get(job.tenant)
    for it in items:
        record = rt.jobs.store.get_decision(job.tenant, it.decision_id or "")
        if record is None or reviews.get_item(job.tenant, record.id) is not None:
            continue
        (content,) = rt.spool.contents(job.id, job.kind, [it.idx])
        if record.media_type == "image" and content.path is not None:
            content = Content(content.id, data=Path(content.path).read_bytes())
        item, text, data = review_item(
            record,
            content,
            source=job.source or "job",
            retention_s=pipeline.policy.review_retention_s(rt.review_retention_days),
            max_bytes=pipeline.limits.max_image_bytes,
        )
        reviews.open_item(item, text, data)


@DBOS.workflow(name=WORKFLOW, max_recovery_attempts=10)
def run_job(job_id: str) -> str:
    """One job: start, one step per chunk of items, finish."""
    error: str | None = None
    try:
        plan = start_step(job_id)
        total, chunk = int(plan["total"]), int(plan["chunk"])
        for start in range(0, total, chunk):
            chunk_step(job_id, start, min(start + chunk, total))
    except Exception as exc:  # the job fails; the workflow itself completes
        log.exception("job %s failed", job_id)
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, WinnowError) else str(exc)
    return finish_step(job_id, error)
