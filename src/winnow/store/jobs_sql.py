"""Jobs on the SQL store (same engine, write lock and outbox as :class:`SqlStore`).

Every write a job step makes is idempotent, so a step that runs again after a crash (DBOS
re-executes a step whose result it had not recorded) changes nothing the first run wrote:

* a decision is keyed by (job id, content sha256, policy version) in ``job_decisions``: the key,
  the decision and its ``decision.flagged`` outbox rows are written in one transaction, only when
  the key is new;
* an item's result is keyed by (job id, item index), and the job's counters move only when it
  is new;
* the job ends (``completed`` or ``failed``) once: the ``job.completed`` outbox row is written in
  the transaction that moves it out of ``queued``/``running``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from winnow.store.jobs import Job, JobItem, WorkerBeat
from winnow.store.jobs_schema import job_decisions, job_items, job_workers, jobs
from winnow.store.records import DecisionRecord, Event
from winnow.store.schema import decisions
from winnow.store.sql import SqlStore, _decision_row

__all__ = ["SqlJobStore"]

FLAGGED = ("review", "block")


class SqlJobStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def _insert_new(self, conn: Connection, table: sa.Table, values: dict[str, Any]) -> bool:
        """INSERT unless the primary key exists; True when a row was written."""
        if self.store.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt: Any = pg_insert(table).values(values).on_conflict_do_nothing()
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(table).values(values).on_conflict_do_nothing()
        # rowcount is not reliable here (psycopg reports -1): a returned key is.
        key = next(iter(table.primary_key.columns))
        return conn.execute(stmt.returning(key)).first() is not None

    # -- jobs -----------------------------------------------------------------------------

    def create_job(self, job: Job) -> None:
        with self.store._write() as conn:
            conn.execute(
                jobs.insert().values(
                    id=job.id, tenant=job.tenant, kind=job.kind, status=job.status,
                    created_at=job.created_at, updated_at=job.updated_at, total=job.total,
                    done=0, flagged=0, failed=0, source=job.source,
                )
            )  # fmt: skip

    def get_job(self, tenant: str | None, job_id: str) -> Job | None:
        """The job, if ``tenant`` owns it (``tenant`` None: any tenant; workers only)."""
        query = sa.select(jobs).where(jobs.c.id == job_id)
        if tenant is not None:
            query = query.where(jobs.c.tenant == tenant)
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return _job(row) if row is not None else None

    def list_jobs(self, tenant: str, limit: int = 100) -> list[Job]:
        query = (
            sa.select(jobs)
            .where(jobs.c.tenant == tenant)
            .order_by(jobs.c.created_at.desc(), jobs.c.id)
            .limit(limit)
        )
        with self.store._read() as conn:
            return [_job(r) for r in conn.execute(query).mappings()]

    def items(self, tenant: str, job_id: str) -> list[JobItem]:
        query = (
            sa.select(job_items)
            .where(job_items.c.tenant == tenant, job_items.c.job_id == job_id)
            .order_by(job_items.c.idx)
        )
        with self.store._read() as conn:
            return [
                JobItem(r["idx"], r["content_id"], r["sha256"], r["decision_id"], r["verdict"],
                        r["error"])
                for r in conn.execute(query).mappings()
            ]  # fmt: skip

    def done_indices(self, job_id: str) -> set[int]:
        query = sa.select(job_items.c.idx).where(job_items.c.job_id == job_id)
        with self.store._read() as conn:
            return set(conn.execute(query).scalars())

    def start_job(self, job_id: str, worker_id: str, policy_version: str, now: float) -> None:
        """Mark the job running on ``worker_id`` (again, when another worker resumes it)."""
        with self.store._write() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.status.in_(("queued", "running")))
                .values(
                    status="running", worker_id=worker_id, policy_version=policy_version,
                    updated_at=now, started_at=sa.func.coalesce(jobs.c.started_at, now),
                )
            )  # fmt: skip

    def save_item(
        self,
        job: Job,
        idx: int,
        content_id: str | None,
        record: DecisionRecord | None,
        error: str | None,
    ) -> str | None:
        """Store one item's result (and its decision, once); returns the decision id."""
        decision_id: str | None = None
        with self.store._write() as conn:
            if record is not None:
                key = {"job_id": job.id, "sha256": record.sha256,
                       "policy_version": record.policy_version}  # fmt: skip
                if self._insert_new(conn, job_decisions, {**key, "decision_id": record.id}):
                    conn.execute(decisions.insert().values(_decision_row(record)))
                    if record.verdict in FLAGGED:
                        data = {**record.to_json(), "job_id": job.id}
                        events = [Event("decision.flagged", data)]
                        self.store._enqueue(conn, record.tenant, events, record.created_at)
                    decision_id = record.id
                else:
                    decision_id = conn.execute(
                        sa.select(job_decisions.c.decision_id).where(
                            *(job_decisions.c[k] == v for k, v in key.items())
                        )
                    ).scalar_one()
            verdict = record.verdict if record is not None else None
            fresh = self._insert_new(
                conn,
                job_items,
                {"job_id": job.id, "idx": idx, "tenant": job.tenant, "content_id": content_id,
                 "sha256": record.sha256 if record is not None else None,
                 "decision_id": decision_id, "verdict": verdict, "error": error},
            )  # fmt: skip
            if fresh:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id == job.id)
                    .values(
                        done=jobs.c.done + 1,
                        flagged=jobs.c.flagged + (1 if verdict in FLAGGED else 0),
                        failed=jobs.c.failed + (1 if error is not None else 0),
                        updated_at=time.time(),
                    )
                )
        return decision_id

    def finish_job(self, job_id: str, status: str, error: str | None, now: float) -> bool:
        """End the job with ``status`` (completed or failed) and queue its ``job.completed``
        event, in one transaction; False (and nothing written) when it had ended already."""
        with self.store._write() as conn:
            done = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.status.in_(("queued", "running")))
                .values(status=status, error=error, finished_at=now, updated_at=now)
            )
            if not done.rowcount:
                return False
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().one()
            job = _job(row)
            self.store._enqueue(conn, job.tenant, [Event("job.completed", job.to_json())], now)
            return True

    # -- workers --------------------------------------------------------------------------

    def heartbeat(self, worker_id: str, started_at: float, now: float) -> None:
        with self.store._write() as conn:
            if not self._insert_new(
                conn,
                job_workers,
                {"id": worker_id, "started_at": started_at, "heartbeat_at": now},
            ):
                conn.execute(
                    job_workers.update()
                    .where(job_workers.c.id == worker_id)
                    .values(heartbeat_at=now, started_at=started_at, recovered_at=None)
                )

    def workers(self) -> list[WorkerBeat]:
        query = sa.select(job_workers).order_by(job_workers.c.id)
        with self.store._read() as conn:
            return [
                WorkerBeat(r["id"], r["started_at"], r["heartbeat_at"], r["recovered_at"])
                for r in conn.execute(query).mappings()
            ]

    def claim_dead(self, cutoff: float, now: float) -> list[str]:
        """Workers silent since before ``cutoff`` and not yet taken over: mark them taken over
        (each by one caller only) and return their ids."""
        with self.store._write() as conn:
            ids = list(
                conn.execute(
                    sa.select(job_workers.c.id).where(
                        job_workers.c.heartbeat_at < cutoff, job_workers.c.recovered_at.is_(None)
                    )
                ).scalars()
            )
            claimed = []
            for worker_id in ids:
                done = conn.execute(
                    job_workers.update()
                    .where(job_workers.c.id == worker_id, job_workers.c.recovered_at.is_(None))
                    .values(recovered_at=now)
                )
                if done.rowcount:
                    claimed.append(worker_id)
            return claimed

    def active_jobs(self, ids: Sequence[str]) -> list[str]:
        """Of ``ids``, the jobs not yet ended."""
        if not ids:
            return []
        query = sa.select(jobs.c.id).where(
            jobs.c.id.in_(list(ids)), jobs.c.status.in_(("queued", "running"))
        )
        with self.store._read() as conn:
            return list(conn.execute(query).scalars())


def _job(r: RowMapping) -> Job:
    return Job(
        id=r["id"], tenant=r["tenant"], kind=r["kind"], status=r["status"],
        created_at=r["created_at"], updated_at=r["updated_at"], total=r["total"], done=r["done"],
        flagged=r["flagged"], failed=r["failed"], started_at=r["started_at"],
        finished_at=r["finished_at"], policy_version=r["policy_version"],
        worker_id=r["worker_id"], source=r["source"], error=r["error"],
    )  # fmt: skip
