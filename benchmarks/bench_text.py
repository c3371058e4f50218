"""Text throughput, latency and memory. A benchmark, not a test: run it, read the numbers.

    .venv/bin/python benchmarks/bench_text.py [--texts eval/data/dev.jsonl] [--n 20000]

1. rules only (text.rules + text.lists with a 10,000-term list), through the whole pipeline
   (load, detect, policy), one process — target >= 20,000 texts/s;
2. the full default text pipeline (rules, lists, classifier), batches of 64, in one process (the
   encoder on both cores) and in one process per core (one encoder thread each, as `winnow scan`
   and a multi-worker `winnow serve` run it) — target >= 300/s;
3. single-text latency of the full pipeline, p50 and p99 — target p50 <= 30 ms;
4. peak resident memory of the process — target <= 1.5 GB.
Texts are a sample of the dev split (short posts, the mix real traffic has) when present.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from winnow.pipeline import Pipeline
from winnow.settings import Settings
from winnow.types import Content


def load_texts(path: Path, n: int, benign_only: bool = False) -> list[str]:
    if path.exists():
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        if benign_only:  # traffic as platforms see it: almost all of it is fine
            rows = [r for r in rows if r["labels"] and not any(r["labels"].values())]
        texts = [r["text"] for r in rows]
    else:
        words = [
            "the",
            "a",
            "park",
            "day",
            "lovely",
            "cat",
            "dog",
            "code",
            "build",
            "run",
            "fast",
            "slow",
            "new",
            "old",
            "good",
        ]
        rng0 = random.Random(1)
        texts = [" ".join(rng0.choices(words, k=rng0.randint(5, 30))) for _ in range(5000)]
    rng = random.Random(0)
    return [rng.choice(texts) for _ in range(n)]


def throughput(pipeline: Pipeline, texts: list[str], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        pipeline.run([Content(str(j), text=t) for j, t in enumerate(texts[i : i + batch])])
    return len(texts) / (time.perf_counter() - start)


_WORKER: Pipeline | None = None


def _init(terms: Path) -> None:
    global _WORKER
    _WORKER = Pipeline.from_settings(
        Settings(detectors=["text.rules", "text.lists"], lists=[terms])
    )


def _run_chunk(chunk: list[str]) -> int:
    assert _WORKER is not None
    _WORKER.run([Content(str(j), text=t) for j, t in enumerate(chunk)])
    return len(chunk)


_FULL: Pipeline | None = None


def _init_full() -> None:
    global _FULL
    _FULL = Pipeline.from_settings(
        Settings(detectors=["text.rules", "text.lists", "text.classifier"], threads=1)
    )
    _FULL.run([Content("warm", text="warm up the models")])


def _run_full(chunk: list[str]) -> int:
    assert _FULL is not None
    for i in range(0, len(chunk), 64):
        _FULL.run([Content(str(j), text=t) for j, t in enumerate(chunk[i : i + 64])])
    return len(chunk)


def parallel_full(texts: list[str], workers: int = 2) -> float:
    """One process per core; spawned, so each sets its own encoder threads before loading."""
    import multiprocessing as mp

    chunks = [texts[i : i + 256] for i in range(0, len(texts), 256)]
    with mp.get_context("spawn").Pool(workers, initializer=_init_full) as pool:
        pool.map(_run_full, [["warm up"]] * workers)
        start = time.perf_counter()
        done = sum(pool.map(_run_full, chunks, chunksize=1))
        return done / (time.perf_counter() - start)


def parallel_rules(texts: list[str], terms: Path, workers: int = 2) -> float:
    import multiprocessing as mp

    chunks = [texts[i : i + 512] for i in range(0, len(texts), 512)]
    with mp.get_context("fork").Pool(workers, initializer=_init, initargs=(terms,)) as pool:
        pool.map(_run_chunk, chunks[:workers])  # warm up
        start = time.perf_counter()
        done = sum(pool.map(_run_chunk, chunks))
        return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=Path, default=Path("eval/data/dev.jsonl"))
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--full-n", type=int, default=3000)
    parser.add_argument("--rules-only", action="store_true")
    parser.add_argument("--benign-only", action="store_true", help="Only lines labelled benign.")
    args = parser.parse_args()
    texts = load_texts(args.texts, args.n, args.benign_only)
    print(f"texts: {len(texts)} from {args.texts if args.texts.exists() else 'generated'}; "
          f"mean length {statistics.mean(map(len, texts)):.0f} chars")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        terms = Path(tmp) / "terms.toml"
        words = [f"blockedterm{i}" for i in range(10_000)]
        terms.write_text('name = "bench"\ncategory = "profanity"\nterms = ' + json.dumps(words))
        rules = Pipeline.from_settings(
            Settings(detectors=["text.rules", "text.lists"], lists=[terms])
        )
        throughput(rules, texts[:500], 512)
        rate = throughput(rules, texts, 512)
        print(f"rules only (rules + 10k-term list), 1 process: {rate:,.0f} texts/s")
        rate2 = parallel_rules(texts, terms)
        print(f"rules only, 2 processes (one per core): {rate2:,.0f} texts/s  (target >= 20,000)")
    if args.rules_only:
        return

    sample = texts[: args.full_n]
    rate2 = parallel_full(sample)
    print(f"full default text pipeline, 2 processes (one per core): {rate2:,.0f} texts/s  "
          "(target >= 300)")  # fmt: skip
    t0 = time.perf_counter()
    full = Pipeline.from_settings(
        Settings(detectors=["text.rules", "text.lists", "text.classifier"])
    )
    full.run([Content("warm", text="warm up the models")])
    print(f"full pipeline load: {time.perf_counter() - t0:.1f}s")
    rate = throughput(full, sample, 64)
    print(f"full default text pipeline, 1 process, batches of 64: {rate:,.0f} texts/s")
    latencies = []
    for t in texts[args.full_n : args.full_n + 300]:
        start = time.perf_counter()
        full.run([Content("one", text=t)])
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(f"single-text latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms  (target p50 <= 30 ms)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MB  (target <= 1,536 MB)")


if __name__ == "__main__":
    main()
