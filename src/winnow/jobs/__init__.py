"""Asynchronous, durable moderation jobs (``POST /v1/jobs``) on DBOS.

A job is a DBOS workflow (:mod:`winnow.jobs.workflow`) whose id is the job id: a first step
marks it running, one step per chunk of ``job_chunk_items`` items moderates them and stores their
decisions, and a last step ends it and queues its ``job.completed`` event. DBOS checkpoints each
step's result in its system database (the service's PostgreSQL database, schema ``dbos``, or
SQLite next to the service's SQLite file), so a worker killed mid-job resumes at the first step
it had not finished; what a step writes to the store is idempotent (:mod:`winnow.store.jobs_sql`),
so re-running the interrupted step writes no second decision or event.

The content waits on disk under ``data_dir/jobs/<job id>/`` (the texts of a batch, or the
uploaded file) and is deleted when the job ends; DBOS itself only ever sees the job id.

:class:`~winnow.jobs.engine.JobEngine` owns DBOS in a process (DBOS is a process-wide singleton,
so one engine runs at a time): ``winnow serve`` runs one that also works jobs, ``winnow worker``
one without the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from winnow.jobs.spool import Spool

if TYPE_CHECKING:
    from winnow.jobs.engine import JobEngine

__all__ = ["JobEngine", "Spool"]


def __getattr__(name: str) -> object:
    if name == "JobEngine":
        from winnow.jobs.engine import JobEngine

        return JobEngine
    raise AttributeError(name)
