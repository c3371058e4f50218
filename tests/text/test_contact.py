import pytest

from winnow.text.contact import find_contacts, spam_markers


def kinds(text: str) -> set[tuple[str, str]]:
    return {(f.kind, f.text) for f in find_contacts(text)}


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("add me on wechat: abc123", "handle", "wechat: abc123"),
        ("➕V abc888 低价", "handle", "➕V abc888"),
        ("加微信 看简介", "handle", "加微信"),
        ("telegram @cheapdeals99", "handle", "telegram @cheapdeals99"),
        ("line: bob_99", "handle", "line: bob_99"),
        ("visit w w w . spam . com now", "url", "w w w . spam . com"),
        ("go to example dot com", "url", "example dot com"),
        ("see site(dot)xyz/abc", "url", "site(dot)xyz/abc"),
        ("https://bit.ly/3abc", "shortener", "bit.ly/3abc"),
        ("call 415-555-0123 today", "phone", "415-555-0123"),
        ("打13812345678", "phone", "13812345678"),
        ("电话一三八一二三四五六七八", "phone", "一三八一二三四五六七八"),
        ("email bob@example.org", "email", "bob@example.org"),
        ("only $9.99", "price", "$9.99"),
        ("DM me for cheap followers", "solicit", "DM me"),
    ],
)
def test_finds(text: str, kind: str, span: str) -> None:
    assert (kind, span) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "I like line dancing and signal processing",
        "I did it. Me too",
        "the meeting is on 2024-05-01",
        "今天下午三点开会。好的",
        "a b c is the alphabet",
        "version 3.11.7 is out",
    ],
)
def test_benign_has_no_contacts(text: str) -> None:
    assert not {k for k, _ in kinds(text)} & {"handle", "url", "phone", "email", "shortener"}


def test_spam_markers() -> None:
    m = spam_markers("BUY NOW BUY NOW BUY NOW BUY NOW!!!!")
    assert m.repeated_token_ratio >= 0.4 and m.caps_ratio == 1.0 and m.exclamations == 4
    calm = spam_markers("a perfectly calm sentence about nothing much")
    assert calm.repeated_token_ratio < 0.4 and calm.caps_ratio == 0.0
