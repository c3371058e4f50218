"""``video.frames``: a video's frames, sampled and moderated by every image detector.

A streaming extractor: it decodes the video one frame at a time (:func:`winnow.media.video.iter_frames`)
and yields a frame every ``1/fps`` seconds (default 1 fps) plus the first frame of each new scene,
each as a derived image item located ``t=12.0-12.0s``. The pipeline moderates them in batches as
they come (classifiers, ``image.qr``, ``image.hashes``, ``image.ocr``...), lifts the findings onto
the video at that time and drops the pixels, so memory stays flat however long the video is.
Consecutive frames with the same finding become segments (:mod:`winnow.segments`).

Options (``detector_options["video.frames"]``): ``fps`` (default 1.0), ``scene`` (scene-change
threshold 0-1, default 0.3; ``null`` turns scene sampling off), ``max_side`` (frames are scaled
to at most this many pixels a side, default 1024), ``fast`` (skip decoding B-frames no other
frame refers to, default true; samples may land a frame or two late).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import ClassVar, Self

from winnow.detectors.base import StreamingExtractor
from winnow.errors import ConfigError
from winnow.settings import Limits, Settings
from winnow.types import ContentRef, Derived, ImageItem, Item, Locator, MediaType, VideoItem

__all__ = ["VideoFrames"]


class VideoFrames(StreamingExtractor):
    name: ClassVar[str] = "video.frames"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.VIDEO})
    description: ClassVar[str] = "Samples video frames (fixed rate + scene changes), streamed."

    def __init__(
        self,
        fps: float = 1.0,
        scene: float | None = 0.3,
        max_side: int = 1024,
        fast: bool = True,
        limits: Limits | None = None,
    ) -> None:
        if fps <= 0:
            raise ConfigError(f"video.frames: fps must be above 0, not {fps}")
        if scene is not None and not 0 < scene < 1:
            raise ConfigError(f"video.frames: scene must be between 0 and 1 (or null), not {scene}")
        self.fps = fps
        self.scene = scene
        self.max_side = max_side
        self.fast = fast
        self.limits = limits or Limits()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        scene = options.get("scene", 0.3)
        return cls(
            fps=float(options.get("fps", 1.0)),
            scene=None if scene is None else float(scene),
            max_side=int(options.get("max_side", 1024)),
            fast=bool(options.get("fast", True)),
            limits=settings.limits,
        )

    def iter_extract(self, item: Item) -> Iterator[Derived]:
        self.check_media([item])
        assert isinstance(item, VideoItem)
        from winnow.media.video import iter_frames

        size = (item.info.width, item.info.height)
        for frame in iter_frames(
            item, self.limits, 1.0 / self.fps, self.scene, max_side=self.max_side, fast=self.fast
        ):
            digest = hashlib.sha256(frame.pixels.tobytes()).hexdigest()
            ref = ContentRef(digest, MediaType.IMAGE, "image/x-frame", frame.pixels.nbytes)
            image = ImageItem(ref, frame.pixels, size)
            yield Derived(image, Locator("time", start=frame.time, end=frame.time), "frame")
