"""Scan throughput per engine: one process, the local process pool, and (optionally) Ray.

    .venv/bin/python benchmarks/bench_scan.py [--texts 100000] [--images 200] [--workers 2]
        [--only rules,text,images] [--ray]

A benchmark, not a test: run it, read the numbers. Inputs are generated (texts of 5-30 words,
one in ten with a contact handle; benign photo-like PNGs of 320x240), written as JSONL, and
scanned end to end (read, load, detect, policy, write) by :func:`winnow.scanning.scan` (one
process) and :func:`winnow.scanpool.scan_parallel` (``--workers`` processes). Two rates each:
``end to end`` counts the workers' start (spawn, model load); ``steady`` is measured from the
first chunk written to the last. The pool must reach >= 1.8x one process on 2 idle cores.
Pipelines: ``rules`` (text.rules + text.lists with a 10,000-term list), ``text`` (the default
text pipeline: adds text.classifier, which needs the trained model in src/winnow/models/text),
``images`` (image.safety, image.opennsfw, image.hashes, image.qr). ``--ray`` adds the Ray engine
(local cluster, ``--workers`` actors).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from winnow.pipeline import Pipeline
from winnow.scanning import iter_inputs, scan
from winnow.scanpool import scan_parallel
from winnow.settings import Settings

WORDS = [
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
    "see",
    "you",
    "at",
]
IMAGE_DETECTORS = ["image.safety", "image.opennsfw", "image.hashes", "image.qr"]


def write_texts(path: Path, n: int) -> None:
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(rng.choices(WORDS, k=rng.randint(5, 30)))
            if i % 10 == 0:
                text += f" add me on wechat: abc{i}"
            fh.write(json.dumps({"id": f"t{i}", "text": text}) + "\n")


def write_images(folder: Path, n: int) -> None:
    folder.mkdir()
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:240, 0:320].astype(np.float32)
    for i in range(n):
        base = np.stack(
            [120 + 80 * np.sin(x / (20 + i % 17)), 100 + 60 * np.cos(y / 40), 160 - 0.1 * (x + y)],
            axis=-1,
        )
        pixels = np.clip(base + rng.normal(0, 12, size=base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i:05d}.png")


class Clock:
    """Progress callback that notes when the first and last chunks were written."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.first_n = 0
        self.last = 0.0
        self.total = 0

    def __call__(self, n: int) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first, self.first_n = now, n
        self.last = now
        self.total += n

    def steady(self) -> float:
        if self.first is None or self.last <= self.first:
            return float("nan")
        return (self.total - self.first_n) / (self.last - self.first)


def run_one(settings: Settings, source: Path, chunk: int) -> tuple[float, float]:
    start = time.perf_counter()
    pipeline = Pipeline.from_settings(settings)
    clock = Clock()
    scan(pipeline, iter_inputs(source), io.StringIO(), set(), chunk, clock)
    return clock.total / (time.perf_counter() - start), clock.steady()


def run_pool(settings: Settings, source: Path, chunk: int, workers: int) -> tuple[float, float]:
    if settings.threads == 0:
        settings = settings.model_copy(update={"threads": max(1, (os.cpu_count() or 1) // workers)})
    start = time.perf_counter()
    clock = Clock()
    factory = partial(Pipeline.from_settings, settings)
    scan_parallel(factory, source, io.StringIO(), set(), workers, chunk, clock)
    return clock.total / (time.perf_counter() - start), clock.steady()


def run_ray(settings: Settings, source: Path, chunk: int, workers: int) -> tuple[float, float]:
    from winnow.batch.ray_scan import local_ray, ray_scan

    with tempfile.TemporaryDirectory() as tmp, local_ray(num_cpus=workers + 1):
        start = time.perf_counter()
        out = Path(tmp) / "out.jsonl"
        n = ray_scan(settings, source, out, concurrency=workers, batch_size=chunk)
        rate = n / (time.perf_counter() - start)
    return rate, float("nan")


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process, and of its reaped children (the pool's workers, once joined)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def report(name: str, n: int, runs: dict[str, Callable[[], tuple[float, float]]]) -> None:
    """Print rates; per CPU-second too, since on a busy machine wall-clock rates depend on
    what else runs: an engine that keeps its items per CPU-second scales with idle cores."""
    base = None
    for engine, run in runs.items():
        self0, kids0 = cpu_seconds()
        total, steady = run()
        self1, kids1 = cpu_seconds()
        per_cpu = n / (self1 - self0 + kids1 - kids0)
        base = base or steady
        print(
            f"{name:7s} {engine:14s} {n:>7,} items: end to end {total:9,.1f}/s, "
            f"steady {steady:9,.1f}/s ({steady / base:.2f}x one process), "
            f"{per_cpu:9,.1f} per CPU-second (start included; CPU s: this process "
            f"{self1 - self0:.1f}, workers {kids1 - kids0:.1f})",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--full-texts", type=int, default=6_000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="rules,text,images")
    parser.add_argument("--ray", action="store_true")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(
        f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}, workers: {args.workers}"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        terms = tmp / "terms.toml"
        words = [f"blockedterm{i}" for i in range(10_000)]
        terms.write_text('name = "bench"\ncategory = "profanity"\nterms = ' + json.dumps(words))
        cases: list[tuple[str, Settings, Path, int, int]] = []
        if "rules" in only:
            texts = tmp / "texts.jsonl"
            write_texts(texts, args.texts)
            rules = Settings(detectors=["text.rules", "text.lists"], lists=[terms])
            cases.append(("rules", rules, texts, args.texts, 1024))
        if "text" in only:
            full = tmp / "full.jsonl"
            write_texts(full, args.full_texts)
            detectors = ["text.rules", "text.lists", "text.classifier"]
            cases.append(("text", Settings(detectors=detectors), full, args.full_texts, 256))
        if "images" in only:
            write_images(tmp / "images", args.images)
            images = Settings(detectors=IMAGE_DETECTORS)
            cases.append(("images", images, tmp / "images", args.images, 16))
        for name, settings, source, n, chunk in cases:
            runs = {
                "1 process": partial(run_one, settings, source, chunk),
                f"pool x{args.workers}": partial(run_pool, settings, source, chunk, args.workers),
            }
            if args.ray:
                runs[f"ray x{args.workers}"] = partial(
                    run_ray, settings, source, chunk, args.workers
                )
            try:
                report(name, n, runs)
            except Exception as exc:
                print(f"{name:7s} skipped: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
