"""kill -9 in the middle of a job: the real `winnow serve` (API and worker in one process, with a
slow fake detector) is SIGKILLed mid-job; when a worker comes back (the same worker id, or
another one that takes over the dead worker after `worker_timeout_s`), the job completes, and
each item has exactly one decision and the job exactly one `job.completed` outbox row."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.dbs import database_url
from winnow.client import Client
from winnow.store import open_store

__all__ = ["database_url"]

pytestmark = pytest.mark.slow

ITEMS = 24  # 0.25 s each, one per step: ~6 s of work


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``winnow serve`` (API and worker), or with ``args``, another command (``worker``)."""

    def __init__(self, env: dict[str, str], log: Path, args: list[str] | None = None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        command = args or ["serve", "--port", str(self.port), "--log-level", "warning"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.jobworker", *command],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
        )  # fmt: skip
        if args is not None:
            return
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "server did not start in 60 s"
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for s in started:
        s.stop()


@pytest.mark.parametrize("comeback", ["same-worker", "takeover"])
def test_a_job_killed_mid_way_completes_with_no_duplicates(
    comeback: str, database_url: str, tmp_path: Path, servers: list[Server]
) -> None:
    env = {
        **os.environ,
        "WINNOW_DATA_DIR": str(tmp_path),
        "WINNOW_DATABASE_URL": database_url,
        "WINNOW_DETECTORS": '["test.slow"]',
        "WINNOW_JOB_CHUNK_ITEMS": "1",
        "WINNOW_WORKER_ID": "worker-a",
        "WINNOW_WORKER_TIMEOUT_S": "0",
    }
    store = open_store(database_url)
    _, secret = store.create_key("acme", "kill", ["moderate"], 0)
    store.create_webhook("acme", "http://127.0.0.1:9/hook", ["job.completed", "decision.flagged"])
    log = tmp_path / "server.log"
    servers.append(Server(env, log))
    texts = [
        (f"t{i}", f"text number {i}" + (" HATEFUL" if i % 4 == 0 else "")) for i in range(ITEMS)
    ]
    with Client(servers[0].base, secret) as c:
        job_id = c.submit_job(texts)["job_id"]
        deadline = time.monotonic() + 30
        while c.job(job_id)["progress"]["done"] < 4:
            assert time.monotonic() < deadline, c.job(job_id)
            time.sleep(0.05)
    servers[0].kill()
    killed_at = store_progress(store, job_id)
    assert 4 <= killed_at < ITEMS, "the job finished before the kill"

    if comeback == "same-worker":
        servers.append(Server(env, log))
    else:  # another worker; the dead one never comes back and is taken over
        other = {**env, "WINNOW_WORKER_ID": "worker-b", "WINNOW_WORKER_TIMEOUT_S": "2"}
        servers.append(Server(other, log))
    with Client(servers[1].base, secret) as c:
        job = c.wait_job(job_id, timeout=60, poll=0.2)
    assert job["status"] == "completed", (job, log.read_text(errors="replace")[-3000:])
    assert job["progress"] == {"total": ITEMS, "done": ITEMS, "flagged": ITEMS // 4, "failed": 0}
    assert job["worker_id"] == ("worker-a" if comeback == "same-worker" else "worker-b")
    assert [r["id"] for r in job["results"]] == [t[0] for t in texts]

    import sqlalchemy as sa

    from winnow.store.schema import decisions, deliveries

    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        per_sha = conn.execute(
            sa.select(decisions.c.sha256, sa.func.count()).group_by(decisions.c.sha256)
        ).all()
        events = conn.execute(
            sa.select(deliveries.c.event, sa.func.count()).group_by(deliveries.c.event)
        ).all()
    assert len(per_sha) == ITEMS and all(n == 1 for _, n in per_sha)
    assert dict(events) == {"job.completed": 1, "decision.flagged": ITEMS // 4}
    stored = {d.id for d in store.find_decisions("acme", limit=1000)}
    assert {r["decision_id"] for r in job["results"]} == stored
    assert not (tmp_path / "jobs" / job_id).exists()
    store.close()


def test_api_only_server_workers_and_a_manual_takeover(
    database_url: str, tmp_path: Path, servers: list[Server]
) -> None:
    """`winnow serve --no-worker` only queues; `winnow worker` runs; after worker-a is killed,
    `winnow jobs recover worker-a` hands its job to worker-b."""
    env = {
        **os.environ,
        "WINNOW_DATA_DIR": str(tmp_path),
        "WINNOW_DATABASE_URL": database_url,
        "WINNOW_DETECTORS": '["test.slow"]',
        "WINNOW_JOB_CHUNK_ITEMS": "1",
        "WINNOW_WORKER_TIMEOUT_S": "0",
    }
    store = open_store(database_url)
    _, secret = store.create_key("acme", "workers", ["moderate"], 0)
    log = tmp_path / "server.log"
    port = _free_port()
    api = Server(env, log, ["serve", "--no-worker", "--port", str(port), "--log-level", "warning"])
    servers.append(api)
    base = f"http://127.0.0.1:{port}"
    _wait_up(base, api, log)
    with Client(base, secret) as c:
        job_id = c.submit_job([f"text {i}" for i in range(ITEMS)])["job_id"]
        time.sleep(1.5)
        assert c.job(job_id)["status"] == "queued"  # nobody works here
        servers.append(Server(env, log, ["worker", "--id", "worker-a"]))
        deadline = time.monotonic() + 60
        while c.job(job_id)["progress"]["done"] < 3:
            assert time.monotonic() < deadline, (c.job(job_id), log.read_text(errors="replace"))
            time.sleep(0.05)
        servers[-1].kill()
        servers.append(Server(env, log, ["worker", "--id", "worker-b"]))
        time.sleep(1.0)
        assert c.job(job_id)["status"] == "running"  # still worker-a's: nobody took it over
        recovered = subprocess.run(
            [sys.executable, "-m", "winnow", "jobs", "recover", "worker-a"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert recovered.returncode == 0, recovered.stderr
        assert recovered.stdout.split() == [job_id]
        job = c.wait_job(job_id, timeout=60, poll=0.2)
    assert job["status"] == "completed" and job["worker_id"] == "worker-b", job
    assert job["progress"]["done"] == ITEMS
    assert len({r["decision_id"] for r in job["results"]}) == ITEMS
    assert len(store.find_decisions("acme", limit=1000)) == ITEMS
    listed = subprocess.run(
        [sys.executable, "-m", "winnow", "jobs", "workers"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert {json.loads(line)["id"] for line in listed.stdout.splitlines()} == {
        "worker-a",
        "worker-b",
    }
    store.close()


def _wait_up(base: str, server: Server, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, "server did not start in 60 s"
        time.sleep(0.1)


def store_progress(store: object, job_id: str) -> int:
    from winnow.store.jobs_sql import SqlJobStore

    job = SqlJobStore(store).get_job(None, job_id)  # type: ignore[arg-type]
    assert job is not None
    return job.done
