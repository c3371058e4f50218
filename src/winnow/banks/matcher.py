"""Match an image against every bank: PDQ (8 variants, per-bank distance) and exact hashes.

:class:`BankMatcher` joins the store (source of truth) and the PDQ index (a cache under
``<data_dir>/banks/index``, caught up with entries added since it was built). Matches of an
``allow`` bank suppress every other bank's matches for that image: each match then names the
allow bank(s) in ``suppressed_by``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from winnow.banks.hashing import PdqHash, pdq_variants
from winnow.banks.index import LiveIndex
from winnow.banks.model import DEFAULT_PDQ_THRESHOLD, Bank, Entry, Match
from winnow.banks.storage import BankStore, SqliteBankStore
from winnow.errors import ConfigError

__all__ = ["MIN_QUALITY", "BankMatcher"]

MIN_QUALITY = 50
"""PDQ hashes of lower quality (flat or tiny images) are not matched: they collide too easily."""


class BankMatcher:
    def __init__(
        self, store: BankStore, index: LiveIndex | None = None, min_quality: int = MIN_QUALITY
    ) -> None:
        self.store = store
        self.index = index if index is not None else LiveIndex()
        self.min_quality = min_quality
        self.refresh()

    @classmethod
    def open(cls, data_dir: Path, min_quality: int = MIN_QUALITY) -> BankMatcher:
        """The matcher over ``<data_dir>/banks`` (created if absent), index cache loaded."""
        store = SqliteBankStore.open(data_dir)
        index = LiveIndex(data_dir / "banks" / "index")
        index.load()
        return cls(store, index, min_quality)

    def refresh(self) -> None:
        """Pick up entries added since the last look (cheap when there are none)."""
        self.index.catch_up(self.store.last_id(), self.store.pdq_since)

    def save_index(self) -> None:
        """Fold new entries into the saved index (after an import), so the next start is fast."""
        self.refresh()
        if self.index.delta_size:
            self.index.rebuild()

    def match(
        self,
        pixels: npt.NDArray[np.uint8] | None = None,
        sha256: str | None = None,
        md5: str | None = None,
        variants: Sequence[PdqHash] | None = None,
    ) -> list[Match]:
        """Every bank match of an image (its pixels and/or file hashes), best first.

        ``variants``: the image's 8 PDQ variants (``pdq_variants``) computed before, instead of
        ``pixels`` (``winnow rescan`` matches stored hashes; the image is not kept)."""
        banks = {b.name: b for b in self.store.banks()}
        if not banks:
            return []
        found: dict[int, Match] = {}
        for kind, value in (("sha256", sha256), ("md5", md5)):
            if value:
                for entry in self.store.exact(kind, [value]):  # type: ignore[arg-type]
                    found[entry.id] = Match(banks[entry.bank], entry, 0, "exact")
        if len(self.index) and (variants or pixels is not None):
            queries = list(variants or ()) or (pdq_variants(pixels) if pixels is not None else [])
            if queries:
                found.update(self._pdq(queries, banks, found))
        matches = sorted(found.values(), key=lambda m: (m.distance, m.bank.name, m.entry.id))
        return _suppress(matches)

    def _pdq(
        self, variants: list[PdqHash], banks: dict[str, Bank], found: dict[int, Match]
    ) -> dict[int, Match]:
        if variants[0].quality < self.min_quality:
            return {}
        radius = max((b.pdq_threshold for b in banks.values()), default=DEFAULT_PDQ_THRESHOLD)
        codes = np.frombuffer(b"".join(v.value for v in variants), dtype=np.uint8).reshape(-1, 32)
        hits = self.index.search(codes, radius)
        out: dict[int, Match] = {}
        for q, entry_id, distance in zip(
            hits.query.tolist(), hits.ids.tolist(), hits.distance.tolist(), strict=True
        ):
            if entry_id in found or (entry_id in out and out[entry_id].distance <= distance):
                continue
            entry = self._entry(entry_id)
            if entry is None or entry.bank not in banks:
                continue
            bank = banks[entry.bank]
            if distance <= bank.pdq_threshold:
                out[entry_id] = Match(bank, entry, distance, variants[q].variant)
        return out

    def _entry(self, entry_id: int) -> Entry | None:
        try:
            return self.store.entry(entry_id)
        except ConfigError:
            return None


def _suppress(matches: Iterable[Match]) -> list[Match]:
    matches = list(matches)
    allow = tuple(sorted({m.bank.name for m in matches if m.bank.action == "allow"}))
    if not allow:
        return matches
    return [
        m if m.bank.action == "allow" else Match(m.bank, m.entry, m.distance, m.variant, allow)
        for m in matches
    ]
