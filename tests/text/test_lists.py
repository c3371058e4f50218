import time
from pathlib import Path

import pytest

from winnow.errors import ConfigError
from winnow.text.lists import TermMatcher, load_list, parse_list
from winnow.types import Verdict


def block(
    *terms: str, regex: tuple[str, ...] = (), name: str = "b", **kw: object
) -> dict[str, object]:
    return {"name": name, "kind": "block", "category": "profanity", "terms": list(terms),
            "regex": list(regex), **kw}  # fmt: skip


def spans(matcher: TermMatcher, text: str) -> list[tuple[str, str]]:
    return [(m.kind, text[m.start : m.end]) for m in matcher.match(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("you are an ass", "ass"),
        ("A.S.S!", "A.S.S"),
        ("ａｓｓ", "ａｓｓ"),
        ("a\u200bs\u200bs", "a\u200bs\u200bs"),
        ("@$$ hole", "@$$"),
        ("аss", "аss"),  # Cyrillic a
    ],
)
def test_evasions_match_with_original_span(text: str, expected: str) -> None:
    m = TermMatcher([parse_list(block("ass"), "t")])
    assert spans(m, text) == [("block", expected)]


@pytest.mark.parametrize("text", ["class assignment", "assassin", "Scunthorpe", "grass"])
def test_word_boundaries_prevent_scunthorpe(text: str) -> None:
    m = TermMatcher([parse_list(block("ass", "cunt"), "t")])
    assert m.match(text) == []


def test_multiword_and_cjk_terms() -> None:
    m = TermMatcher([parse_list(block("kill yourself", "坏蛋"), "t")])
    assert spans(m, "just k i l l  y o u r s e l f") == [("block", "k i l l  y o u r s e l f")]
    assert spans(m, "你这个坏蛋啊") == [("block", "坏蛋")]


def test_regex_on_folded_text_and_allow_lists() -> None:
    m = TermMatcher(
        [
            parse_list(block(regex=(r"b[a@]d\s*w[o0]rd",)), "t"),
            parse_list({"name": "ok", "kind": "allow", "terms": ["badword inc"]}, "t"),
        ]
    )
    assert spans(m, "a BÄD WORD here") == [("block", "BÄD WORD")]
    assert ("allow", "badword inc") in spans(m, "badword inc")


def test_action_and_category_carried() -> None:
    m = TermMatcher([parse_list(block("spamword", action="block", category="spam"), "t")])
    (match,) = m.match("spamword")
    assert (match.category, match.action, match.list_name) == ("spam", Verdict.BLOCK, "b")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"kind": "block"}, "name"),
        ({"name": "x", "kind": "deny"}, "kind"),
        ({"name": "x"}, "category"),
        ({"name": "x", "category": "politics"}, "category"),
        ({"name": "x", "category": "hate", "action": "ban"}, "action"),
        ({"name": "x", "category": "hate", "terms": [1]}, "lists of strings"),
        ({"name": "x", "category": "hate", "regex": ["("]}, "bad regex"),
        ({"name": "x", "category": "hate", "colour": "red"}, "unknown keys"),
    ],
)
def test_invalid_lists(doc: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_list(doc, "t")


def test_files(tmp_path: Path) -> None:
    path = tmp_path / "l.toml"
    path.write_text('name = "x"\ncategory = "hate"\nterms = ["foo"]\n')
    assert load_list(path).terms == ("foo",)
    with pytest.raises(ConfigError, match="unique"):
        TermMatcher.from_files([path, path])
    with pytest.raises(ConfigError, match="does not exist"):
        load_list(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("name = ")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_list(tmp_path / "bad.toml")


def test_hundred_thousand_terms_build_and_match() -> None:
    terms = [f"term{i:06d}x" for i in range(100_000)]
    m = TermMatcher([parse_list(block(*terms), "t")])
    assert spans(m, "contains term099999x here") == [("block", "term099999x")]
    start = time.perf_counter()
    for _ in range(200):
        m.match("an ordinary sentence with nothing on any list at all, a few dozen words long")
    assert time.perf_counter() - start < 5  # generous: catches accidental O(terms) matching
