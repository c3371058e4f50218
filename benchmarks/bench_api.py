"""HTTP API throughput and latency, over loopback. A benchmark, not a test.

    .venv/bin/python benchmarks/bench_api.py [--requests 3000] [--seconds 20] [--concurrency 16]
        [--only rules|default|image] [--batch N]

Starts `winnow serve` on 127.0.0.1 (a temp SQLite database, a key without rate limit) for:
1. rules: texts, rules-only pipeline (text.rules, text.lists);
2. default: texts, the default pipeline (rules, lists, the text classifier);
3. image: JPEG photos (the real photos of ../shared/data/media/hash-vectors, 1 MP), as
   multipart uploads, the default pipeline (safety classifiers, OCR, QR, hash banks).
Each run keeps `--concurrency` requests in flight, bounded by `--requests` and `--seconds`, and
reports requests/s and p50/p99 latency. `--batch N` sets WINNOW_API_BATCH_SIZE (1: no
micro-batching). Targets on 2 cores: text >= 300 requests/s with p99 <= 100 ms; image >= 10
requests/s. The load generator shares the machine with the server, as a co-located caller would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WINNOW = [sys.executable, "-m", "winnow"]


def texts(n: int = 2000) -> list[str]:
    for path in (ROOT / "eval/data/dev.jsonl", ROOT / "examples/sample.jsonl"):
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                lines = [json.loads(line).get("text") for line in fh if line.strip()]
            lines = [t for t in lines if isinstance(t, str) and t.strip()]
            random.Random(0).shuffle(lines)
            return (lines * (n // max(len(lines), 1) + 1))[:n]
    return [f"hello number {i}" for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def photos(n: int = 24) -> list[bytes]:
    import io

    from PIL import Image

    folder = ROOT.parent / "shared/data/media/hash-vectors/pdq/data/reg-test-input/labelme-subset"
    out = []
    for path in sorted(folder.glob("*.jpg"))[:n]:
        buf = io.BytesIO()
        Image.open(path).convert("RGB").resize((1155, 866)).save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    if not out:
        raise SystemExit(f"no photos under {folder}")
    return out


Body = dict[str, object]


def bodies(kind: str) -> list[Body]:
    if kind == "image":
        return [{"files": {"file": ("photo.jpg", p, "image/jpeg")}} for p in photos()]
    return [{"json": {"text": t}} for t in texts()]


async def load(
    base: str, key: str, corpus: list[Body], n: int, seconds: float, conc: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(n))
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:
        for body in corpus[:50]:  # warm up
            await c.post("/v1/moderate", **body)  # type: ignore[arg-type]

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                r = await c.post("/v1/moderate", **corpus[i % len(corpus)])  # type: ignore[arg-type]
                latencies.append(time.perf_counter() - t0)
                errors += r.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def run(
    label: str, detectors: list[str] | None, args: argparse.Namespace, kind: str = "text"
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WINNOW_DATA_DIR": tmp, "WINNOW_API_RATE_LIMIT": "0"}
        if args.batch is not None:
            env["WINNOW_API_BATCH_SIZE"] = str(args.batch)
        if detectors is not None:
            env["WINNOW_DETECTORS"] = json.dumps(detectors)
        key = subprocess.run(
            [*WINNOW, "keys", "create", "--tenant", "bench", "--name", "bench"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        port = free_port()
        server = subprocess.Popen(
            [*WINNOW, "serve", "--port", str(port), "--log-level", "warning"], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                if server.poll() is not None:
                    raise SystemExit(f"{label}: the server exited (code {server.returncode})")
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            result = asyncio.run(
                load(base, key, bodies(kind), args.requests, args.seconds, args.concurrency)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"{label:<24} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  ({result['requests']:.0f} requests, "
        f"{result['errors']:.0f} errors, concurrency {args.concurrency})",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", choices=["rules", "default", "image"])
    parser.add_argument("--batch", type=int, help="WINNOW_API_BATCH_SIZE (server default: 16)")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; server: winnow serve (1 worker), SQLite store", flush=True)
    if args.only in (None, "rules"):
        run("rules only", ["text.rules", "text.lists"], args)
    if args.only in (None, "default"):
        run("default pipeline", None, args)
    if args.only in (None, "image"):
        run("default pipeline, images", None, args, kind="image")


if __name__ == "__main__":
    main()
