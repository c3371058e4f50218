"""``winnow jobs workers|recover``: the job workers' heartbeats, and taking over a dead one.

A running worker takes over a worker silent for ``worker_timeout_s`` by itself; ``recover`` does
it at once, by hand (for example with ``worker_timeout_s = 0``).
"""

from __future__ import annotations

import json
import time

import click

from winnow.settings import load_settings

__all__ = ["command"]


@click.group("jobs")
def command() -> None:
    """Job workers of the service's database (WINNOW_DATABASE_URL or data_dir)."""


@command.command("workers")
def workers() -> None:
    """List the job workers and their last heartbeat (one JSON line each)."""
    from winnow.store import open_store
    from winnow.store.jobs_sql import SqlJobStore
    from winnow.store.sql import SqlStore

    store = open_store(load_settings())
    assert isinstance(store, SqlStore)
    now = time.time()
    for w in SqlJobStore(store).workers():
        click.echo(json.dumps({
            "id": w.id, "started_at": w.started_at, "heartbeat_at": w.heartbeat_at,
            "silent_s": round(now - w.heartbeat_at, 1), "taken_over_at": w.recovered_at,
        }))  # fmt: skip
    store.close()


@command.command("recover")
@click.argument("worker_ids", nargs=-1, required=True)
def recover(worker_ids: tuple[str, ...]) -> None:
    """Put the unfinished jobs of dead workers WORKER_IDS back on the queue, for any live worker
    to resume at their interrupted step. Only for workers that are gone for good: a worker
    that comes back with its id resumes its jobs by itself."""
    from winnow.jobs.engine import JobEngine, default_worker_id
    from winnow.store import open_store

    settings = load_settings()
    store = open_store(settings)
    me = f"{default_worker_id(settings)}-recover"
    engine = JobEngine(settings, store, None, work=False, worker_id=me)
    engine.start()
    try:
        recovered = engine.recover(list(worker_ids))
    finally:
        engine.stop()
        store.close()
    for job_id in recovered:
        click.echo(job_id)
    click.echo(
        f"winnow: {len(recovered)} job(s) of {', '.join(worker_ids)} back on the queue", err=True
    )
