"""Match a video's vPDQ hash against every bank's video entries, with the matched time ranges.

Candidates come from a PDQ index over every banked frame hash (:class:`~winnow.banks.index.
LiveIndex`, cached under ``<data_dir>/banks/vpdq_index``): the banked videos with at least one
frame within the distance of a query frame. Each candidate is then scored with the reference
comparison (:func:`~winnow.banks.vpdq.similarity`): the share of the query's unique good frames
found in the banked video (query %) and of the banked video's found in the query (compared %).

A match needs, by default, either share >= 80% (ThreatExchange's ``VideoVPDQSignal``: a trimmed
excerpt of a banked video has query % near 100, a longer upload that contains a banked clip has
compared % near 100). ``require="both"`` asks for both thresholds, as in the vPDQ README's
``c_pct >= P_c and q_pct >= P_q`` (e.g. compared 80, query 0). ``allow`` banks suppress the
other banks' matches, as for images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from winnow.banks.index import LiveIndex
from winnow.banks.model import Bank, Entry
from winnow.banks.storage import BankStore, SqliteBankStore
from winnow.banks.vpdq import (
    VPDQ_DISTANCE,
    VPDQ_QUALITY,
    Similarity,
    VpdqFeature,
    codes,
    matched_ranges,
    similarity,
)
from winnow.errors import ConfigError

__all__ = ["Require", "VideoMatch", "VideoMatcher"]

Require = Literal["either", "both"]


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """A banked video found in the query: how much of each, and where in the query."""

    bank: Bank
    entry: Entry
    similarity: Similarity
    ranges: tuple[tuple[float, float], ...]
    suppressed_by: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        best = max(self.similarity.query_percent, self.similarity.compared_percent)
        return round(min(1.0, best / 100.0), 4)

    def explain(self) -> str:
        meta = f" ({self.entry.metadata})" if self.entry.metadata else ""
        return (
            f"bank {self.bank.name} video entry {self.entry.id}{meta}: vPDQ "
            f"{self.similarity.query_percent:.0f}% of the query's frames found in it, "
            f"{self.similarity.compared_percent:.0f}% of its frames found in the query "
            f"(PDQ distance <= {VPDQ_DISTANCE}, quality >= {VPDQ_QUALITY})"
        )


class VideoMatcher:
    def __init__(
        self,
        store: BankStore,
        index: LiveIndex | None = None,
        query_percent: float = 80.0,
        compared_percent: float = 80.0,
        require: Require = "either",
    ) -> None:
        if require not in ("either", "both"):
            raise ConfigError(f"vPDQ matching: require must be 'either' or 'both', not {require!r}")
        for label, value in (("query_percent", query_percent),
                             ("compared_percent", compared_percent)):  # fmt: skip
            if not 0 <= value <= 100:
                raise ConfigError(f"vPDQ matching: {label} must be 0-100, not {value}")
        self.store = store
        self.index = index if index is not None else LiveIndex()
        self.query_percent = query_percent
        self.compared_percent = compared_percent
        self.require = require
        self.refresh()

    @classmethod
    def open(cls, data_dir: Path, **options: float | str) -> VideoMatcher:
        """The matcher over ``<data_dir>/banks`` (created if absent), index cache loaded."""
        store = SqliteBankStore.open(data_dir)
        index = LiveIndex(data_dir / "banks" / "vpdq_index")
        index.load()
        return cls(store, index, **options)  # type: ignore[arg-type]

    def refresh(self) -> None:
        """Pick up video frames added since the last look (cheap when there are none)."""
        self.index.catch_up(self.store.last_frame_id(), self.store.vpdq_since)

    def save_index(self) -> None:
        """Fold new frames into the saved index (after an import), so the next start is fast."""
        self.refresh()
        if self.index.delta_size:
            self.index.rebuild()

    def is_match(self, sim: Similarity) -> bool:
        q = sim.query_percent >= self.query_percent
        c = sim.compared_percent >= self.compared_percent
        return (q and c) if self.require == "both" else (q or c)

    def match(self, features: Sequence[VpdqFeature]) -> list[VideoMatch]:
        """Every banked video the query's frame hashes match, best first."""
        banks = {b.name: b for b in self.store.banks()}
        good = [f for f in features if f.quality >= VPDQ_QUALITY]
        if not banks or not good or not len(self.index):
            return []
        unique = np.unique(codes(good), axis=0)
        hits = self.index.search(unique, VPDQ_DISTANCE)
        out = []
        for entry_id in self.store.video_entries(hits.ids.tolist()):
            try:
                entry = self.store.entry(entry_id)
            except ConfigError:
                continue
            if entry.bank not in banks:
                continue
            banked = self.store.video(entry_id)
            sim = similarity(features, banked)
            if self.is_match(sim):
                ranges = tuple(matched_ranges(list(features), banked))
                out.append(VideoMatch(banks[entry.bank], entry, sim, ranges))
        out.sort(key=lambda m: (-m.score, m.bank.name, m.entry.id))
        allow = tuple(sorted({m.bank.name for m in out if m.bank.action == "allow"}))
        if not allow:
            return out
        return [m if m.bank.action == "allow" else replace(m, suppressed_by=allow) for m in out]
