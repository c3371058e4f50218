"""Bounded soak over loopback: steady load on `winnow serve`, then resident memory growth.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--concurrency 8] [--detectors rules]
        [--malloc-arena-max N] [--mallopt-arena-max N] [--sqlite-cache-kib N]

Starts `winnow serve` on 127.0.0.1 (a temp SQLite database, a key without rate limit) and sends,
for ``--minutes``, a mix of texts (the dev split or the examples), small PNG images and hostile
bodies from ``benchmarks/hostile/make_corpus.py`` (which must get a 4xx). It samples the server's
resident memory (VmRSS) every 5 s and compares the sample at the end of warm-up (the first fifth
of the run, at most 2 minutes) with the last one. Passes when no request failed unexpectedly
(a 5xx, a dropped connection, a 4xx on valid content), the server is still up, and RSS grew less
than 10 % after warm-up. A benchmark, not a test: docs/reliability.md records its figures.

Knobs for the two native-memory candidates, applied to the server process only, without changing
winnow: ``--malloc-arena-max`` sets ``MALLOC_ARENA_MAX`` in its environment (glibc malloc
arenas; ``--mallopt-arena-max`` does the same from inside the process, through a small
bootstrap that calls ``mallopt(M_ARENA_MAX, N)`` before winnow starts), and
``--sqlite-cache-kib`` runs ``PRAGMA cache_size=-N`` on every new SQLite connection (the same
bootstrap; SQLite's default is 2,000 KiB a connection).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import WINNOW, free_port, texts
from hostile.make_corpus import build

DETECTORS = {"rules": ["text.rules", "text.lists"], "default": None}

# `python -m winnow` with PRAGMA cache_size=-N on each new SQLite connection of any engine
CACHE = """
import sqlalchemy as sa

def _cache(dbapi_conn, _record):
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        dbapi_conn.execute("PRAGMA cache_size=-{kib}")

sa.event.listen(sa.engine.Engine, "connect", _cache)
"""
# ... or with glibc's mallopt(M_ARENA_MAX, N) called first thing (what a fix in winnow would do)
MALLOPT = """
import ctypes
ctypes.CDLL("libc.so.6").mallopt(-8, {n})  # M_ARENA_MAX
"""
MAIN = """
import sys
sys.argv[0] = "winnow"
from winnow.cli.main import main
main()
"""


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def images(n: int = 8) -> list[str]:
    out = []
    rng = np.random.default_rng(0)
    for _ in range(n):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)).save(buf, "PNG")
        out.append(base64.b64encode(buf.getvalue()).decode())
    return out


def requests() -> list[tuple[str, dict[str, object] | bytes, str]]:
    """(kind, JSON body or raw bytes, expected: ok, error or any) in a fixed shuffled mix."""
    mix: list[tuple[str, dict[str, object] | bytes, str]] = []
    mix += [("text", {"text": t}, "ok") for t in texts(800)]
    pictures: list[tuple[str, dict[str, object] | bytes, str]]
    pictures = [("image", {"image_base64": b}, "ok") for b in images()]
    mix += pictures * 10
    files, bodies = build()
    mix += [
        ("hostile", {"image_base64": base64.b64encode(f.data).decode()}, f.expect) for f in files
    ]
    mix += [("hostile", b.data, b.expect) for b in bodies if len(b.data) < 4 * 1024 * 1024]
    random.Random(0).shuffle(mix)
    return mix


async def load(base: str, key: str, seconds: float, conc: int, pid: int) -> dict[str, Any]:
    mix = requests()
    latencies: list[float] = []
    failures: list[str] = []
    counts = {"text": 0, "image": 0, "hostile": 0}
    samples: list[tuple[float, int]] = []
    start = time.perf_counter()
    deadline = start + seconds
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:

        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                kind, body, expect = mix[i % len(mix)]
                i += conc
                t0 = time.perf_counter()
                try:
                    if isinstance(body, bytes):
                        r = await c.post(
                            "/v1/moderate",
                            content=body,
                            headers={"content-type": "application/json"},
                        )
                    else:
                        r = await c.post("/v1/moderate", json=body)
                except httpx.TransportError as exc:
                    failures.append(f"{kind}: {type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t0)
                counts[kind] += 1
                ok = (r.status_code == 200 and expect != "error") or (
                    400 <= r.status_code < 500 and expect != "ok"
                )
                if not ok:
                    failures.append(f"{kind}: HTTP {r.status_code}: {r.text[:200]}")

        async def sampler() -> None:
            while time.perf_counter() < deadline:
                samples.append((time.perf_counter() - start, rss(pid)))
                await asyncio.sleep(5)
            samples.append((time.perf_counter() - start, rss(pid)))

        await asyncio.gather(sampler(), *(worker(k) for k in range(conc)))
    wall = time.perf_counter() - start
    warmup = min(seconds / 5, 120.0)
    warm = next(v for t, v in samples if t >= warmup)
    end = samples[-1][1]
    latencies.sort()
    return {
        "seconds": round(wall, 1),
        "requests": len(latencies),
        "by_kind": counts,
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "failures": len(failures),
        "first_failures": failures[:5],
        "rss_start_mib": round(samples[0][1] / 2**20, 1),
        "rss_after_warmup_mib": round(warm / 2**20, 1),
        "rss_end_mib": round(end / 2**20, 1),
        "rss_max_mib": round(max(v for _, v in samples) / 2**20, 1),
        "rss_growth_pct": round(100 * (end - warm) / warm, 2),
        "rss_mib_every_30s": [round(v / 2**20, 1) for t, v in samples[::6]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--detectors", choices=sorted(DETECTORS), default="rules")
    parser.add_argument("--malloc-arena-max", type=int, help="MALLOC_ARENA_MAX for the server")
    parser.add_argument("--mallopt-arena-max", type=int, help="mallopt(M_ARENA_MAX, N) at start")
    parser.add_argument("--sqlite-cache-kib", type=int, help="PRAGMA cache_size=-N (KiB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WINNOW_DATA_DIR": tmp, "WINNOW_API_RATE_LIMIT": "0"}
        detectors = DETECTORS[args.detectors]
        if detectors is not None:
            env["WINNOW_DETECTORS"] = json.dumps(detectors)
        key = subprocess.run(
            [*WINNOW, "keys", "create", "--tenant", "soak", "--name", "soak"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        port = free_port()
        server_env = dict(env)
        if args.malloc_arena_max is not None:
            server_env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
        winnow = WINNOW
        boot = ""
        if args.mallopt_arena_max is not None:
            boot += MALLOPT.format(n=args.mallopt_arena_max)
        if args.sqlite_cache_kib is not None:
            boot += CACHE.format(kib=args.sqlite_cache_kib)
        if boot:
            winnow = [sys.executable, "-c", boot + MAIN]
        server = subprocess.Popen(
            [*winnow, "serve", "--port", str(port), "--log-level", "warning"], env=server_env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                if server.poll() is not None:
                    raise SystemExit(f"the server exited (code {server.returncode})")
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            result = asyncio.run(load(base, key, args.minutes * 60, args.concurrency, server.pid))
            result["server_alive"] = server.poll() is None
        finally:
            server.terminate()
            server.wait(timeout=30)
    result.update(detectors=args.detectors, concurrency=args.concurrency, cores=os.cpu_count(),
                  malloc_arena_max=args.malloc_arena_max,
                  mallopt_arena_max=args.mallopt_arena_max,
                  sqlite_cache_kib=args.sqlite_cache_kib)  # fmt: skip
    print(json.dumps(result, indent=1))
    passed = not result["failures"] and result["server_alive"] and result["rss_growth_pct"] < 10
    print("PASS" if passed else "FAIL", flush=True)
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
