"""``image.frames``: frames of animated GIF/WebP/APNG and multi-page images, moderated too.

An extractor: it samples up to ``max_frames`` frames (default 8, evenly spread, frame 0 is the
image item itself) and yields each as a derived image item located ``frame=N``; every image
detector (and ``image.ocr``, ``image.qr``) then runs on it, and its findings are lifted onto
the animation at that frame. Single-frame images cost nothing (the decoder keeps the bytes of
multi-frame images only). Options (``detector_options["image.frames"]``): ``max_frames``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import ClassVar, Self

from winnow.detectors.base import Extractor
from winnow.media.frames import frame_count, read_frames, sample_indices
from winnow.settings import Settings
from winnow.types import ContentRef, Derived, ImageItem, Item, Locator, MediaType

__all__ = ["ImageFrames"]


class ImageFrames(Extractor):
    name: ClassVar[str] = "image.frames"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    description: ClassVar[str] = "Samples frames of animated and multi-frame images."

    def __init__(self, max_frames: int = 8) -> None:
        self.max_frames = max_frames

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(int(settings.detector_options.get(cls.name, {}).get("max_frames", 8)))

    def extract_batch(self, items: Sequence[Item]) -> list[list[Derived]]:
        self.check_media(items)
        return [self._extract(item) for item in items if isinstance(item, ImageItem)]

    def _extract(self, item: ImageItem) -> list[Derived]:
        if item.data is None:
            return []
        count = frame_count(item.data)
        out = []
        for index, pixels in read_frames(item.data, sample_indices(count, self.max_frames),
                                         name=item.ref.sha256[:12]):  # fmt: skip
            digest = hashlib.sha256(pixels.tobytes()).hexdigest()
            ref = ContentRef(digest, MediaType.IMAGE, "image/x-frame", pixels.nbytes)
            frame = ImageItem(ref, pixels, item.source_size)
            out.append(Derived(frame, Locator("frame", start=index), "frame"))
        return out
