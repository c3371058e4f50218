from collections.abc import Sequence
from pathlib import Path

import pytest

from winnow.detectors.text_lists import TermLists
from winnow.settings import Settings
from winnow.testing import DetectorContract, text_item
from winnow.text.lists import parse_list
from winnow.types import Item, Verdict

LISTS = [
    parse_list({"name": "swears", "category": "profanity", "terms": ["shit", "fuck"]}, "t"),
    parse_list({"name": "brand", "category": "spam", "action": "block", "terms": ["spamco"]}, "t"),
    parse_list({"name": "ok", "kind": "allow", "terms": ["holy shit cafe"]}, "t"),
]


class TestContract(DetectorContract):
    @pytest.fixture
    def detector(self) -> TermLists:
        return TermLists(LISTS)

    @pytest.fixture
    def sample_items(self) -> Sequence[Item]:
        return [text_item("oh sh1t"), text_item("nice"), text_item("buy from SPAMCO")]


def test_signals_spans_and_actions() -> None:
    det = TermLists(LISTS)
    r1, r2, r3 = det.detect_batch(
        [text_item("oh s.h.i.t and F U C K"), text_item("nice"), text_item("buy from SPAMCO")]
    )
    (sig,) = r1.signals
    assert (sig.category, sig.score, sig.action) == ("profanity", 1.0, None)
    assert [e.snippet for e in sig.evidence] == ["s.h.i.t", "F U C K"]
    assert {e.detail for e in sig.evidence} == {"list:swears"}
    assert r2.signals == ()
    assert r3.signals[0].action is Verdict.BLOCK


def test_allow_list_suppresses_overlapping_block() -> None:
    (r,) = TermLists(LISTS).detect_batch([text_item("meet at the holy shit cafe")])
    assert r.signals == ()


def test_from_settings_reads_files(tmp_path: Path) -> None:
    path = tmp_path / "l.toml"
    path.write_text('name = "x"\ncategory = "hate"\nterms = ["foo"]\n')
    det = TermLists.from_settings(Settings(lists=[path]))
    (r,) = det.detect_batch([text_item("a foo")])
    assert r.signals[0].category == "hate"
