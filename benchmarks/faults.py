"""Fault: ``kill -9`` of the API process under load, then a restart: no accepted decision lost.

    .venv/bin/python benchmarks/faults.py [--rounds 3] [--seconds 5] [--concurrency 8]

Starts `winnow serve` on 127.0.0.1 (rules only, a temp SQLite database) and, each round, sends
texts with ``--concurrency`` requests in flight for about ``--seconds``, kills the server with
SIGKILL in the middle of that load, restarts it on the same database and checks that every
decision it answered 200 for (its ``decision_id``) is still there (``GET /v1/decisions/{id}``).
Requests cut by the kill fail on the client side (the caller retries them); an answered one must
never vanish. A benchmark, not a test: docs/reliability.md records its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
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
    passed = result["lost"] == 0 and result["accepted"] > 0
    print("PASS" if passed else "FAIL", flush=True)
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
