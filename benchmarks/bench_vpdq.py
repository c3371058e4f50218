"""vPDQ hashing speed (issue 5): x real time on a 720p H.264 clip.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_vpdq.py [--seconds 60] [--runs 3]

Encodes a synthetic 720p30 H.264 clip (x264 ``veryfast``: 3 B-frames, 2 s GOP; a textured
picture panning, a square moving across it, a cut every 2.3 s) in a temp folder, then times
:func:`winnow.banks.vpdq.hash_video` at 1 hash a second (the reference's default), best of
``--runs``, and prints the x-real-time figure. ``--exact`` times the decode-every-frame path.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.avmedia import encode_video  # noqa: E402


def textured(t: float, width: int = 1280, height: int = 720, seed: int = 0) -> np.ndarray:
    """A blocky picture, a new one every second (PDQ quality 100)."""
    from PIL import Image

    rng = np.random.default_rng(seed * 100_003 + int(t))
    small = rng.integers(0, 256, (9, 16, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BILINEAR))


def clip(path: Path, seconds: int) -> Path:
    if not path.exists():
        bases: dict[int, np.ndarray] = {}

        def frame(i: int, t: float) -> np.ndarray:
            shot = int(t / 2.3)  # cuts every 2.3 s: not aligned with the 1 s samples
            if shot not in bases:
                bases.clear()
                bases[shot] = textured(float(shot))
            img = np.roll(bases[shot], int(t * 40), axis=1)  # a slow pan: every frame differs
            x0 = int((t * 320) % (1280 - 60))
            img[240:300, x0 : x0 + 60] = 250
            return img

        opts = {"preset": "veryfast", "g": "60"}
        path.write_bytes(encode_video(frame, seconds, fps=30, width=1280, height=720,
                                      options=opts))  # fmt: skip
    return path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exact", action="store_true", help="decode every frame")
    parser.add_argument("--clip", type=Path, default=None, help="keep/reuse the clip here")
    args = parser.parse_args()
    from winnow.banks.vpdq import hash_video

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = clip(args.clip or Path(tmp) / "clip720.mp4", args.seconds)
        print(f"encoded {args.seconds} s of 720p30 in {time.perf_counter() - start:.1f} s "
              f"({path.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
        best, cpu = float("inf"), 0.0
        for _ in range(args.runs):
            start, used = time.perf_counter(), _cpu()
            features = list(hash_video(str(path), 1.0, skip_unsampled=not args.exact))
            if time.perf_counter() - start < best:
                best, cpu = time.perf_counter() - start, _cpu() - used
        good = sum(f.quality >= 50 for f in features)
        mode = "every frame decoded" if args.exact else "unsampled non-reference frames skipped"
        print(f"vPDQ ({mode}): {len(features)} frame hashes ({good} of quality >= 50), "
              f"{best:.2f} s for {args.seconds} s: {args.seconds / best:.1f}x real time; "
              f"CPU {cpu:.2f} s (all threads), load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
