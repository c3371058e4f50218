"""Normalisation of text against evasion, keeping a way back to the original offsets.

Two views of a text:

* :func:`fold` — NFKD, case-folded, diacritics, zero-width and bidi controls removed, homoglyphs
  (Cyrillic and Greek look-alikes, full-width forms) mapped to Latin. Separators are kept, so
  regular expressions still see words.
* :func:`squeeze` — :func:`fold`, then leetspeak mapped to letters (``4→a``, ``3→e``, ``0→o``,
  ``1→i``, ``5→s``, ``7→t``, ``@→a``, ``$→s``) and everything that is not a letter removed, so
  ``f.u.c.k``, ``f u c k`` and ``ｆｕｃｋ`` all read ``fuck``.

Both are computed with ``str.translate`` in C; the per-character :func:`squeeze_map` that maps each
squeezed character back to its index in the original text is only computed for texts that matched.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

__all__ = ["fold", "fold_map", "is_cjk", "squeeze", "squeeze_map"]

_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
    # Latin look-alikes and symbols
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
}  # fmt: skip

_LEET = {"4": "a", "@": "a", "8": "b", "3": "e", "6": "g", "1": "i", "!": "i", "0": "o",
         "5": "s", "$": "s", "7": "t", "+": "t", "2": "z", "|": "l"}  # fmt: skip

_INVISIBLE_CATEGORIES = {"Cf", "Mn", "Me", "Cc"}  # format (zero-width, bidi), combining marks


@cache
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x110000 if sys.maxunicode > 0xFFFF else 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        cat = unicodedata.category(chr(cp))
        if cat in _INVISIBLE_CATEGORIES and chr(cp) not in "\n\t":
            table[cp] = None
    for src, dst in _HOMOGLYPHS.items():
        table[ord(src)] = dst
    return table


@cache
def _squeeze_table() -> dict[int, str | None]:
    table = dict(_fold_table())
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF or cp in table:
            continue
        ch = chr(cp)
        if not ch.isalpha():
            table[cp] = None
    for src, dst in _LEET.items():
        table[ord(src)] = dst
    return table


def fold(text: str) -> str:
    """Case-fold, decompose, and drop invisible characters and diacritics; map homoglyphs."""
    return unicodedata.normalize("NFKD", text).casefold().translate(_fold_table())


def squeeze(text: str) -> str:
    """:func:`fold`, then map leetspeak and keep only letters (and CJK characters)."""
    return unicodedata.normalize("NFKD", text).casefold().translate(_squeeze_table())


def _map(text: str, table: dict[int, str | None]) -> tuple[str, list[int]]:
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        piece = unicodedata.normalize("NFKD", ch).casefold().translate(table)
        out.append(piece)
        index.extend([i] * len(piece))
    return "".join(out), index


def fold_map(text: str) -> tuple[str, list[int]]:
    """:func:`fold` of ``text`` and, for each of its characters, the index it came from."""
    return _map(text, _fold_table())


def squeeze_map(text: str) -> tuple[str, list[int]]:
    """:func:`squeeze` of ``text`` and, for each of its characters, the index it came from."""
    return _map(text, _squeeze_table())


def is_cjk(ch: str) -> bool:
    """True for characters of scripts written without spaces between words."""
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # kana
        or 0x3400 <= cp <= 0x9FFF  # CJK unified
        or 0xAC00 <= cp <= 0xD7AF  # Hangul
        or 0xF900 <= cp <= 0xFAFF
        or 0x0E00 <= cp <= 0x0E7F  # Thai
        or 0x20000 <= cp <= 0x2FFFF
    )
