"""Value types that flow through the pipeline. No I/O and no heavy imports here.

A :class:`Content` comes in; the media layer turns it into an :data:`Item` (text, decoded
image, or a probed video or audio file) identified by a :class:`ContentRef`; detectors return one :class:`DetectorResult` per item,
made of :class:`Signal` scores with :class:`Evidence`; the policy turns those into a
:class:`Decision`. An :class:`Outcome` is the decision or the error for one piece of content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from winnow.errors import WinnowError

__all__ = [
    "AudioItem",
    "Content",
    "ContentRef",
    "Decision",
    "Derived",
    "DetectorResult",
    "Evidence",
    "ImageItem",
    "Item",
    "Locator",
    "MediaInfo",
    "MediaType",
    "Outcome",
    "RuleHit",
    "Segment",
    "Signal",
    "TextItem",
    "Verdict",
    "VideoItem",
]


class MediaType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class Verdict(StrEnum):
    ALLOW = "allow"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}


@dataclass(frozen=True, slots=True)
class Content:
    """What a caller hands in: text, raw bytes, or a path to read. ``id`` is the caller's."""

    id: str
    text: str | None = None
    data: bytes | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class ContentRef:
    """Identifies content by the sha256 of its bytes (UTF-8 for text)."""

    sha256: str
    media_type: MediaType
    mime: str
    size: int


@dataclass(frozen=True, slots=True)
class Locator:
    """Where in the content a piece of evidence sits.

    ``chars``: character offsets [start, end) in the text; ``box``: pixel box (x0, y0, x1, y1);
    ``time``: seconds [start, end); ``frame``: frame index in start; ``whole``: the whole item.
    """

    kind: Literal["chars", "box", "time", "frame", "whole"]
    start: float | None = None
    end: float | None = None
    box: tuple[int, int, int, int] | None = None

    @classmethod
    def chars(cls, start: int, end: int) -> Locator:
        return cls("chars", start, end)

    @classmethod
    def whole(cls) -> Locator:
        return cls("whole")

    def __str__(self) -> str:
        if self.kind == "chars":
            return f"chars={int(self.start or 0)}-{int(self.end or 0)}"
        if self.kind == "box" and self.box is not None:
            return "box=" + ",".join(str(v) for v in self.box)
        if self.kind == "time":
            return f"t={self.start:.1f}-{self.end:.1f}s"
        if self.kind == "frame":
            return f"frame={int(self.start or 0)}"
        return "whole"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.start is not None:
            out["start"] = self.start
        if self.end is not None:
            out["end"] = self.end
        if self.box is not None:
            out["box"] = list(self.box)
        return out


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a score is what it is: a location, the text there, and what matched."""

    locator: Locator
    snippet: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"locator": self.locator.to_json(), "snippet": self.snippet, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Signal:
    """A detector's score in [0, 1] for one category, with its evidence.

    ``action`` is set by detectors whose matches are decisions in themselves (an operator's
    block list, a hash bank): the policy applies it unless the category is disabled.
    """

    category: str
    score: float
    evidence: tuple[Evidence, ...] = ()
    action: Verdict | None = None


@dataclass(frozen=True, slots=True)
class DetectorResult:
    """One detector's output for one item. ``info`` carries non-score facts (language)."""

    detector: str
    version: str
    signals: tuple[Signal, ...] = ()
    info: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TextItem:
    ref: ContentRef
    text: str

    @property
    def media_type(self) -> MediaType:
        return MediaType.TEXT


@dataclass(frozen=True, slots=True, eq=False)
class ImageItem:
    """A decoded image: ``pixels`` is an RGB uint8 array of shape (height, width, 3).

    ``pixels`` may be a scaled-down work copy; boxes in evidence use ``source_size`` coordinates.
    """

    ref: ContentRef
    pixels: npt.NDArray[np.uint8]
    source_size: tuple[int, int] | None = None  # (width, height) before scaling for the work copy
    data: bytes | None = None  # encoded bytes, kept only for multi-frame images (image.frames)

    @property
    def media_type(self) -> MediaType:
        return MediaType.IMAGE

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What probing a video or audio file found (nothing decoded): duration in seconds, the
    first video stream's size and frame rate, the codecs, and whether there is sound."""

    duration: float
    container: str
    width: int = 0
    height: int = 0
    fps: float = 0.0
    video_codec: str | None = None
    audio_codec: str | None = None
    sample_rate: int = 0

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


@dataclass(frozen=True, slots=True, eq=False)
class VideoItem:
    """A probed video: its encoded bytes (``data``) or a file ``path``, never decoded frames.
    Extractors stream frames and sound out of it (``video.frames``, ``audio.transcript``)."""

    ref: ContentRef
    info: MediaInfo
    data: bytes | None = None
    path: str | None = None

    @property
    def media_type(self) -> MediaType:
        return MediaType.VIDEO


@dataclass(frozen=True, slots=True, eq=False)
class AudioItem:
    """A probed audio file: its encoded bytes or a file path, never decoded samples."""

    ref: ContentRef
    info: MediaInfo
    data: bytes | None = None
    path: str | None = None

    @property
    def media_type(self) -> MediaType:
        return MediaType.AUDIO


Item = TextItem | ImageItem | VideoItem | AudioItem


@dataclass(frozen=True, slots=True)
class Derived:
    """An item an extractor derived from another: ``origin`` says where in the parent it was
    (an OCR line's box, a frame's time), ``label`` what it is (``ocr``, ``frame``)."""

    item: Item
    origin: Locator
    label: str


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A policy rule that fired: the category crossed a threshold, or a detector forced it."""

    category: str
    action: Verdict
    score: float
    threshold: float | None
    detector: str
    evidence: tuple[Evidence, ...]

    @property
    def reason(self) -> str:
        if self.threshold is None:
            return f"{self.detector} matched ({self.action})"
        return f"{self.category} score {self.score:.2f} >= {self.action} threshold {self.threshold:.2f}"


@dataclass(frozen=True, slots=True)
class Segment:
    """A time range of a video or audio item where one category kept firing: consecutive
    sampled frames (or utterances) merged. ``peak_at`` is the time of the highest-scoring
    evidence, ``source`` what it came from (``frame``, ``utterance``)."""

    category: str
    start: float
    end: float
    score: float
    peak_at: float
    source: str
    detector: str
    action: Verdict
    detail: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one item, every rule that fired, and what made it."""

    ref: ContentRef
    verdict: Verdict
    scores: dict[str, float]
    hits: tuple[RuleHit, ...]
    policy_version: str
    detectors: tuple[tuple[str, str], ...]
    info: dict[str, str] = field(default_factory=dict)
    segments: tuple[Segment, ...] = ()  # video and audio: time ranges of findings


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pipeline returns for one :class:`Content`: a decision or an error.

    ``results`` are the detector results the decision was evaluated from (lifted findings of
    derived items included): what a later re-evaluation under another policy needs."""

    content_id: str
    decision: Decision | None = None
    error: WinnowError | None = None
    results: tuple[DetectorResult, ...] = ()
