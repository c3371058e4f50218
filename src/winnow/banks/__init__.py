"""Known-content hash banks: named lists of PDQ, MD5 and SHA-256 hashes and of videos' vPDQ
hashes, each with a category and an action, matched against every image
(:mod:`winnow.detectors.image_hashes`) and video (:mod:`winnow.detectors.video_hashes`).

* :mod:`~winnow.banks.model`: :class:`Bank`, :class:`Entry`, the explained :class:`Match`.
* :mod:`~winnow.banks.hashing`: PDQ with its 8 dihedral variants, MD5/SHA-256.
* :mod:`~winnow.banks.storage`: the :class:`BankStore` interface, SQLite implementation.
* :mod:`~winnow.banks.index`: multi-index hashing over PDQ codes, with a live delta.
* :mod:`~winnow.banks.formats`: ThreatExchange / HMA hash lists (PDQ hex lines, CSV).
* :mod:`~winnow.banks.matcher`: :class:`BankMatcher`, all banks against one image.
* :mod:`~winnow.banks.vpdq`: vPDQ video hashing (the reference's frames and hashes), its text
  formats, the reference comparison and matched time ranges.
* :mod:`~winnow.banks.video_matcher`: :class:`VideoMatcher`, all banked videos against one.
"""

from __future__ import annotations

from winnow.banks.matcher import BankMatcher
from winnow.banks.model import DEFAULT_PDQ_THRESHOLD, Bank, Entry, Match
from winnow.banks.storage import BankStore, SqliteBankStore
from winnow.banks.video_matcher import VideoMatcher

__all__ = [
    "DEFAULT_PDQ_THRESHOLD",
    "Bank",
    "BankMatcher",
    "BankStore",
    "Entry",
    "Match",
    "SqliteBankStore",
    "VideoMatcher",
]
