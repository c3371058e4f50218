"""The job engine of a process: configures and launches DBOS, submits jobs, takes over the jobs
of dead workers.

One engine runs per process (DBOS is a process-wide singleton). ``work=True`` (``winnow serve``
and ``winnow worker``) dequeues and runs jobs; ``work=False`` only submits them (``winnow serve
--no-worker``, next to separate ``winnow worker`` processes).

Workers and takeover. Each worker has a stable id, its DBOS executor id (``worker_id`` /
``WINNOW_WORKER_ID``, default the host name). DBOS tags a running job with the id of the worker
running it; when that worker starts again with the same id, DBOS resumes its unfinished jobs at
their interrupted step. A worker that never comes back is taken over: every working engine
writes a heartbeat every few seconds (table ``job_workers``), and one that sees another worker
silent for ``worker_timeout_s`` claims it (a single UPDATE, so one claimer wins) and asks DBOS to
recover that worker's pending workflows, which puts them back on the jobs queue for any live
worker. ``winnow jobs recover WORKER_ID`` does the same by hand.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from winnow.errors import ConfigError, StoreError
from winnow.jobs.spool import Spool
from winnow.store.jobs import Job

if TYPE_CHECKING:
    from winnow.pipeline import Pipeline
    from winnow.settings import Settings
    from winnow.store import Store
    from winnow.store.jobs_sql import SqlJobStore
    from winnow.tenancy import TenantPipelines

__all__ = [
    "APP_VERSION",
    "DRAIN_SECONDS",
    "QUEUE",
    "JobEngine",
    "default_worker_id",
    "system_database_url",
]

DRAIN_SECONDS = 10
"""How long a stopping engine lets the workflows running in it finish."""

QUEUE = "winnow-jobs"
APP_VERSION = "winnow-jobs-1"
"""DBOS recovers a workflow only on an executor of the same application version: this stays the
same across releases until the workflow's steps change in a way a resumed job could not follow."""

HEARTBEAT_S = 5.0
_GAVE_UP = ("CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "ERROR")
log = logging.getLogger("winnow.jobs")
_lock = threading.Lock()
_running: JobEngine | None = None


def default_worker_id(settings: Settings) -> str:
    return settings.worker_id or socket.gethostname() or "winnow"


def system_database_url(store_url: str) -> str:
    """DBOS's system database: the service's PostgreSQL database (schema ``dbos``), or a SQLite
    file next to the service's (``winnow.db`` → ``winnow.jobs.db``)."""
    import sqlalchemy as sa

    url = sa.make_url(store_url)
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if not url.database or url.database == ":memory:":
        raise ConfigError("jobs need a database file or server, not an in-memory SQLite")
    path = Path(url.database)
    return f"sqlite:///{path.with_name(path.stem + '.jobs' + (path.suffix or '.db'))}"


class JobEngine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        pipeline: Pipeline | TenantPipelines | None,
        *,
        work: bool = True,
        worker_id: str | None = None,
    ) -> None:
        """``pipeline``: the service's (each tenant's own is built over it) or the app's
        :class:`~winnow.tenancy.TenantPipelines`, shared so a tenant's change applies at once."""
        from winnow.store.jobs_sql import SqlJobStore
        from winnow.store.sql import SqlStore
        from winnow.tenancy import TenantPipelines

        if not isinstance(store, SqlStore):
            raise TypeError(f"jobs need a SQL store, not {type(store).__name__}")
        if work and pipeline is None:
            raise ValueError("a working engine needs a pipeline")
        self.settings = settings
        self.store = store
        self.jobs: SqlJobStore = SqlJobStore(store)
        if pipeline is None or isinstance(pipeline, TenantPipelines):
            self.pipelines = pipeline
        else:
            from winnow.store import config_store

            self.pipelines = TenantPipelines(pipeline, config_store(store))
        self.work = work
        self.worker_id = worker_id or default_worker_id(settings)
        self.spool = Spool(settings.data_dir / "jobs")
        self.started = False
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._started_at = 0.0

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Launch DBOS (migrating its system database), and with ``work``, the heartbeat and
        takeover thread. DBOS resumes this worker id's unfinished jobs now."""
        global _running
        from dbos import DBOS, DBOSConfig

        from winnow.jobs import workflow

        with _lock:
            if _running is not None:
                raise RuntimeError("a job engine runs in this process already; stop it first")
            _running = self
        try:
            if self.pipelines is not None:
                workflow.install(
                    workflow.Runtime(self.jobs, self.pipelines, self.spool, self.worker_id,
                                     self.settings.job_chunk_items,
                                     self.settings.review_retention_days)
                )  # fmt: skip
            config: DBOSConfig = {
                "name": "winnow",
                "system_database_url": system_database_url(self.store.url),
                "executor_id": self.worker_id,
                "application_version": APP_VERSION,
                "log_level": "WARNING",
                "notification_listener_polling_interval_sec": 0.5,
            }
            DBOS(config=config)
            if not self.work:
                DBOS.listen_queues([])
            DBOS.launch()
            DBOS.register_queue(
                QUEUE,
                worker_concurrency=self.settings.job_concurrency,
                polling_interval_sec=0.5,
                on_conflict="always_update",
            )
            self.started = True
            self._started_at = time.time()
            if self.work:
                self._heartbeat()
                self._stop.clear()
                self._watcher = threading.Thread(
                    target=self._watch, name="winnow-jobs-watch", daemon=True
                )
                self._watcher.start()
        except BaseException:
            self._teardown()
            raise

    def stop(self) -> None:
        """Stop DBOS. Workflows running here get up to :data:`DRAIN_SECONDS` to finish (a job
        marked completed still records its last step); those still running then stay pending
        and resume when this worker id starts again."""
        if not self.started:
            return
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None
        self._teardown(drain=self._running_here())

    def _running_here(self) -> bool:
        from dbos import DBOS

        try:
            return bool(DBOS.list_workflows(status="PENDING", executor_id=self.worker_id,
                                            limit=1, load_input=False, load_output=False))  # fmt: skip
        except Exception:  # the database is gone: nothing could finish anyway
            return False

    def _teardown(self, drain: bool = False) -> None:
        global _running
        from dbos import DBOS

        from winnow.jobs import workflow

        try:
            # DBOS waits for this process's active workflows (polling each second) only when
            # asked: otherwise one still recording its last step retries against a database
            # that may be gone, and keeps the process from exiting.
            DBOS.destroy(destroy_registry=False,
                         workflow_completion_timeout_sec=DRAIN_SECONDS if drain else 0)  # fmt: skip
        finally:
            workflow.install(None)
            self.started = False
            with _lock:
                if _running is self:
                    _running = None

    def __enter__(self) -> JobEngine:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- jobs -----------------------------------------------------------------------------

    def new_job_id(self) -> str:
        from winnow.store.sql import new_id

        return new_id("job")

    def submit_items(
        self, tenant: str, items: Sequence[tuple[str | None, str]], source: str | None = None
    ) -> Job:
        """Queue a batch of texts (``(id, text)`` pairs) as one job."""
        job_id = self.new_job_id()
        self.spool.create(job_id)
        try:
            total = self.spool.write_items(job_id, items)
        except BaseException:
            self.spool.remove(job_id)
            raise
        return self._enqueue(job_id, tenant, "items", total, source)

    def submit_upload(
        self, job_id: str, tenant: str, content_id: str | None, source: str | None = None
    ) -> Job:
        """Queue the file already written at ``spool.upload_path(job_id)`` as one job."""
        self.spool.write_upload_id(job_id, content_id)
        return self._enqueue(job_id, tenant, "media", 1, source)

    def _enqueue(self, job_id: str, tenant: str, kind: str, total: int, source: str | None) -> Job:
        from dbos import DBOS, SetWorkflowID

        from winnow.jobs.workflow import run_job

        if not self.started:
            self.spool.remove(job_id)
            raise StoreError("the job engine is not running; try again in a moment")
        now = time.time()
        job = Job(job_id, tenant, kind, "queued", now, now, total, source=source)
        self.jobs.create_job(job)
        try:
            queue = DBOS.retrieve_queue(QUEUE)
            if queue is None:
                raise StoreError(f"the DBOS queue {QUEUE} is not registered")
            with SetWorkflowID(job_id):
                queue.enqueue(run_job, job_id)
        except BaseException as exc:
            self.jobs.finish_job(job_id, "failed", f"could not queue the job: {exc}", time.time())
            self.spool.remove(job_id)
            raise
        return job

    def get(self, tenant: str, job_id: str) -> Job | None:
        """The job, if ``tenant`` owns it. A job whose workflow DBOS ended without it ending the
        job (cancelled, or given up after too many recoveries: a job that crashes its worker
        every time) is failed now, once."""
        job = self.jobs.get_job(tenant, job_id)
        if job is None or job.finished or not self.started:
            return job
        from dbos import DBOS

        status = DBOS.get_workflow_status(job_id)
        if status is not None and status.status in _GAVE_UP:
            error = f"the job's workflow ended as {status.status} without finishing the job"
            self.jobs.finish_job(job_id, "failed", error, time.time())
            self.spool.remove(job_id)
            job = self.jobs.get_job(tenant, job_id)
        return job

    # -- takeover -------------------------------------------------------------------------

    def recover(self, worker_ids: Iterable[str]) -> list[str]:
        """Put the unfinished jobs of ``worker_ids`` (dead workers) back on the queue for any
        live worker; returns their ids. Only call it for workers that are really gone: a job
        still running on a live worker would run twice (harmlessly: steps are idempotent)."""
        from dbos import DBOS

        if not self.started:
            raise RuntimeError("start the engine first")
        ids = [w for w in worker_ids if w]
        handles = DBOS._recover_pending_workflows(ids) if ids else []
        recovered = [h.get_workflow_id() for h in handles]
        if recovered:
            log.warning("took over %d job(s) of worker(s) %s", len(recovered), ", ".join(ids))
        return recovered

    def _heartbeat(self) -> None:
        self.jobs.heartbeat(self.worker_id, self._started_at, time.time())

    def _watch(self) -> None:
        timeout = self.settings.worker_timeout_s
        while not self._stop.wait(HEARTBEAT_S if not timeout else min(HEARTBEAT_S, timeout / 3)):
            try:
                self._heartbeat()
                if timeout > 0:
                    now = time.time()
                    dead = [w for w in self.jobs.claim_dead(now - timeout, now)
                            if w != self.worker_id]  # fmt: skip
                    if dead:
                        self.recover(dead)
            except Exception:  # the database went away: keep beating, it may come back
                log.exception("job worker heartbeat failed")

    def describe(self) -> dict[str, Any]:
        return {"worker_id": self.worker_id, "work": self.work, "started": self.started}
