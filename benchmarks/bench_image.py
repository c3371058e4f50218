"""Throughput of decode + ``image.safety`` + ``image.opennsfw`` on 1-megapixel JPEGs.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_image.py [--threads 2] [--batch 16]

Generates 64 distinct photo-like 1280x800 JPEGs in memory (smooth gradients, low-frequency
texture, grain, soft shapes), then times, per batch: decoding with
``winnow.media.image.decode_image`` (serially, as ``Pipeline.run``; ``--decode-threads`` to
try a pool) and both detectors' ``detect_batch``. Prints the single-thread CPU work of each
stage (decode / preprocess / inference, best of 3), the throughput ceiling that work allows on
this machine's cores, end-to-end throughput and peak RSS. Nothing is read from or written to
disk. On a shared machine other processes lower the end-to-end figures: the load average is
printed with them.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from winnow.detectors.image_safety import ImageSafety, OpenNSFW
from winnow.media.image import decode_image
from winnow.settings import Limits, Settings
from winnow.types import ImageItem

WIDTH, HEIGHT = 1280, 800


def photo_like(seed: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:  # type: ignore[type-arg]
    """A smooth, photo-like RGB image: gradient sky/ground, texture, grain and soft shapes."""
    rng = np.random.default_rng(seed)
    corners = rng.uniform(0, 255, (2, 2, 3)).astype(np.float32)
    gradient = np.asarray(
        Image.fromarray(corners.astype(np.uint8)).resize(
            (width, height), Image.Resampling.BILINEAR
        ),
        dtype=np.float32,
    )
    small = rng.normal(0, 25, (height // 40, width // 40, 3)).clip(-127, 127) + 128
    texture = np.asarray(
        Image.fromarray(small.astype(np.uint8)).resize((width, height), Image.Resampling.BICUBIC),
        dtype=np.float32,
    )
    base = gradient + (texture - 128)
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    shapes = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for _ in range(int(rng.integers(4, 12))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, width // 2)), int(rng.integers(40, height // 2))
        fill = (*(int(v) for v in rng.integers(0, 256, 3)), int(rng.integers(120, 255)))
        box = (x0, y0, x0 + w, y0 + h)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    shapes = shapes.filter(ImageFilter.GaussianBlur(3))
    img = Image.alpha_composite(img.convert("RGBA"), shapes).convert("RGB")
    grain = rng.normal(0, 6, (height, width, 3))
    return (np.asarray(img, dtype=np.float32) + grain).clip(0, 255).astype(np.uint8)


def jpeg(pixels: np.ndarray, quality: int = 85) -> bytes:  # type: ignore[type-arg]
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def batches(seq: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def decode_all(blobs: Sequence[bytes], pool: ThreadPoolExecutor | None = None) -> list[ImageItem]:
    limits = Limits()  # type: ignore[call-arg]
    if pool is None:  # as Pipeline.run does: one after the other
        return [decode_image(b, "image/jpeg", limits) for b in blobs]
    return list(pool.map(lambda b: decode_image(b, "image/jpeg", limits), blobs))


def profile(blobs: Sequence[bytes], detectors: Sequence[Any], batch: int) -> dict[str, float]:
    """Single-thread seconds per image of each stage (best of 3 passes): the CPU work."""
    best: dict[str, float] = {}

    def keep(stage: str, seconds: float, count: int) -> None:
        best[stage] = min(best.get(stage, float("inf")), seconds / count)

    chunk = blobs[:batch]
    for _ in range(3):
        items, seconds = timed(lambda: decode_all(chunk))
        keep("decode (1 thread)", seconds, len(chunk))
        for det in detectors:
            pixels = [item.pixels for item in items]
            inputs, seconds = timed(
                lambda det=det, pixels=pixels: [det.preprocess(p) for p in pixels]
            )
            keep(f"{det.name} preprocess (1 thread)", seconds, len(chunk))
            stacked = np.stack(inputs)
            _, seconds = timed(lambda det=det, stacked=stacked: det._run(stacked))
            keep(f"{det.name} inference (1 thread)", seconds, len(chunk))
    return best


def end_to_end(
    blobs: Sequence[bytes], detectors: Sequence[Any], batch: int, pool: ThreadPoolExecutor | None
) -> float:
    """Images per second: decode a batch, then run every detector on it."""
    start = time.perf_counter()
    for chunk in batches(blobs, batch):
        items = decode_all(chunk, pool)
        for det in detectors:
            results = det.detect_batch(items)
            assert len(results) == len(items)
    return len(blobs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="settings.threads (0: all cores)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5, help="end-to-end passes over the images")
    parser.add_argument(
        "--decode-threads", type=int, default=0, help="decode in this many threads (0: serially)"
    )
    args = parser.parse_args()

    blobs = [jpeg(photo_like(seed)) for seed in range(args.images)]
    assert len(set(blobs)) == len(blobs)
    settings = Settings(threads=args.threads)  # type: ignore[call-arg]
    detectors, load_s = timed(
        lambda: [ImageSafety.from_settings(settings), OpenNSFW.from_settings(settings)]
    )
    for det in detectors:  # warm-up: first runs allocate and tune
        det.detect_batch(decode_all(blobs[: args.batch]))

    load_before = os.getloadavg()[0]
    prof = profile(blobs, detectors, args.batch)
    pool = ThreadPoolExecutor(args.decode_threads) if args.decode_threads else None
    runs = [end_to_end(blobs, detectors, args.batch, pool) for _ in range(args.repeat)]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cores = os.cpu_count() or 1

    mean_kb = sum(map(len, blobs)) / len(blobs) / 1024
    print(
        f"{args.images} JPEGs {WIDTH}x{HEIGHT} (mean {mean_kb:.0f} KB), batch {args.batch}, "
        f"threads {args.threads}, decode threads {args.decode_threads}, {cores} cores, "
        f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after, "
        f"model load {load_s:.2f} s"
    )
    print(f"{'stage':40s} {'ms/image':>9s}")
    for stage, seconds in prof.items():
        print(f"{stage:40s} {seconds * 1000:9.1f}")
    work = sum(prof.values())
    print(f"{'CPU work per image':40s} {work * 1000:9.1f}")
    print(f"{f'ceiling on {cores} idle cores, images/s':40s} {cores / work:9.1f}")
    print(
        f"{'end-to-end images/s (best, median)':40s} {max(runs):9.1f} {statistics.median(runs):6.1f}"
        f"   runs: {', '.join(f'{r:.1f}' for r in runs)}"
    )
    print(f"{'peak RSS MB':40s} {rss_mb:9.0f}")


if __name__ == "__main__":
    main()
