"""Fault: ``kill -9`` of the API process under load, then a restart: no accepted decision lost.

    .venv/bin/python benchmarks/faults.py [--rounds 3] [--seconds 5] [--concurrency 8]

Starts `winnow serve` on 127.0.0.1 (rules only, a temp SQLite database) and, each round, sends
texts with ``--concurrency`` requests in flight for about ``--seconds``, kills the server with
SIGKILL in the middle of that load, restarts it on the same database and checks that every
decision it answered 200 for (its ``decision_id``) is still there (``GET /v1/decisions/{id}``).
Requests cut by the kill fail on the client side (the caller retries them); an answered one must
never vanish.

    .venv/bin/python benchmarks/faults.py --postgres [--seconds 20] [--concurrency 8]
        [--stop-mode fast|immediate] [--down 0]

Starts a throwaway PostgreSQL from Debian's packages (``/usr/lib/postgresql/*/bin``, a cluster in
a temp dir on 127.0.0.1, ``fsync=off``; run as root it runs the server as user ``postgres``), then
`winnow serve` on it (rules only) with a webhook subscription to a receiver on 127.0.0.1. For
``--seconds`` it sends texts with ``--concurrency`` requests in flight and submits a small job
every half second; at a third of the run it stops PostgreSQL (``pg_ctl stop -m fast``, or
``immediate``: a crash), keeps it down ``--down`` seconds and starts it again.
Afterwards: every decision answered 200 (requests and job items) is in the database, every job
completed, the server is up and ready, requests succeed again (and how long that took), and every
``decision.flagged`` / ``job.completed`` event arrived exactly once (counted by ``webhook-id``).
A benchmark, not a test: docs/reliability.md records its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import WINNOW, free_port, texts


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [*WINNOW, "serve", "--port", str(port), "--log-level", "critical"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"the server exited (code {server.returncode})")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not become ready in 60 s")


async def load_and_kill(
    base: str, key: str, server: subprocess.Popen[bytes], seconds: float, conc: int
) -> tuple[list[str], int]:
    """Load the server, SIGKILL it at half time; the ids answered 200, and the requests cut."""
    corpus = texts(500)
    accepted: list[str] = []
    cut = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as c:

        async def worker(offset: int) -> None:
            nonlocal cut
            i = offset
            while time.perf_counter() < deadline:
                try:
                    r = await c.post("/v1/moderate", json={"text": corpus[i % len(corpus)]})
                except httpx.TransportError:
                    cut += 1
                    await asyncio.sleep(0.05)
                    continue
                i += conc
                if r.status_code == 200:
                    accepted.append(r.json()["decision_id"])

        async def killer() -> None:
            await asyncio.sleep(seconds / 2)
            os.kill(server.pid, signal.SIGKILL)

        await asyncio.gather(killer(), *(worker(k) for k in range(conc)))
    return accepted, cut


async def missing(base: str, key: str, ids: list[str]) -> list[str]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as c:
        lost = []
        for decision_id in ids:
            if (await c.get(f"/v1/decisions/{decision_id}")).status_code != 200:
                lost.append(decision_id)
        return lost


# -- PostgreSQL restart ---------------------------------------------------------------------


class Postgres:
    """A throwaway cluster from Debian's packages, on 127.0.0.1, removed by :meth:`remove`."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                       key=lambda p: int(Path(p).parts[-3]))  # fmt: skip
        if not found:
            raise SystemExit("no PostgreSQL: apt-get install postgresql (/usr/lib/postgresql)")
        self.bin = Path(found[-1]).parent
        self.tmp = Path(tempfile.mkdtemp(prefix="winnow-pg."))
        self.data = self.tmp / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.tmp, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        return time.perf_counter() - t0

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A",
                  "trust", "--no-sync", "-E", "UTF8")  # fmt: skip
        self.start()

    def start(self) -> None:
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.tmp / "log"),
                  "-w", "-o", opts, "start")  # fmt: skip

    def stop(self, mode: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str, down: float) -> None:
        """Stop (``pg_ctl stop -m MODE``: fast rolls back open transactions and closes every
        connection; immediate is a crash, with WAL recovery at start), stay down ``down`` s, and
        start again on the same port and data."""
        self.stop(mode)
        time.sleep(down)
        self.start()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.tmp, ignore_errors=True)


class Receiver:
    """Webhook receiver on 127.0.0.1: every request's ``webhook-id`` and the payload of each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.receipts: list[str] = []
        self.payloads: dict[str, dict[str, Any]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver.lock:
                    receiver.receipts.append(self.headers["webhook-id"])
                    receiver.payloads.setdefault(self.headers["webhook-id"], json.loads(body))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Log:
    """What the load saw, in seconds from the start of the run."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.answers: list[tuple[float, float, int]] = []  # (sent, answered, status); 0: cut
        self.errors: Counter[str] = Counter()
        self.accepted: list[str] = []
        self.flagged: set[str] = set()
        self.jobs: list[str] = []
        self.job_refused = 0
        self.ready: list[tuple[float, bool]] = []
        self.sample = ""  # the body of the first failed answer
        self.restart: tuple[float, float] = (0.0, 0.0)  # (began, pg_ctl returned)

    def now(self) -> float:
        return time.perf_counter() - self.t0


async def load_and_restart(
    base: str,
    key: str,
    pg: Postgres,
    seconds: float,
    conc: int,
    restart: tuple[str, float],
    log: Log,
) -> None:
    corpus = texts(500)
    deadline = seconds
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as c:

        async def worker(offset: int) -> None:
            i = offset
            while log.now() < deadline:
                sent = log.now()
                try:
                    r = await c.post("/v1/moderate", json={"text": corpus[i % len(corpus)]})
                except httpx.TransportError as exc:
                    log.answers.append((sent, log.now(), 0))
                    log.errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                i += conc
                log.answers.append((sent, log.now(), r.status_code))
                if r.status_code == 200:
                    body = r.json()
                    log.accepted.append(body["decision_id"])
                    if body["verdict"] in ("review", "block"):
                        log.flagged.add(body["decision_id"])
                else:
                    log.errors[f"HTTP {r.status_code}"] += 1
                    log.sample = log.sample or r.text[:300]
                    await asyncio.sleep(0.05)

        async def jobs() -> None:
            n = 0
            while log.now() < deadline:
                items = [{"id": f"j{n}-{k}", "text": corpus[(n * 5 + k) % len(corpus)]}
                         for k in range(5)]  # fmt: skip
                n += 1
                with contextlib.suppress(httpx.TransportError):
                    r = await c.post("/v1/jobs", json={"items": items})
                    if r.status_code == 202:
                        log.jobs.append(r.json()["job_id"])
                    else:
                        log.job_refused += 1
                        log.errors[f"job HTTP {r.status_code}"] += 1
                await asyncio.sleep(0.5)

        async def ready() -> None:
            while log.now() < deadline:
                try:
                    ok = (await c.get("/readyz", timeout=2)).status_code == 200
                except httpx.TransportError:
                    ok = False
                log.ready.append((log.now(), ok))
                await asyncio.sleep(0.2)

        async def restarter() -> None:
            await asyncio.sleep(seconds / 3)
            began = log.now()
            await asyncio.to_thread(pg.restart, *restart)
            log.restart = (began, log.now())

        await asyncio.gather(restarter(), jobs(), ready(), *(worker(k) for k in range(conc)))


async def check(base: str, key: str, log: Log, receiver: Receiver) -> dict[str, Any]:
    """After the load: decisions kept, jobs completed, events delivered once each."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as c:
        ready = (await c.get("/readyz")).status_code == 200
        after = []  # requests sent after the outage: must all succeed
        for _ in range(20):
            after.append((await c.post("/v1/moderate", json={"text": "after"})).status_code)
        lost = [d for d in log.accepted if (await c.get(f"/v1/decisions/{d}")).status_code != 200]
        status: dict[str, str] = {}
        job_flagged: set[str] = set()
        give_up = time.perf_counter() + 180
        for job_id in log.jobs:
            while True:
                r = await c.get(f"/v1/jobs/{job_id}")
                body: dict[str, Any] = (
                    r.json() if r.status_code == 200 else {"status": f"HTTP {r.status_code}"}
                )
                if body.get("status") in ("completed", "failed") or time.perf_counter() > give_up:
                    break
                await asyncio.sleep(0.5)
            status[job_id] = str(body["status"])
            for item in body.get("results", []):
                if item["verdict"] in ("review", "block"):
                    job_flagged.add(item["decision_id"])
                if (
                    item["decision_id"]
                    and (await c.get(f"/v1/decisions/{item['decision_id']}")).status_code != 200
                ):
                    lost.append(item["decision_id"])
    # every flagged decision (answered 200, or a job item) and every job: one event each
    want = {("decision.flagged", d) for d in log.flagged | job_flagged}
    want |= {("job.completed", j) for j in log.jobs}
    give_up = time.perf_counter() + 120
    while True:
        with receiver.lock:
            got = Counter(
                (p["type"], p["data"].get("job_id") if p["type"] == "job.completed"
                 else p["data"]["decision_id"])
                for p in receiver.payloads.values()
            )  # fmt: skip
            receipts = len(receiver.receipts)
            ids = len(receiver.payloads)
        if want <= set(got) or time.perf_counter() > give_up:
            break
        await asyncio.sleep(0.5)
    return {
        "ready_after": ready,
        "after_outage_ok": sum(s == 200 for s in after),
        "after_outage_sent": len(after),
        "lost_decisions": len(lost),
        "jobs": len(log.jobs),
        "jobs_completed": sum(s == "completed" for s in status.values()),
        "jobs_not_completed": {j: s for j, s in status.items() if s != "completed"},
        "events_expected": len(want),
        "events_lost": len(want - set(got)),
        "events_duplicated": sum(n - 1 for n in got.values() if n > 1),
        "events_unexpected": len(set(got) - want),
        "webhook_requests": receipts,
        "webhook_ids": ids,
    }


def outage(log: Log) -> dict[str, Any]:
    """The failed window around the restart and the time to the first success after it."""
    began, returned = log.restart
    fails = sorted(a for a in log.answers if a[2] != 200)
    first_ok = min((a[1] for a in log.answers if a[2] == 200 and a[1] >= returned), default=None)
    late = [a for a in log.answers if first_ok is not None and a[0] > first_ok and a[2] != 200]
    not_ready = [t for t, ok in log.ready if not ok]
    return {
        "restart_began_s": round(began, 2),
        "stop_to_started_s": round(returned - began, 2),
        "first_failure_s": round(fails[0][1], 2) if fails else None,
        "last_failure_s": round(max(a[1] for a in fails), 2) if fails else None,
        "first_ok_after_restart_s": None if first_ok is None else round(first_ok - began, 2),
        "first_ok_after_pg_up_s": None if first_ok is None else round(first_ok - returned, 2),
        "failures_after_first_ok": len(late),
        "readyz_down_s": [round(not_ready[0], 2), round(not_ready[-1], 2)] if not_ready else None,
    }


def postgres_fault(seconds: float, conc: int, mode: str, down: float) -> dict[str, Any]:
    pg = Postgres()
    receiver = Receiver()
    try:
        pg.init()
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "WINNOW_DATA_DIR": tmp, "WINNOW_API_RATE_LIMIT": "0",
                   "WINNOW_DATABASE_URL": pg.url,
                   "WINNOW_DETECTORS": json.dumps(["text.rules", "text.lists"])}  # fmt: skip
            key = subprocess.run(
                [*WINNOW, "keys", "create", "--tenant", "faults", "--name", "faults",
                 "--scopes", "admin"],
                env=env, capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start(env, port)
            try:
                r = httpx.post(f"{base}/v1/webhooks", headers={"Authorization": f"Bearer {key}"},
                               json={"url": receiver.url,
                                     "events": ["decision.flagged", "job.completed"]})  # fmt: skip
                r.raise_for_status()
                log = Log()
                asyncio.run(load_and_restart(base, key, pg, seconds, conc, (mode, down), log))
                alive = server.poll() is None
                result: dict[str, Any] = {
                    "seconds": seconds,
                    "concurrency": conc,
                    "stop_mode": mode,
                    "down_s": down,
                    "requests": len(log.answers),
                    "ok": len(log.accepted),
                    "flagged": len(log.flagged),
                    "failed": sum(a[2] != 200 for a in log.answers),
                    "failures_by_kind": dict(log.errors),
                    "jobs_refused": log.job_refused,
                    "first_failed_body": log.sample,
                    **outage(log),
                    "server_alive": alive,
                }
                if alive:
                    result.update(asyncio.run(check(base, key, log, receiver)))
                result["server_alive"] = alive and server.poll() is None
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        receiver.close()
        pg.remove()
    return result


def postgres_passed(r: dict[str, Any]) -> bool:
    if not r["server_alive"] or "ready_after" not in r:  # died: nothing was checked after
        return False
    return bool(
        r["server_alive"] and r["ready_after"] and r["ok"] > 0
        and r["after_outage_ok"] == r["after_outage_sent"]
        and r["first_ok_after_restart_s"] is not None and r["failures_after_first_ok"] == 0
        and r["lost_decisions"] == 0 and r["jobs"] > 0 and r["jobs_completed"] == r["jobs"]
        and r["events_lost"] == 0 and r["events_duplicated"] == 0
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, help="a round (default 5), or the --postgres "
                        "run (default 20)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", action="store_true", help="restart PostgreSQL under load")
    parser.add_argument("--stop-mode", choices=["fast", "immediate"], default="fast",
                        help="--postgres: pg_ctl stop mode (immediate: a crash)")  # fmt: skip
    parser.add_argument("--down", type=float, default=0.0,
                        help="--postgres: seconds PostgreSQL stays down")  # fmt: skip
    args = parser.parse_args()
    if args.postgres:
        pg_result = postgres_fault(
            args.seconds or 20.0, args.concurrency, args.stop_mode, args.down
        )
        print(json.dumps(pg_result, indent=1))
        pg_passed = postgres_passed(pg_result)
        print("PASS" if pg_passed else "FAIL", flush=True)
        raise SystemExit(0 if pg_passed else 1)
    args.seconds = args.seconds or 5.0
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WINNOW_DATA_DIR": tmp, "WINNOW_API_RATE_LIMIT": "0",
               "WINNOW_DETECTORS": json.dumps(["text.rules", "text.lists"])}  # fmt: skip
        key = subprocess.run(
            [*WINNOW, "keys", "create", "--tenant", "faults", "--name", "faults"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        all_accepted: list[str] = []
        for n in range(args.rounds):
            server = start(env, port)
            accepted, cut = asyncio.run(
                load_and_kill(base, key, server, args.seconds, args.concurrency)
            )
            server.wait(timeout=30)
            all_accepted += accepted
            server = start(env, port)  # restart on the same database
            try:
                lost = asyncio.run(missing(base, key, all_accepted))
            finally:
                server.terminate()
                server.wait(timeout=30)
            rounds.append({"round": n + 1, "accepted": len(accepted), "cut_by_kill": cut,
                           "lost_so_far": len(lost)})  # fmt: skip
    result = {"rounds": rounds, "accepted": len(all_accepted), "lost": rounds[-1]["lost_so_far"]}
    print(json.dumps(result, indent=1))
    passed = not rounds[-1]["lost_so_far"] and bool(all_accepted)
    print("PASS" if passed else "FAIL", flush=True)
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
