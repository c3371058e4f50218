"""PDQ index at scale: N random hashes plus planted near-duplicates; latency, memory, build.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_bank_index.py --n 1000000
     PYTHONPATH=. .venv/bin/python benchmarks/bench_bank_index.py --n 10000000

Planted: 1,000 hashes at distance 0-31 of an indexed hash. A "hash" query is one 256-bit hash;
an "image" query is the 8 dihedral variants an image is matched with (one is the planted
near-duplicate, 7 are random). Memory is the index's arrays and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from winnow.banks.index import MihIndex


def flip(code: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[rng.choice(256, n, replace=False)] ^= 1
    return np.packbits(bits)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    codes = rng.integers(0, 256, (args.n, 32), dtype=np.uint8)
    targets = rng.choice(args.n, args.queries, replace=False)
    planted = np.stack([flip(codes[t], int(rng.integers(0, 32)), rng) for t in targets])
    t1 = time.perf_counter()
    index = MihIndex.build(np.arange(1, args.n + 1), codes)
    del codes
    t2 = time.perf_counter()
    hash_ms, image_ms, found = [], [], 0
    for i in range(args.queries):
        start = time.perf_counter()
        hits = index.search(planted[i : i + 1], 31)
        hash_ms.append((time.perf_counter() - start) * 1000)
        found += int(targets[i] + 1 in set(hits.ids.tolist()))
        batch = np.concatenate([planted[i : i + 1], rng.integers(0, 256, (7, 32), dtype=np.uint8)])
        start = time.perf_counter()
        index.search(batch, 31)
        image_ms.append((time.perf_counter() - start) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"N={args.n:,}: generate {t1 - t0:.1f} s, build {t2 - t1:.1f} s, "
          f"index {index.nbytes / 2**20:.0f} MiB, peak RSS {rss:.0f} MiB")  # fmt: skip
    for label, ms in (("1 hash", hash_ms), ("8 variants", image_ms)):
        print(
            f"  {label:<10} p50 {np.percentile(ms, 50):.2f} ms  p99 {np.percentile(ms, 99):.2f} ms"
        )
    print(f"  planted near-duplicates found: {found}/{args.queries}")
    print(f"command: PYTHONPATH=. {sys.executable} benchmarks/bench_bank_index.py --n {args.n}")


if __name__ == "__main__":
    main()
