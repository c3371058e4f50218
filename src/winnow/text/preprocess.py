"""Text preparation shared by training and inference, so both see exactly the same input.

``clean`` unescapes HTML entities, replaces URLs and @mentions with placeholders (datasets and
traffic differ there, and a model must not learn that a link or a username means hate), drops
invisible characters, NFKC-normalises and squashes long character runs.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["clean", "sentences"]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w{1,30}|<user>", re.IGNORECASE)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_RUNS = re.compile(r"(.)\1{3,}")
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*|[.!?。！？]+", re.UNICODE)


def clean(text: str) -> str:
    text = html.unescape(text) if "&" in text else text
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" http ", text)
    text = _MENTION.sub(" @user ", text)
    text = _RUNS.sub(r"\1\1\1", text)
    return _SPACE.sub(" ", text).strip()


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (trimmed, non-empty)."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans or [(0, len(text))]
