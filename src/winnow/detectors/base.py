"""The detector interface, and the extractor interface beside it.

A detector has a stable ``name`` (a storage key such as ``image.safety``), a ``version`` bumped
whenever its outputs change (recorded on every result), the ``media_types`` it reads, the taxonomy
``labels`` it may score, a ``from_settings`` constructor that loads its models once, and one
required method, :meth:`Detector.detect_batch`. Models' own labels are mapped to the taxonomy
inside the detector; nothing downstream sees them.

An :class:`Extractor` derives new items from an item (the text in an image, the frames of a
video); the pipeline runs detectors on the derived items too and lifts their findings onto the
parent, located where the derived item came from (a box, a time range). A
:class:`StreamingExtractor` yields its items lazily (a video's frames), and the pipeline
moderates them batch by batch.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import ClassVar, Self

from winnow.errors import InputError
from winnow.settings import Settings
from winnow.types import Derived, DetectorResult, Item, MediaType, Signal

__all__ = ["NAME_PATTERN", "Component", "Detector", "Extractor", "StreamingExtractor"]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class Component(ABC):
    """What detectors and extractors share: a stable name, a version, the media they read."""

    name: ClassVar[str]
    version: ClassVar[str]
    media_types: ClassVar[frozenset[MediaType]]
    description: ClassVar[str] = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Build it (loading models once). Options: ``settings.detector_options[name]``."""
        return cls()

    def check_media(self, items: Sequence[Item]) -> None:
        for item in items:
            if item.media_type not in self.media_types:
                raise InputError(
                    f"{self.name} reads {', '.join(sorted(self.media_types))}, "
                    f"not {item.media_type}"
                )


class Extractor(Component):
    """Derives items from items: one list of :class:`~winnow.types.Derived` per input item."""

    @abstractmethod
    def extract_batch(self, items: Sequence[Item]) -> list[list[Derived]]:
        """Return exactly one (possibly empty) list per item, in order."""


class StreamingExtractor(Extractor):
    """An extractor of many large items (a video's frames): :meth:`iter_extract` yields them
    one at a time and the pipeline moderates them in batches as they come, lifting findings
    onto the parent and dropping each batch, so they are never all in memory at once."""

    @abstractmethod
    def iter_extract(self, item: Item) -> Iterator[Derived]:
        """Yield the items derived from ``item``, in order."""

    def extract_batch(self, items: Sequence[Item]) -> list[list[Derived]]:
        self.check_media(items)
        return [list(self.iter_extract(item)) for item in items]


class Detector(Component):
    labels: ClassVar[tuple[str, ...]]

    @abstractmethod
    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        """Score ``items``; return exactly one result per item, in order.

        Items of a media type the detector does not read raise :class:`InputError`.
        """

    # Helpers for implementations -------------------------------------------------------------

    def result(self, signals: Sequence[Signal] = (), **info: str) -> DetectorResult:
        return DetectorResult(self.name, self.version, tuple(signals), dict(info))
