"""``text.lists``: the operator's block and allow lists (``settings.lists``), with spans.

A block-list match scores its list's category 1.0 (or forces the list's ``action``); allow-list
matches remove the block matches they overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self

from winnow.detectors.base import Detector
from winnow.settings import Settings
from winnow.taxonomy import CATEGORY_KEYS
from winnow.text.lists import ListMatch, TermList, TermMatcher
from winnow.types import DetectorResult, Evidence, Item, Locator, MediaType, Signal, TextItem

__all__ = ["TermLists"]


class TermLists(Detector):
    name: ClassVar[str] = "text.lists"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = CATEGORY_KEYS
    description: ClassVar[str] = (
        "Operator block/allow lists (terms and regex), matched against evasion; spans as evidence."
    )

    def __init__(self, lists: Sequence[TermList] = ()) -> None:
        self._matcher = TermMatcher(lists)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        obj = cls()
        obj._matcher = TermMatcher.from_files(Path(p) for p in settings.lists)
        return obj

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        return [self._detect(item) for item in items if isinstance(item, TextItem)]

    def _detect(self, item: TextItem) -> DetectorResult:
        matches = self._matcher.match(item.text)
        if not matches:
            return self.result()
        allowed = [m for m in matches if m.kind == "allow"]
        blocked = [m for m in matches if m.kind == "block" and not _overlaps_any(m, allowed)]
        by_category: dict[str, list[ListMatch]] = {}
        for m in blocked:
            by_category.setdefault(m.category or "", []).append(m)
        signals = []
        for category, ms in by_category.items():
            evidence = tuple(
                Evidence(
                    Locator.chars(m.start, m.end), item.text[m.start : m.end], f"list:{m.list_name}"
                )
                for m in ms
            )
            forced = [m.action for m in ms if m.action is not None]
            action = max(forced, key=lambda v: v.rank) if forced else None
            signals.append(Signal(category, 1.0, evidence, action))
        return self.result(signals)


def _overlaps_any(m: ListMatch, others: Sequence[ListMatch]) -> bool:
    return any(o.start < m.end and m.start < o.end for o in others)
