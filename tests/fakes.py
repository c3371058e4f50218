"""Fake detectors for pipeline tests (the product never ships one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from winnow.detectors.base import Detector, Extractor
from winnow.testing import text_item
from winnow.types import (
    Derived,
    DetectorResult,
    Evidence,
    ImageItem,
    Item,
    Locator,
    MediaType,
    Signal,
    TextItem,
)


class KeywordDetector(Detector):
    """Scores ``hate`` 0.95 for texts containing 'HATEFUL', and raises on 'CRASH'."""

    name: ClassVar[str] = "test.keyword"
    version: ClassVar[str] = "3"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = ("hate",)

    def __init__(self) -> None:
        self.batches: list[int] = []

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        self.batches.append(len(items))
        out = []
        for item in items:
            assert isinstance(item, TextItem)
            if "CRASH" in item.text:
                raise RuntimeError("model exploded")
            pos = item.text.find("HATEFUL")
            if pos >= 0:
                ev = (Evidence(Locator.chars(pos, pos + 7), "HATEFUL", "keyword"),)
                out.append(self.result([Signal("hate", 0.95, ev)], language="en"))
            else:
                out.append(self.result(language="en"))
        return out


class ImageCounter(Detector):
    name: ClassVar[str] = "test.image"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = ("sexual",)

    def __init__(self) -> None:
        self.seen = 0

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        self.seen += len(items)
        return [self.result([Signal("sexual", 0.1)]) for _ in items]


class FakeOCR(Extractor):
    """Reads the text 'HATEFUL' in every image, in a box; raises on images 1 pixel high."""

    name: ClassVar[str] = "test.ocr"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})

    def extract_batch(self, items: Sequence[Item]) -> list[list[Derived]]:
        self.check_media(items)
        out = []
        for item in items:
            assert isinstance(item, ImageItem)
            if item.height == 1:
                raise RuntimeError("ocr exploded")
            text = text_item("it says HATEFUL")
            out.append([Derived(text, Locator("box", box=(1, 2, 30, 40)), "ocr")])
        return out
