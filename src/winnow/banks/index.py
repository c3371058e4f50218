"""A PDQ index that scales: multi-index hashing (MIH) in numpy, plus a delta for new entries.

The 256-bit hash is cut into 16 chunks of 16 bits. Two hashes within distance ``d`` agree within
``d // 16`` bits on at least one chunk (pigeonhole), so a query looks up, in each chunk's table,
its own chunk value and every value within ``d // 16`` bit flips (17 probes per chunk at the
default distance 31), then checks the full distance of those candidates only. Exact: no match
within the distance is ever missed.

Memory for N hashes: codes 32·N bytes, ids 4·N, one position table per chunk but the first
(the codes are stored sorted by chunk 0) 15·4·N, offsets 16·65537·8: about 100 bytes a hash,
0.97 GB for 10 million. Saved as ``.npy`` files it loads memory-mapped.

:class:`LiveIndex` keeps a built :class:`MihIndex` and a small brute-force delta of entries added
since; lookups never wait for a rebuild, which builds a new index and swaps it in.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["CHUNKS", "Hits", "LiveIndex", "MihIndex", "brute_force"]

CHUNKS = 16
_BUCKETS = 1 << 16
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


def _flip_masks(radius: int) -> npt.NDArray[np.int64]:
    values = np.arange(_BUCKETS, dtype=np.uint32)
    return np.nonzero(np.bitwise_count(values) <= radius)[0].astype(np.int64)


class MihIndex:
    """An immutable multi-index-hashing index over PDQ codes. Build with :meth:`build`."""

    def __init__(self, ids: npt.NDArray[np.uint32], codes: U8, order: npt.NDArray[np.uint32],
                 offsets: npt.NDArray[np.int64]) -> None:  # fmt: skip
        self.ids, self.codes, self.order, self.offsets = ids, codes, order, offsets

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.codes.nbytes + self.order.nbytes + self.offsets.nbytes)

    @classmethod
    def build(cls, ids: npt.ArrayLike, codes: npt.ArrayLike) -> MihIndex:
        codes = _codes(codes)
        id_arr = np.asarray(ids, dtype=np.int64)
        if len(id_arr) != len(codes):
            raise ValueError("ids and codes differ in length")
        if len(id_arr) and (id_arr.min() < 0 or id_arr.max() >= 2**32):
            raise ValueError("entry ids must fit in 32 bits")
        keys = codes.view(np.uint16)
        first = np.argsort(keys[:, 0], kind="stable")
        codes = np.ascontiguousarray(codes[first])
        id32 = id_arr[first].astype(np.uint32)
        keys = codes.view(np.uint16)
        order = np.empty((CHUNKS - 1, len(codes)), dtype=np.uint32)
        offsets = np.empty((CHUNKS, _BUCKETS + 1), dtype=np.int64)
        for c in range(CHUNKS):
            counts = np.bincount(keys[:, c], minlength=_BUCKETS)
            offsets[c, 0] = 0
            np.cumsum(counts, out=offsets[c, 1:])
            if c:
                order[c - 1] = np.argsort(keys[:, c], kind="stable")
        return cls(id32, codes, order, offsets)

    def search(self, queries: npt.ArrayLike, max_distance: int) -> Hits:
        """Every indexed code within ``max_distance`` bits of each query row. Exact."""
        q = _codes(queries)
        n = len(self.ids)
        if n == 0 or len(q) == 0:
            return Hits.empty()
        masks = _flip_masks(max_distance // CHUNKS)
        probes = q.view(np.uint16).astype(np.int64)[:, :, None] ^ masks[None, None, :]
        chunk = np.broadcast_to(np.arange(CHUNKS)[None, :, None], probes.shape)
        starts = self.offsets[chunk, probes].ravel()
        lengths = self.offsets[chunk, probes + 1].ravel() - starts
        total = int(lengths.sum())
        if total == 0:
            return Hits.empty()
        before = np.cumsum(lengths) - lengths
        pos = np.repeat(starts - before, lengths) + np.arange(total, dtype=np.int64)
        chunk_of = np.repeat(chunk.ravel(), lengths)
        query_of = np.repeat(np.repeat(np.arange(len(q)), CHUNKS * len(masks)), lengths)
        other = chunk_of > 0
        cand = pos
        cand[other] = self.order.reshape(-1)[(chunk_of[other] - 1) * n + pos[other]]
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
            self.base, self.covers = MihIndex.load(build), int(meta["covers"])
        except (OSError, ValueError, KeyError):
            return  # a damaged cache is rebuilt from the store

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
        (target / "meta.json").write_text(json.dumps({"covers": covers, "size": len(index)}))
        tmp = self.directory / f"current.{os.getpid()}"
        tmp.write_text(name)
        os.replace(tmp, self.directory / "current")
        for old in self.directory.glob("build-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
