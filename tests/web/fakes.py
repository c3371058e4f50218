"""Fake detectors that send content to review, with evidence the console shows."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from winnow.detectors.base import Detector
from winnow.types import (
    DetectorResult,
    Evidence,
    ImageItem,
    Item,
    Locator,
    MediaType,
    Signal,
    TextItem,
)


class ReviewText(Detector):
    """``harassment`` 0.7 (review) on the word 'jerk', with its character span."""

    name: ClassVar[str] = "test.review_text"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = ("harassment",)

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        out = []
        for item in items:
            assert isinstance(item, TextItem)
            pos = item.text.find("jerk")
            if pos < 0:
                out.append(self.result())
                continue
            ev = (Evidence(Locator.chars(pos, pos + 4), "jerk", "insult"),)
            out.append(self.result([Signal("harassment", 0.7, ev)]))
        return out


class ReviewImage(Detector):
    """``violence`` 0.7 (review) on every image, in a box over its top-left quarter."""

    name: ClassVar[str] = "test.review_image"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = ("violence",)

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        out = []
        for item in items:
            assert isinstance(item, ImageItem)
            box = (0, 0, item.width // 2, item.height // 2)
            ev = (Evidence(Locator("box", box=box), None, "fake weapon"),)
            out.append(self.result([Signal("violence", 0.7, ev)]))
        return out


def textured_png(seed: int = 7, size: int = 160) -> bytes:
    """A detailed synthetic image (high PDQ quality): colored blocks and stripes."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 255, size=(size // 16, size // 16, 3), dtype=np.uint8)
    pixels = np.kron(blocks, np.ones((16, 16, 1), dtype=np.uint8))
    pixels[::10, :, :] = 0
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def as_jpeg(png: bytes) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(buf, format="JPEG", quality=80)
    return buf.getvalue()
