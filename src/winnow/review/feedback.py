"""A reviewer's verdict teaches the hash banks: confirmed images block on re-upload, false
positives are allowed.

``remove`` adds the image's SHA-256, MD5 and (when the image is not flat) PDQ to the bank
``review-<category>`` (action ``block``, created on first use); ``allow`` adds them to
``review-allow`` (an allow bank: it suppresses every other bank's match). The ``image.hashes``
detector picks new entries up on its next image. The dry run counts the stored decisions of the
same content whose verdict the change would flip.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from winnow.banks.hashing import exact_hashes, pdq_hash
from winnow.banks.matcher import MIN_QUALITY
from winnow.banks.model import Action, Bank, HashKind
from winnow.banks.storage import SqliteBankStore
from winnow.errors import ConfigError
from winnow.settings import Limits
from winnow.store import ReviewStore
from winnow.types import Content, ImageItem

__all__ = ["ALLOW_BANK", "BankFeedback", "DryRun", "bank_for", "dry_run", "image_hashes"]

ALLOW_BANK = "review-allow"


def bank_for(outcome: str, category: str) -> tuple[str, Action]:
    """The bank a verdict feeds, and its action."""
    return (ALLOW_BANK, "allow") if outcome == "allow" else (f"review-{category}", "block")


def image_hashes(data: bytes, limits: Limits, meta: str) -> list[tuple[HashKind, str, str]]:
    """Bank rows for an image: exact hashes always, PDQ when the image has enough detail."""
    from winnow.media.load import load_content

    digests = exact_hashes(data)
    rows: list[tuple[HashKind, str, str]] = [
        ("sha256", digests["sha256"], meta),
        ("md5", digests["md5"], meta),
    ]
    item = load_content(Content(meta, data=data), limits)
    if isinstance(item, ImageItem):
        pdq = pdq_hash(item.pixels)
        if pdq.quality >= MIN_QUALITY:
            rows.append(("pdq", pdq.hex, meta))
    return rows


@dataclass(frozen=True, slots=True)
class DryRun:
    bank: str
    flips: int  # stored decisions of this content whose verdict would change
    total: int  # stored decisions of this content
    target: str  # the verdict they would get


def dry_run(reviews: ReviewStore, tenant: str, sha256: str, outcome: str, category: str) -> DryRun:
    bank, action = bank_for(outcome, category)
    flips, total = reviews.count_decisions(tenant, sha256, action)
    return DryRun(bank, flips, total, action)


@dataclass
class BankFeedback:
    """Writes to the banks under ``data_dir`` (one writer at a time in this process)."""

    data_dir: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self, outcome: str, category: str, rows: list[tuple[HashKind, str, str]]
    ) -> tuple[str, int]:
        """Add ``rows`` to the bank for ``outcome``; returns (bank, new entries)."""
        name, action = bank_for(outcome, category)
        with self._lock:
            store = SqliteBankStore.open(self.data_dir)
            try:
                try:
                    store.bank(name)
                except ConfigError:
                    store.create_bank(Bank(name, category, action, description="from review"))
                return name, store.add_entries(name, rows)
            finally:
                store.close()
