"""``image.hashes``: every image against every hash bank (known-content matching).

One signal per matching bank: the bank's category, score ``1 - distance/256`` for PDQ (1.0 for
an exact SHA-256 match), and the bank's action (``review`` or ``block``), which the policy
applies by itself. The evidence says why: bank, entry id and metadata, distance and the query
variant (``original``, ``mirrored``, ``rotated90cw``...) that matched. Matches suppressed by an
``allow`` bank give no signal; the result's ``info`` names the allow bank.

Costs nothing when no bank exists (the bank database is not even created); PDQ is computed only
when some bank holds PDQ hashes. Exact matching uses the SHA-256 of the file's bytes (the item's
``ref``); MD5 entries are matched by :meth:`winnow.banks.BankMatcher.match` given the bytes'
MD5 (the pipeline's items do not carry it).

Options (``detector_options["image.hashes"]``): ``min_quality`` (PDQ quality below which an
image is not PDQ-matched, default 50).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from winnow.detectors.base import Detector
from winnow.settings import Settings
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import (
    DetectorResult,
    Evidence,
    ImageItem,
    Item,
    Locator,
    MediaType,
    Signal,
    Verdict,
)

if TYPE_CHECKING:
    from winnow.banks.matcher import BankMatcher
    from winnow.banks.model import Match

__all__ = ["ImageHashes"]


class ImageHashes(Detector):
    name: ClassVar[str] = "image.hashes"
    version: ClassVar[str] = "2"  # 2: variants hashed from flipped pixels
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = CATEGORY_KEYS
    description: ClassVar[str] = (
        "Known-content hash banks: PDQ (8 flips/rotations, per-bank distance) and SHA-256."
    )

    def __init__(self, data_dir: Path | None = None, matcher: BankMatcher | None = None,
                 min_quality: int = 50) -> None:  # fmt: skip
        self.data_dir = data_dir
        self.min_quality = min_quality
        self._matcher = matcher

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        return cls(settings.data_dir, min_quality=int(options.get("min_quality", 50)))

    def _get_matcher(self) -> BankMatcher | None:
        if self._matcher is None:
            if self.data_dir is None or not (self.data_dir / "banks" / "banks.db").is_file():
                return None  # no bank was ever created: nothing to match, nothing to create
            from winnow.banks.matcher import BankMatcher

            self._matcher = BankMatcher.open(self.data_dir, self.min_quality)
        else:
            self._matcher.refresh()
        return self._matcher

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        matcher = self._get_matcher() if items else None
        out = []
        for item in items:
            assert isinstance(item, ImageItem)
            if matcher is None:
                out.append(self.result())
                continue
            out.append(self._result(matcher.match(item.pixels, sha256=item.ref.sha256)))
        return out

    def _result(self, matches: list[Match]) -> DetectorResult:
        by_bank: dict[str, list[Match]] = {}
        allowed: set[str] = set()
        for m in matches:
            if m.bank.action == "allow":
                allowed.add(m.bank.name)
            elif not m.suppressed_by:
                by_bank.setdefault(m.bank.name, []).append(m)
        signals = [
            Signal(
                ms[0].bank.category,
                max(m.score for m in ms),
                tuple(Evidence(Locator.whole(), None, m.explain()) for m in ms),
                Verdict(ms[0].bank.action),
            )
            for _, ms in sorted(by_bank.items())
        ]
        info = {"allowed_by": ",".join(sorted(allowed))} if allowed else {}
        return self.result(signals, **info)
