"""``image.ocr``: text read from images (RapidOCR, bundled PP-OCR models, Chinese and English).

An extractor: each text line it reads becomes a derived text item located by its box, so the
text detectors (``text.rules``, ``text.lists``, ``text.classifier``) score it and their evidence
comes back on the image at that box (``winnow check meme.png`` shows the span and its box).

One derived item per line, not per block: a line is what the recogniser reads as one unit, its
box is tight evidence, and a reviewer sees exactly which caption was flagged. The cost: a phone
number broken over two lines is read as two halves (each still scored for handles, links and
solicitations).

Gate, in two stages, so images without text don't pay for OCR:

1. :func:`winnow.media.textgate.stroke_tiles` (a few ms of numpy): images with fewer than
   ``min_tiles`` stroke-like tiles (flat, smooth or blurry pictures) skip OCR. Busy photos
   (foliage, gravel, crowds) pass it.
2. The text detector alone, at ``coarse_side`` px (480: ~80 ms of CPU on a 1-MP image against
   ~385 ms for a full pass at 960): no text region found, no OCR. Only images with a region
   get the full pass (detector at ``max_side`` and recogniser). Measured on 24 1-MP photos and
   31 captions (fonts 14-60 px, random colours) that pass stage 1: 3 of the 4 busy photos
   stopped here; 29 of the 30 captions the full pass reads were kept (the lost one: 16 px).

Settings that keep OCR offline and fast (MODELS.md): ``Det.limit_type="max"``,
``Det.limit_side_len=960``, default language and model (others download), no angle classifier.

Options (``detector_options["image.ocr"]``): ``max_side`` (960), ``min_tiles`` (1; 0 turns
stage 1 off), ``coarse_side`` (480; 0 turns stage 2 off), ``min_score`` (0.5, recogniser
confidence below which a line is dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np

from winnow.detectors.base import Extractor
from winnow.errors import DetectorError
from winnow.media.text import text_item
from winnow.media.textgate import stroke_tiles
from winnow.settings import Limits, Settings
from winnow.types import Derived, ImageItem, Item, Locator, MediaType

__all__ = ["OcrText"]

_LIMITS = Limits()  # OCR lines are short; the default text limit is only a guard


class OcrText(Extractor):
    name: ClassVar[str] = "image.ocr"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    description: ClassVar[str] = (
        "Text in images (RapidOCR PP-OCR, zh+en), one derived text item per line with its box; "
        "a stroke-density gate skips images without text."
    )

    def __init__(self, max_side: int = 960, min_tiles: int = 1, min_score: float = 0.5,
                 threads: int = 0, coarse_side: int = 480) -> None:  # fmt: skip
        self.max_side, self.min_tiles, self.min_score = max_side, min_tiles, min_score
        self.threads, self.coarse_side = threads, coarse_side
        self._engines: dict[int, Any] = {}
        self.gated_out = 0  # images a gate stage skipped (for benchmarks and logs)
        self.coarse_out = 0  # of which stage 2 (the coarse text detector) skipped

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        o = settings.detector_options.get(cls.name, {})
        return cls(int(o.get("max_side", 960)), int(o.get("min_tiles", 1)),
                   float(o.get("min_score", 0.5)), settings.threads,
                   int(o.get("coarse_side", 480)))  # fmt: skip

    def engine(self, side: int | None = None) -> Any:
        """The RapidOCR engine whose detector reads images at ``side`` px (``max_side``)."""
        side = side or self.max_side
        if side not in self._engines:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise DetectorError(
                    f"rapidocr cannot be imported ({exc}); pip install rapidocr==3.10.0 "
                    "opencv-python-headless"
                ) from None
            params: dict[str, Any] = {
                "Det.limit_type": "max",
                "Det.limit_side_len": side,
                "Global.log_level": "error",
                "Global.text_score": self.min_score,
            }
            if self.threads > 0:
                params["EngineConfig.onnxruntime.intra_op_num_threads"] = self.threads
            self._engines[side] = RapidOCR(params=params)
        return self._engines[side]

    def wants_ocr(self, item: ImageItem) -> bool:
        """The gate's first stage: may this image contain text?"""
        return self.min_tiles <= 0 or stroke_tiles(item.pixels) >= self.min_tiles

    def has_text_regions(self, item: ImageItem) -> bool:
        """The gate's second stage: does the text detector find a region at ``coarse_side``?"""
        if self.coarse_side <= 0 or max(item.width, item.height) <= self.coarse_side:
            return True  # no cheaper look than the full one
        engine = self.engine(self.coarse_side)
        out = engine(np.ascontiguousarray(item.pixels[:, :, ::-1]), use_det=True, use_cls=False,
                     use_rec=False)  # fmt: skip
        return out.boxes is not None and len(out.boxes) > 0

    def extract_batch(self, items: Sequence[Item]) -> list[list[Derived]]:
        self.check_media(items)
        return [self._extract(item) for item in items if isinstance(item, ImageItem)]

    def read(self, item: ImageItem) -> list[tuple[str, float, tuple[int, int, int, int]]]:
        """Every text line: (text, confidence, box in source coordinates), top to bottom."""
        out = self.engine()(np.ascontiguousarray(item.pixels[:, :, ::-1]), use_cls=False)
        if out.boxes is None or out.txts is None:
            return []
        width, height = item.source_size or (item.width, item.height)
        sx, sy = width / item.width, height / item.height
        lines = []
        for box, text, score in zip(out.boxes, out.txts, out.scores, strict=True):
            pts = np.asarray(box, dtype=np.float64)
            x0, y0 = max(0, int(pts[:, 0].min() * sx)), max(0, int(pts[:, 1].min() * sy))
            x1 = min(width, int(np.ceil(pts[:, 0].max() * sx)))
            y1 = min(height, int(np.ceil(pts[:, 1].max() * sy)))
            if text.strip():
                lines.append((str(text), float(score), (x0, y0, x1, y1)))
        lines.sort(key=lambda line: (line[2][1], line[2][0]))
        return lines

    def _extract(self, item: ImageItem) -> list[Derived]:
        if not self.wants_ocr(item):
            self.gated_out += 1
            return []
        if not self.has_text_regions(item):
            self.gated_out += 1
            self.coarse_out += 1
            return []
        return [
            Derived(text_item(text, _LIMITS), Locator("box", box=box), "ocr")
            for text, _, box in self.read(item)
        ]
