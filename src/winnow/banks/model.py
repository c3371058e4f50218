"""What a hash bank is: :class:`Bank`, its :class:`Entry` rows, and an explained :class:`Match`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from winnow.errors import ConfigError
from winnow.taxonomy import is_category

__all__ = [
    "DEFAULT_PDQ_THRESHOLD",
    "HASH_KINDS",
    "Action",
    "Bank",
    "Entry",
    "HashKind",
    "Match",
    "validate_bank",
]

DEFAULT_PDQ_THRESHOLD = 31
"""Meta's recommended PDQ match distance (of 256 bits); unrelated images sit at 100 or more."""

HashKind = Literal["pdq", "md5", "sha256", "vpdq"]
HASH_KINDS: tuple[HashKind, ...] = ("pdq", "md5", "sha256")
"""Kinds of single-value hashes (image and file hashes). A ``vpdq`` entry is a video: its
frame hashes live beside it (:meth:`winnow.banks.storage.BankStore.video`)."""
Action = Literal["review", "block", "allow"]
_ACTIONS = ("review", "block", "allow")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Bank:
    """A named list of hashes. A match is reported in ``category`` with ``action``; an ``allow``
    bank is a negative bank: an image it matches is not reported by any other bank."""

    name: str
    category: str
    action: Action = "review"
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD
    description: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class Entry:
    """One hash in a bank; ``metadata`` is free text from the import (source id, tags)."""

    bank: str
    kind: HashKind
    value: str  # hex
    metadata: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class Match:
    """An explained match: which bank and entry, how far (bits; 0 for exact), which variant."""

    bank: Bank
    entry: Entry
    distance: int
    variant: str
    suppressed_by: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return 1.0 if self.entry.kind != "pdq" else round(1.0 - self.distance / 256.0, 4)

    def explain(self) -> str:
        how = (
            f"PDQ distance {self.distance} <= {self.bank.pdq_threshold}, query variant {self.variant}"
            if self.entry.kind == "pdq"
            else f"exact {self.entry.kind}"
        )
        meta = f" ({self.entry.metadata})" if self.entry.metadata else ""
        return f"bank {self.bank.name} entry {self.entry.id}{meta}: {how}"


def validate_bank(bank: Bank) -> Bank:
    """Refuse names, categories, actions and thresholds that would not work, saying why."""
    if not _NAME.match(bank.name):
        raise ConfigError(
            f"bank name {bank.name!r}: use 1-64 letters, digits, '_', '.', '-' (start with a letter "
            "or digit)"
        )
    if not is_category(bank.category):
        raise ConfigError(
            f"bank {bank.name!r}: unknown category {bank.category!r}; see `winnow detectors` "
            "or winnow.taxonomy for the categories"
        )
    if bank.action not in _ACTIONS:
        raise ConfigError(f"bank {bank.name!r}: action must be one of {', '.join(_ACTIONS)}")
    if not 0 <= bank.pdq_threshold <= 63:
        raise ConfigError(
            f"bank {bank.name!r}: PDQ threshold {bank.pdq_threshold} is outside 0-63 "
            f"(default {DEFAULT_PDQ_THRESHOLD}; above ~50 unrelated images start to match)"
        )
    return bank
