"""``winnow worker``: run asynchronous jobs (``POST /v1/jobs``) without the HTTP API.

Several workers share one PostgreSQL database (``WINNOW_DATABASE_URL``); give each a stable,
distinct ``--id`` (``WINNOW_WORKER_ID``) so that when one restarts it resumes its own
unfinished jobs. ``winnow serve`` runs a worker in-process unless ``--no-worker``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from winnow.cli.common import (
    build_pipeline,
    limit_malloc_arenas,
    pipeline_options,
    settings_from,
)

__all__ = ["command"]


@click.command("worker")
@click.option(
    "--id",
    "worker_id",
    default=None,
    help="This worker's stable id (default: WINNOW_WORKER_ID, else the host name).",
)
@pipeline_options
def command(
    worker_id: str | None, policy: Path | None, detectors: str | None, lists: tuple[Path, ...]
) -> None:
    """Run queued jobs until stopped (Ctrl-C or SIGTERM); no HTTP API."""
    limit_malloc_arenas()
    from winnow.jobs.engine import JobEngine
    from winnow.store import open_store

    settings = settings_from(policy, detectors, lists)
    if worker_id:
        settings = settings.model_copy(update={"worker_id": worker_id})
    store = open_store(settings)
    engine = JobEngine(settings, store, build_pipeline(settings))
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    engine.start()
    click.echo(f"winnow: worker {engine.worker_id} running jobs (Ctrl-C stops it)", err=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        click.echo(f"winnow: worker {engine.worker_id} stopping", err=True)
        engine.stop()
        store.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
