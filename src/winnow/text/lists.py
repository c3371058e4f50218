"""Operator block and allow lists: files, parsing, and a fast multi-pattern matcher.

A list file is TOML::

    name = "brand-safety"        # unique; shown as evidence
    kind = "block"               # "block" or "allow"
    category = "profanity"       # a taxonomy category (block lists)
    action = "review"            # optional: force this verdict; else the match scores 1.0
    terms = ["badword", "two words", "坏词"]
    regex = ['b[a@]d\\s*w[o0]rd']

Terms are matched on the :func:`~winnow.text.normalize.squeeze` view (case, width, homoglyphs,
leetspeak and separators between letters do not evade them) with an Aho-Corasick automaton, and a
match must start and end at a word boundary of the original text (``class assignment`` does not
match ``ass``), except for terms in scripts written without spaces. Regular expressions run on the
:func:`~winnow.text.normalize.fold` view. Allow-list matches suppress block matches they overlap.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from winnow.errors import ConfigError
from winnow.taxonomy import is_category
from winnow.text.normalize import fold, fold_map, is_cjk, squeeze, squeeze_map
from winnow.types import Verdict

__all__ = ["ListMatch", "TermList", "TermMatcher", "load_list", "parse_list"]


@dataclass(frozen=True, slots=True)
class TermList:
    name: str
    kind: Literal["block", "allow"]
    category: str | None
    action: Verdict | None
    terms: tuple[str, ...] = ()
    regex: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ListMatch:
    list_name: str
    kind: Literal["block", "allow"]
    category: str | None
    action: Verdict | None
    entry: str
    start: int  # offsets in the original text
    end: int


def parse_list(data: dict[str, Any], origin: str) -> TermList:
    """Validate a list document (already parsed from TOML or JSON)."""
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{origin}: a list needs a non-empty 'name'")
    kind = data.get("kind", "block")
    if kind not in ("block", "allow"):
        raise ConfigError(f"{origin}: 'kind' must be 'block' or 'allow', not {kind!r}")
    category = data.get("category")
    if kind == "block" and (not isinstance(category, str) or not is_category(category)):
        raise ConfigError(f"{origin}: block list {name!r} needs 'category' from the taxonomy")
    action_raw = data.get("action")
    try:
        action = Verdict(action_raw) if action_raw is not None else None
    except ValueError:
        raise ConfigError(f"{origin}: 'action' must be allow, review or block") from None
    terms = data.get("terms", [])
    regex = data.get("regex", [])
    if not all(isinstance(t, str) for t in [*terms, *regex]):
        raise ConfigError(f"{origin}: 'terms' and 'regex' must be lists of strings")
    for pattern in regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{origin}: bad regex {pattern!r}: {exc}") from None
    unknown = set(data) - {"name", "kind", "category", "action", "terms", "regex", "description"}
    if unknown:
        raise ConfigError(f"{origin}: unknown keys {sorted(unknown)}")
    return TermList(name, kind, category, action, tuple(terms), tuple(regex))


def load_list(path: Path) -> TermList:
    try:
        with path.open("rb") as fh:
            return parse_list(tomllib.load(fh), str(path))
    except FileNotFoundError:
        raise ConfigError(f"list file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


@dataclass(frozen=True, slots=True)
class _Entry:
    list_index: int
    term: str
    boundary: bool  # must the match sit on word boundaries of the original text?


class TermMatcher:
    """Matches many lists at once; stays fast with 100k+ terms."""

    def __init__(self, lists: Sequence[TermList]) -> None:
        import ahocorasick

        self._lists = list(lists)
        self._automaton: Any = ahocorasick.Automaton()
        count = 0
        for li, tl in enumerate(self._lists):
            for term in tl.terms:
                key = squeeze(term)
                if not key:
                    continue
                entries: list[_Entry] = self._automaton.get(key, [])
                boundary = not any(is_cjk(ch) for ch in key)
                entries.append(_Entry(li, term, boundary))
                self._automaton.add_word(key, entries)
                count += 1
        self._empty = count == 0
        if not self._empty:
            self._automaton.make_automaton()
        self._regex = [
            (li, pattern, re.compile(pattern))
            for li, tl in enumerate(self._lists)
            for pattern in tl.regex
        ]

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> TermMatcher:
        lists = [load_list(Path(p)) for p in paths]
        names = [tl.name for tl in lists]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ConfigError(f"list names must be unique; repeated: {sorted(duplicates)}")
        return cls(lists)

    def match(self, text: str) -> list[ListMatch]:
        """All block and allow matches in ``text``, with original offsets, in text order."""
        found: list[ListMatch] = []
        if not self._empty:
            squeezed = squeeze(text)
            hits = list(self._automaton.iter(squeezed))
            if hits:
                _, index = squeeze_map(text)
                for end, entries in hits:
                    for entry in entries:
                        start_sq = end - len(squeeze(entry.term)) + 1
                        start, stop = index[start_sq], index[end] + 1
                        if entry.boundary and not _on_boundaries(text, start, stop):
                            continue
                        found.append(self._make(entry.list_index, entry.term, start, stop))
        if self._regex:
            folded, findex = fold_map(text) if not text.isascii() else (fold(text), None)
            for li, pattern, rx in self._regex:
                for m in rx.finditer(folded):
                    if m.end() <= m.start():
                        continue
                    start = findex[m.start()] if findex else m.start()
                    stop = findex[m.end() - 1] + 1 if findex else m.end()
                    found.append(self._make(li, pattern, start, stop))
        found.sort(key=lambda m: (m.start, m.end))
        return found

    def _make(self, li: int, entry: str, start: int, end: int) -> ListMatch:
        tl = self._lists[li]
        return ListMatch(tl.name, tl.kind, tl.category, tl.action, entry, start, end)


def _on_boundaries(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and not is_cjk(before)) and not (
        after.isalnum() and not is_cjk(after)
    )
