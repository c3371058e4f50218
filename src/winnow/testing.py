"""Contract tests every detector passes; import them into a detector's test module.

    from winnow.testing import DetectorContract

    class TestMyDetector(DetectorContract):
        @pytest.fixture
        def detector(self): return MyDetector(...)
        @pytest.fixture
        def sample_items(self): return [...]   # items of the detector's media types

The contract: a well-formed name, labels within the taxonomy, scores in [0, 1], one result per
item in order, an empty batch gives an empty list, results are deterministic, and input the
detector cannot read raises a typed :class:`~winnow.errors.InputError`, never a random exception.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest

from winnow.detectors.base import NAME_PATTERN, Detector
from winnow.errors import InputError
from winnow.media.text import text_item as media_text_item
from winnow.settings import Limits
from winnow.taxonomy import is_category
from winnow.types import ContentRef, ImageItem, Item, MediaType, TextItem

__all__ = ["DetectorContract", "image_item", "text_item"]


def text_item(text: str) -> TextItem:
    return media_text_item(text, Limits())


def image_item(pixels: np.ndarray) -> ImageItem:
    arr = np.ascontiguousarray(pixels, dtype=np.uint8)
    ref = ContentRef(
        hashlib.sha256(arr.tobytes()).hexdigest(), MediaType.IMAGE, "image/png", arr.nbytes
    )
    return ImageItem(ref, arr, (arr.shape[1], arr.shape[0]))


def _foreign_item(media_types: frozenset[MediaType]) -> Item:
    if MediaType.TEXT in media_types:
        return image_item(np.zeros((8, 8, 3), dtype=np.uint8))
    return text_item("not an image")


class DetectorContract:
    """Mixin of pytest tests; subclasses provide ``detector`` and ``sample_items`` fixtures."""

    def test_name_version_and_labels(self, detector: Detector) -> None:
        assert NAME_PATTERN.match(detector.name), detector.name
        assert detector.version and isinstance(detector.version, str)
        assert detector.media_types
        assert detector.labels and all(is_category(label) for label in detector.labels)

    def test_one_result_per_item_in_order(
        self, detector: Detector, sample_items: Sequence[Item]
    ) -> None:
        assert len(sample_items) >= 2
        batch = detector.detect_batch(sample_items)
        assert len(batch) == len(sample_items)
        singles = [detector.detect_batch([item])[0] for item in sample_items]
        for together, alone in zip(batch, singles, strict=True):
            assert together.detector == detector.name
            assert together.version == detector.version
            assert [s.category for s in together.signals] == [s.category for s in alone.signals]
            for a, b in zip(together.signals, alone.signals, strict=True):
                assert a.score == pytest.approx(b.score, abs=1e-4)

    def test_scores_in_range_and_labels_declared(
        self, detector: Detector, sample_items: Sequence[Item]
    ) -> None:
        for result in detector.detect_batch(sample_items):
            for signal in result.signals:
                assert 0.0 <= signal.score <= 1.0
                assert signal.category in detector.labels

    def test_empty_batch(self, detector: Detector) -> None:
        assert detector.detect_batch([]) == []

    def test_deterministic(self, detector: Detector, sample_items: Sequence[Item]) -> None:
        assert detector.detect_batch(sample_items) == detector.detect_batch(sample_items)

    def test_unreadable_input_is_a_typed_error(self, detector: Detector) -> None:
        with pytest.raises(InputError):
            detector.detect_batch([_foreign_item(detector.media_types)])
