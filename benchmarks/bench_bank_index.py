"""PDQ index at scale: N random hashes plus planted near-duplicates; latency, memory, build.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_bank_index.py --n 1000000
     PYTHONPATH=. .venv/bin/python benchmarks/bench_bank_index.py --n 10000000

Planted: 1,000 hashes at distance 0-31 of an indexed hash (uniform), and 1,000 more at 24-31
(the range where the index is no longer exact). A "hash" query is one 256-bit hash; an "image"
query is the 8 dihedral variants an image is matched with (one is the planted near-duplicate, 7
are random). Memory: the index's arrays, and the process's peak RSS (which includes the N
random codes the benchmark generates: the index keeps them, it does not copy them).
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


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    hard_targets = rng.choice(args.n, args.queries, replace=False)
    hard = np.stack([flip(codes[t], int(rng.integers(24, 32)), rng) for t in hard_targets])
    t1 = time.perf_counter()
    before = peak_mib()
    index = MihIndex.build(np.arange(1, args.n + 1, dtype=np.uint32), codes)
    del codes
    t2 = time.perf_counter()
    after_build = peak_mib()
    hash_ms, image_ms, hash_cpu, found = [], [], [], 0
    for i in range(args.queries):
        start, cpu = time.perf_counter(), time.thread_time()
        hits = index.search(planted[i : i + 1], 31)
        hash_ms.append((time.perf_counter() - start) * 1000)
        hash_cpu.append((time.thread_time() - cpu) * 1000)
        found += int(targets[i] + 1 in set(hits.ids.tolist()))
        batch = np.concatenate([planted[i : i + 1], rng.integers(0, 256, (7, 32), dtype=np.uint8)])
        start = time.perf_counter()
        index.search(batch, 31)
        image_ms.append((time.perf_counter() - start) * 1000)
    hard_found = 0
    for i in range(args.queries):
        hard_found += int(
            hard_targets[i] + 1 in set(index.search(hard[i : i + 1], 31).ids.tolist())
        )
    print(f"N={args.n:,}: generate {t1 - t0:.1f} s, build {t2 - t1:.1f} s, "
          f"index {index.nbytes / 2**20:.0f} MiB; peak RSS before build {before:.0f} MiB, "
          f"after build {after_build:.0f} MiB, at the end {peak_mib():.0f} MiB")  # fmt: skip
    for label, ms in (("1 hash", hash_ms), ("8 variants", image_ms), ("1 hash CPU", hash_cpu)):
        print(
            f"  {label:<10} p50 {np.percentile(ms, 50):.2f} ms  p99 {np.percentile(ms, 99):.2f} ms"
        )
    print(f"  recall, planted at distance 0-31: {found}/{args.queries}; "
          f"at 24-31: {hard_found}/{args.queries}")  # fmt: skip
    print(f"command: PYTHONPATH=. {sys.executable} benchmarks/bench_bank_index.py --n {args.n}")


if __name__ == "__main__":
    main()
