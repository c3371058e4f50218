"""A PDQ index that scales: multi-index hashing (MIH) in numpy, plus a delta for new entries.

The 256-bit hash is read as four 64-bit words; each word gives three 20-bit chunks (12 chunks,
240 bits; the 16 bits left over are still counted in the distance). Each chunk has a table: the
entries sorted by that chunk's value (``order``) and where each of the 2**20 values starts in it
(``offsets``). A query looks up, in each chunk's table, its own value and the 20 values one bit
away (252 probes), then computes the full distance of those candidates only (about 9.5 per
probe at 10 million hashes, so ~2,400 per query, against ~41,000 with 16-bit chunks).

Exact up to distance 23: two hashes within 23 bits agree within one bit on at least one of the
12 chunks (pigeonhole). From 24 to 31 a match is missed only if every chunk differs in 2 bits or
more; for 31 random differing bits that is about 1.6% of pairs (measured in
``benchmarks/bench_bank_index.py``). Real near-duplicates sit mostly well below 24.

Memory for N hashes: codes 32·N bytes (kept in the order given: no sorted copy), ids 4·N, one
uint32 position table per chunk 48·N, offsets 12·(2**20+1)·4 (50 MB): about 84 bytes a hash plus
50 MB, 0.83 GiB for 10 million. Saved as ``.npy`` files it loads memory-mapped.

:class:`LiveIndex` keeps a built :class:`MihIndex` and a small brute-force delta of entries added
since; lookups never wait for a rebuild, which builds a new index and swaps it in.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["CHUNKS", "CHUNK_BITS", "EXACT_UP_TO", "Hits", "LiveIndex", "MihIndex", "brute_force"]

CHUNK_BITS = 20
CHUNKS = 12
EXACT_UP_TO = 2 * CHUNKS - 1
"""Searches within this distance find every match; beyond it, nearly every one."""
FORMAT = 2
"""Saved-index layout version (1: 16 chunks of 16 bits); another version is rebuilt."""
_BUCKETS = 1 << CHUNK_BITS
_MASK = np.uint64(_BUCKETS - 1)
_BLOCK = 1 << 20
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Hits:
    """Matches of a batch of queries: parallel arrays (query row, entry id, distance)."""

    query: I64
    ids: I64
    distance: I64

    @classmethod
    def empty(cls) -> Hits:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z)

    def __len__(self) -> int:
        return len(self.ids)

    def __add__(self, other: Hits) -> Hits:
        return Hits(
            np.concatenate([self.query, other.query]),
            np.concatenate([self.ids, other.ids]),
            np.concatenate([self.distance, other.distance]),
        )


def _codes(codes: npt.ArrayLike) -> U8:
    arr = np.ascontiguousarray(codes, dtype=np.uint8)
    if arr.ndim != 2 or arr.shape[1] != 32:
        raise ValueError(f"PDQ codes must be an (n, 32) uint8 array, got shape {arr.shape}")
    return arr


def _distances(a: U8, b: U8) -> I64:
    d: I64 = np.bitwise_count(a.view(np.uint64) ^ b.view(np.uint64)).sum(axis=1, dtype=np.int64)
    return d


def brute_force(ids: I64, codes: U8, queries: U8, max_distance: int) -> Hits:
    """Compare every query with every code (for small sets: the delta, tests)."""
    queries = _codes(queries)
    if len(ids) == 0 or len(queries) == 0:
        return Hits.empty()
    q64, c64 = queries.view(np.uint64), _codes(codes).view(np.uint64)
    d = np.bitwise_count(q64[:, None, :] ^ c64[None, :, :]).sum(axis=2, dtype=np.int64)
    qi, ci = np.nonzero(d <= max_distance)
    return Hits(qi.astype(np.int64), np.asarray(ids, dtype=np.int64)[ci], d[qi, ci])


@functools.cache
def _flip_masks(radius: int) -> npt.NDArray[np.int64]:
    values = np.arange(_BUCKETS, dtype=np.uint32)
    masks = np.nonzero(np.bitwise_count(values) <= radius)[0].astype(np.int64)
    masks.flags.writeable = False  # shared by every search
    return masks


def _chunk(codes: U8, c: int) -> npt.NDArray[np.uint32]:
    """Chunk ``c`` (0-11) of each code: bits ``20·(c % 3)``... of 64-bit word ``c // 3``."""
    words = codes.view(np.uint64)[:, c // 3]
    return ((words >> np.uint64(CHUNK_BITS * (c % 3))) & _MASK).astype(np.uint32)


class MihIndex:
    """An immutable multi-index-hashing index over PDQ codes. Build with :meth:`build`."""

    def __init__(self, ids: npt.NDArray[np.uint32], codes: U8, order: npt.NDArray[np.uint32],
                 offsets: npt.NDArray[np.uint32]) -> None:  # fmt: skip
        self.ids, self.codes, self.order, self.offsets = ids, codes, order, offsets

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.codes.nbytes + self.order.nbytes + self.offsets.nbytes)

    @classmethod
    def build(cls, ids: npt.ArrayLike, codes: npt.ArrayLike) -> MihIndex:
        """Index ``codes`` (an (n, 32) uint8 array, used as it is when already contiguous
        uint8: not copied) under ``ids`` (below 2**32)."""
        codes = _codes(codes)
        id_arr = np.asarray(ids)
        if len(id_arr) != len(codes):
            raise ValueError("ids and codes differ in length")
        if len(id_arr) and (int(id_arr.min()) < 0 or int(id_arr.max()) >= 2**32):
            raise ValueError("entry ids must fit in 32 bits")
        if len(codes) >= 2**32:
            raise ValueError("an index holds fewer than 2**32 hashes")
        n = len(codes)
        order = np.empty((CHUNKS, n), dtype=np.uint32)
        offsets = np.zeros((CHUNKS, _BUCKETS + 1), dtype=np.uint32)
        packed = np.empty(n, dtype=np.uint64)  # (chunk value << 32) | row: sorting it sorts rows
        for c in range(CHUNKS):  # one chunk at a time, in blocks: few temporaries
            counts = np.zeros(_BUCKETS, dtype=np.int64)
            for lo in range(0, n, _BLOCK):
                keys = _chunk(codes[lo : lo + _BLOCK], c)
                counts += np.bincount(keys, minlength=_BUCKETS)
                rows = np.arange(lo, lo + len(keys), dtype=np.uint64)
                packed[lo : lo + len(keys)] = (keys.astype(np.uint64) << np.uint64(32)) | rows
            offsets[c, 1:] = np.cumsum(counts)
            packed.sort()
            np.copyto(order[c], packed, casting="unsafe")  # the low 32 bits: the row
        del packed
        return cls(id_arr.astype(np.uint32), codes, order, offsets)

    def search(self, queries: npt.ArrayLike, max_distance: int) -> Hits:
        """Every indexed code within ``max_distance`` bits of each query row: all of them up
        to :data:`EXACT_UP_TO`, nearly all beyond (see the module's docstring)."""
        q = _codes(queries)
        n = len(self.ids)
        if n == 0 or len(q) == 0 or max_distance < 0:
            return Hits.empty()
        masks = _flip_masks(min(1, max_distance // CHUNKS))
        keys = np.stack([_chunk(q, c) for c in range(CHUNKS)], axis=1).astype(np.int64)
        probes = keys[:, :, None] ^ masks[None, None, :]
        flat = (np.arange(CHUNKS)[None, :, None] * (_BUCKETS + 1) + probes).ravel()
        offsets = self.offsets.reshape(-1)
        starts = offsets[flat].astype(np.int64)
        lengths = offsets[flat + 1].astype(np.int64) - starts
        total = int(lengths.sum())
        if total == 0:
            return Hits.empty()
        base = np.broadcast_to(np.arange(CHUNKS)[None, :, None] * n, probes.shape).ravel()
        before = np.cumsum(lengths) - lengths
        pos = np.repeat(starts + base - before, lengths) + np.arange(total, dtype=np.int64)
        cand = self.order.reshape(-1)[pos].astype(np.int64)
        query_of = np.repeat(np.repeat(np.arange(len(q)), CHUNKS * len(masks)), lengths)
        d = _distances(self.codes[cand], q[query_of])
        keep = d <= max_distance
        cand, query_of, d = cand[keep], query_of[keep], d[keep]
        _, first = np.unique(query_of * n + cand, return_index=True)
        return Hits(query_of[first], self.ids[cand[first]].astype(np.int64), d[first])

    # Persistence -------------------------------------------------------------------------------

    _FILES = ("ids", "codes", "order", "offsets")

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in self._FILES:
            np.save(directory / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> MihIndex:
        arrays = [
            np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None)
            for name in cls._FILES
        ]
        return cls(*arrays)


class LiveIndex:
    """A built :class:`MihIndex` plus a delta of entries added since; safe to search while
    :meth:`rebuild` runs in another thread (the new index is swapped in when ready).

    Persisted under ``directory``: ``current`` names the subfolder holding the latest build and
    ``meta.json`` there says up to which entry id it covers.
    """

    REBUILD_AT = 100_000
    """Delta size past which :meth:`add` folds the delta into a fresh index."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.base = MihIndex.build(np.zeros(0, np.int64), np.zeros((0, 32), np.uint8))
        self.covers = 0  # highest entry id in base
        self.seen = 0  # highest entry id taken from the store (base and delta)
        self._delta_ids: list[I64] = []
        self._delta_codes: list[U8] = []
        self._lock = threading.Lock()

    @property
    def delta_size(self) -> int:
        return sum(len(i) for i in self._delta_ids)

    def __len__(self) -> int:
        return len(self.base) + self.delta_size

    def load(self) -> None:
        """Load the last saved build, if any (memory-mapped)."""
        if self.directory is None:
            return
        pointer = self.directory / "current"
        if not pointer.is_file():
            return
        build = self.directory / pointer.read_text().strip()
        try:
            meta = json.loads((build / "meta.json").read_text())
            if meta.get("format") != FORMAT:
                return  # an older layout: the matcher rebuilds it from the store
            self.base, self.covers = MihIndex.load(build), int(meta["covers"])
            self.seen = self.covers
        except (OSError, ValueError, KeyError):
            return  # a damaged cache is rebuilt from the store

    def catch_up(self, last: int, since: Callable[[int], tuple[I64, U8]]) -> None:
        """Take in what the store added since the last look: ``last`` is the store's highest
        entry id now, ``since(n)`` its entries with ids above ``n``. Cheap when nothing was
        added. A ``last`` below what the build covers means the store was replaced: the index
        starts over from it. The delta is folded into a new build once it passes
        :data:`REBUILD_AT`."""
        if last < self.covers:
            with self._lock:
                self.base = MihIndex.build(np.zeros(0, np.int64), np.zeros((0, 32), np.uint8))
                self.covers = self.seen = 0
                self._delta_ids.clear()
                self._delta_codes.clear()
        if last > self.seen:
            ids, codes = since(self.seen)
            self.add(ids, codes)
            self.seen = last
            if self.delta_size >= self.REBUILD_AT:
                self.rebuild()

    def add(self, ids: npt.ArrayLike, codes: npt.ArrayLike) -> None:
        id_arr = np.asarray(ids, dtype=np.int64)
        if len(id_arr) == 0:
            return
        with self._lock:
            self._delta_ids.append(id_arr)
            self._delta_codes.append(_codes(codes))

    def search(self, queries: npt.ArrayLike, max_distance: int) -> Hits:
        q = _codes(queries)
        base, delta_ids, delta_codes = self.base, list(self._delta_ids), list(self._delta_codes)
        hits = base.search(q, max_distance)
        if delta_ids:
            hits = hits + brute_force(
                np.concatenate(delta_ids), np.concatenate(delta_codes), q, max_distance
            )
        return hits

    def rebuild(self) -> None:
        """Fold the delta into a new index, swap it in, and save it (if persisted)."""
        with self._lock:
            taken = len(self._delta_ids)
            ids = [self.base.ids.astype(np.int64), *self._delta_ids[:taken]]
            codes = [np.asarray(self.base.codes), *self._delta_codes[:taken]]
        new = MihIndex.build(np.concatenate(ids), np.concatenate(codes))
        covers = int(new.ids.max()) if len(new) else 0
        if self.directory is not None:
            self._save(new, covers)
        with self._lock:
            self.base, self.covers = new, covers
            del self._delta_ids[:taken], self._delta_codes[:taken]

    def _save(self, index: MihIndex, covers: int) -> None:
        assert self.directory is not None
        name = f"build-{covers}-{os.getpid()}"
        target = self.directory / name
        index.save(target)
        (target / "meta.json").write_text(
            json.dumps({"covers": covers, "size": len(index), "format": FORMAT})
        )
        tmp = self.directory / f"current.{os.getpid()}"
        tmp.write_text(name)
        os.replace(tmp, self.directory / "current")
        for old in self.directory.glob("build-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
