"""Evidence as the item page shows it: flagged text spans and image boxes from stored locators."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

__all__ = ["Box", "Span", "image_boxes", "image_size", "text_spans"]


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    categories: tuple[str, ...] = ()  # empty: not flagged


@dataclass(frozen=True, slots=True)
class Box:
    """A flagged box, in percent of the image (for CSS)."""

    left: float
    top: float
    width: float
    height: float
    label: str


def _located(matches: list[dict[str, Any]], kind: str) -> list[tuple[dict[str, Any], str]]:
    return [
        (e["locator"], m["category"])
        for m in matches
        for e in m.get("evidence", [])
        if e.get("locator", {}).get("kind") == kind
    ]


def text_spans(text: str, matches: list[dict[str, Any]]) -> list[Span]:
    """``text`` cut at every flagged range's edges, each piece with the categories covering it."""
    ranges = []
    for loc, category in _located(matches, "chars"):
        start, end = int(loc.get("start", 0)), int(loc.get("end", 0))
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        if end > start:
            ranges.append((start, end, category))
    cuts = sorted({0, len(text), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    spans = []
    for a, b in itertools.pairwise(cuts):
        cats = tuple(sorted({c for s, e, c in ranges if s <= a and b <= e}))
        spans.append(Span(text[a:b], cats))
    return spans


def image_size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except (UnidentifiedImageError, OSError):
        return None


def image_boxes(size: tuple[int, int], matches: list[dict[str, Any]]) -> list[Box]:
    width, height = size
    out = []
    for loc, category in _located(matches, "box"):
        box = loc.get("box")
        if not box or len(box) != 4 or width <= 0 or height <= 0:
            continue
        x0, y0, x1, y1 = (float(v) for v in box)
        out.append(Box(
            round(100 * x0 / width, 2), round(100 * y0 / height, 2),
            round(100 * (x1 - x0) / width, 2), round(100 * (y1 - y0) / height, 2), category,
        ))  # fmt: skip
    return out
