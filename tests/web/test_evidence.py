from __future__ import annotations

from winnow.web.evidence import Box, Span, image_boxes, text_spans


def _match(category: str, *locators: dict[str, object]) -> dict[str, object]:
    return {"category": category, "evidence": [{"locator": loc} for loc in locators]}


def test_overlapping_spans_are_cut_with_every_category_that_covers_them() -> None:
    matches = [
        _match("hate", {"kind": "chars", "start": 0, "end": 5}),
        _match("spam", {"kind": "chars", "start": 3, "end": 8}, {"kind": "whole"}),
    ]
    assert text_spans("abcdefghij", matches) == [
        Span("abc", ("hate",)),
        Span("de", ("hate", "spam")),
        Span("fgh", ("spam",)),
        Span("ij"),
    ]


def test_out_of_range_spans_are_clipped() -> None:
    spans = text_spans("abc", [_match("hate", {"kind": "chars", "start": 2, "end": 99})])
    assert spans == [Span("ab"), Span("c", ("hate",))]


def test_boxes_are_in_percent_of_the_image() -> None:
    matches = [_match("violence", {"kind": "box", "box": [10, 20, 60, 70]})]
    assert image_boxes((200, 100), matches) == [Box(5.0, 20.0, 25.0, 50.0, "violence")]
