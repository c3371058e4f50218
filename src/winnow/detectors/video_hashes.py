"""``video.hashes``: every video against the hash banks' videos (vPDQ known-content matching).

Hashes the video with vPDQ (:func:`winnow.banks.vpdq.hash_video`: a PDQ hash of one frame a
second, the reference's frames and hashes) and matches it against every banked video
(:class:`winnow.banks.video_matcher.VideoMatcher`). One signal per matching bank: the bank's
category and action, score the larger match percentage / 100, and one piece of evidence per
matched time range of the query (``t=12.0-31.0s``) saying which bank and entry and how much of
each video the other holds. Each range becomes a segment of the decision.

Costs nothing when no bank holds a video (the video is not decoded; the bank database is not
even created when there is none).

Options (``detector_options["video.hashes"]``): ``query_percent`` and ``compared_percent``
(default 80 each), ``require`` (``either``, the default: one of the two percentages reaches its
threshold; ``both``: both must), ``seconds_per_hash`` (default 1.0, as the banked hashes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from winnow.detectors.base import Detector
from winnow.settings import Limits, Settings
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import (
    DetectorResult,
    Evidence,
    Item,
    Locator,
    MediaType,
    Signal,
    Verdict,
    VideoItem,
)

if TYPE_CHECKING:
    from winnow.banks.video_matcher import Require, VideoMatch, VideoMatcher

__all__ = ["VideoHashes"]


class VideoHashes(Detector):
    name: ClassVar[str] = "video.hashes"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.VIDEO})
    labels: ClassVar[tuple[str, ...]] = CATEGORY_KEYS
    description: ClassVar[str] = (
        "Known-content video banks: vPDQ frame hashes, matched time ranges."
    )

    def __init__(
        self,
        data_dir: Path | None = None,
        matcher: VideoMatcher | None = None,
        query_percent: float = 80.0,
        compared_percent: float = 80.0,
        require: Require = "either",
        seconds_per_hash: float = 1.0,
        limits: Limits | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.options: dict[str, float | str] = {
            "query_percent": query_percent,
            "compared_percent": compared_percent,
            "require": require,
        }
        self.seconds_per_hash = seconds_per_hash
        self.limits = limits or Limits()
        self._matcher = matcher

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        return cls(
            settings.data_dir,
            query_percent=float(options.get("query_percent", 80.0)),
            compared_percent=float(options.get("compared_percent", 80.0)),
            require=options.get("require", "either"),
            seconds_per_hash=float(options.get("seconds_per_hash", 1.0)),
            limits=settings.limits,
        )

    def _get_matcher(self) -> VideoMatcher | None:
        if self._matcher is None:
            if self.data_dir is None or not (self.data_dir / "banks" / "banks.db").is_file():
                return None  # no bank was ever created: nothing to match, nothing to create
            from winnow.banks.video_matcher import VideoMatcher

            self._matcher = VideoMatcher.open(self.data_dir, **self.options)
        else:
            self._matcher.refresh()
        return self._matcher if self._matcher.store.has_videos() else None

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        matcher = self._get_matcher() if items else None
        out = []
        for item in items:
            assert isinstance(item, VideoItem)
            if matcher is None:
                out.append(self.result())
                continue
            from winnow.banks.vpdq import hash_video

            name = item.path or item.ref.sha256[:12]
            source: str | bytes = item.data if item.data is not None else (item.path or "")
            features = list(hash_video(source, self.seconds_per_hash, self.limits, name))
            out.append(self._result(matcher.match(features), len(features)))
        return out

    def _result(self, matches: list[VideoMatch], frames: int) -> DetectorResult:
        by_bank: dict[str, list[VideoMatch]] = {}
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
                tuple(ev for m in ms for ev in _evidence(m)),
                Verdict(ms[0].bank.action),
            )
            for _, ms in sorted(by_bank.items())
        ]
        info = {"vpdq_frames": str(frames)}
        if allowed:
            info["allowed_by"] = ",".join(sorted(allowed))
        return self.result(signals, **info)


def _evidence(match: VideoMatch) -> list[Evidence]:
    if not match.ranges:
        return [Evidence(Locator.whole(), None, match.explain())]
    return [
        Evidence(Locator("time", start=a, end=b), None, match.explain()) for a, b in match.ranges
    ]
