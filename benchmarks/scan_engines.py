"""Both scan engines on the same large input: identical lines, resume after an interruption, rates.

    .venv/bin/python benchmarks/scan_engines.py [--texts 100000] [--images 2000] [--workers 2]

For each input (texts through text.rules and text.lists: the classifier would take about half an
hour per engine on 100,000 texts on 2 cores; images through image.safety, image.opennsfw,
image.hashes and image.qr), runs `winnow scan` as a user would, as subprocesses:

1. `--engine local --workers N` and 2. `--engine ray --workers N`, each interrupted with SIGINT
   once about a third of the lines are written, then run again to finish (the resume path);

then checks both outputs hold exactly one line per input id and the same line for every id, and
prints each engine's rate (input lines / wall seconds, process start and model load included).
Exit status 1 when the outputs differ. A benchmark, not a test: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

WINNOW = [sys.executable, "-m", "winnow"]
TEXT_DETECTORS = "text.rules,text.lists"
IMAGE_DETECTORS = "image.safety,image.opennsfw,image.hashes,image.qr"


def write_texts(path: Path, n: int, dev: Path) -> None:
    """``n`` texts: dev-split lines when present (real posts, every category), else generated."""
    rng = random.Random(0)
    if dev.exists():
        pool = [json.loads(line)["text"] for line in dev.read_text("utf-8").splitlines()]
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
        pool = [" ".join(rng.choices(words, k=rng.randint(5, 30))) for _ in range(5000)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"t{i:06d}", "text": rng.choice(pool)}) + "\n")


def write_images(path: Path, folder: Path, n: int) -> None:
    """``n`` distinct photo-like 640x480 JPEGs, listed in a JSONL of ``{id, path}``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            base = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
            img = Image.fromarray(base).resize((640, 480), Image.Resampling.BICUBIC)
            noise = rng.normal(0, 8, (480, 640, 3))
            pixels = np.clip(np.asarray(img, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
            buf = io.BytesIO()
            Image.fromarray(pixels).save(buf, "JPEG", quality=85)
            file = folder / f"img{i:05d}.jpg"
            file.write_bytes(buf.getvalue())
            fh.write(json.dumps({"id": f"i{i:05d}", "path": str(file)}) + "\n")


def scan(source: Path, out: Path, engine: str, workers: int, detectors: str) -> list[str]:
    return [*WINNOW, "scan", "--input", str(source), "--output", str(out), "--engine", engine,
            "--workers", str(workers), "--detectors", detectors, "--no-progress"]  # fmt: skip


def lines_in(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def run_interrupted(cmd: list[str], out: Path, total: int) -> tuple[float, int]:
    """Run ``cmd``, SIGINT it once a third of ``total`` lines are out, run it again; returns
    (wall seconds of both runs, lines present at the interruption)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None and lines_in(out) < total // 3:
        time.sleep(0.2)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    at_interrupt = lines_in(out)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        raise SystemExit(f"resumed scan failed: {done.stderr.decode()[-2000:]}")
    return time.perf_counter() - start, at_interrupt


def by_id(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    dupes = 0
    for line in path.read_text("utf-8").splitlines():
        key = json.loads(line)["id"]
        dupes += key in out
        out[key] = line
    if dupes:
        raise SystemExit(f"{path}: {dupes} ids written twice")
    return out


def compare(name: str, total: int, local: Path, ray: Path) -> bool:
    a, b = by_id(local), by_id(ray)
    differ = [k for k in a if a[k] != b.get(k)]
    ok = len(a) == len(b) == total and not differ
    print(f"{name}: local {len(a)} lines, ray {len(b)} lines, {len(differ)} differ -> "
          f"{'identical' if ok else 'DIFFERENT'}")  # fmt: skip
    for k in differ[:3]:
        print(f"  {k}\n    local {a[k][:300]}\n    ray   {b.get(k, '')[:300]}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dev", type=Path, default=Path("eval/data/dev.jsonl"))
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        jobs = []
        if args.texts:
            write_texts(root / "texts.jsonl", args.texts, args.dev)
            jobs.append(("texts", root / "texts.jsonl", args.texts, TEXT_DETECTORS))
        if args.images:
            write_images(root / "images.jsonl", root / "images", args.images)
            jobs.append(("images", root / "images.jsonl", args.images, IMAGE_DETECTORS))
        for name, source, total, detectors in jobs:
            local, ray = root / f"{name}.local.jsonl", root / f"{name}.ray.jsonl"
            wall, cut = run_interrupted(
                scan(source, local, "local", args.workers, detectors), local, total
            )
            print(f"{name}: local x{args.workers}, interrupted at {cut}/{total} lines and "
                  f"resumed: {wall:.0f} s, {total / wall:,.1f} items/s")  # fmt: skip
            wall, cut = run_interrupted(
                scan(source, ray, "ray", args.workers, detectors), ray, total
            )
            print(f"{name}: ray x{args.workers}, interrupted at {cut}/{total} lines and "
                  f"resumed: {wall:.0f} s, {total / wall:,.1f} items/s")  # fmt: skip
            ok &= compare(name, total, local, ray)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
