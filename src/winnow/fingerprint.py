"""What a store keeps with a decision so ``winnow rescan`` can redo it without the content.

:func:`stored_results`: each detector's result, snippets dropped (``serialize.result_to_json``).
:func:`content_hashes`: an image's hashes besides its sha256 (``md5``, and the 8 PDQ variants when
``image.hashes`` is enabled), for bank lookups after a bank changes. Never the content itself.
Every path that stores a decision (``POST /v1/moderate``, jobs) should fill both.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from winnow.serialize import result_to_json
from winnow.settings import Limits
from winnow.types import Content, MediaType, Outcome

__all__ = ["HASHES_DETECTOR", "content_hashes", "stored_results"]

HASHES_DETECTOR = "image.hashes"
"""The detector whose results a bank change redoes from the stored hashes."""


def stored_results(outcome: Outcome) -> list[dict[str, Any]]:
    """The detector results of ``outcome`` as a store keeps them (no snippets)."""
    return [result_to_json(r) for r in outcome.results]


def content_hashes(
    content: Content, media_type: str, limits: Limits, pdq: bool
) -> dict[str, Any] | None:
    """An image's ``md5`` and, with ``pdq``, its 8 PDQ variants (``[{"variant", "hash",
    "quality"}]``: a decode and 4 PDQ runs, about 30 ms, none when a bank detector already
    hashed the image: :func:`~winnow.banks.hashing.pdq_variants` caches). None for other media.
    Never raises: what cannot be computed is left out (a rescan then cannot match it)."""
    if media_type != MediaType.IMAGE.value:
        return None
    data = content.data
    if data is None and content.path is not None:
        try:
            data = Path(content.path).read_bytes()
        except OSError:
            return None
    if data is None:
        return None
    out: dict[str, Any] = {"md5": hashlib.md5(data, usedforsecurity=False).hexdigest()}
    if pdq:
        try:
            from winnow.banks.hashing import pdq_variants
            from winnow.media.load import load_content
            from winnow.types import ImageItem

            item = load_content(Content(content.id, data=data), limits)
            if isinstance(item, ImageItem):
                out["pdq"] = [
                    {"variant": v.variant, "hash": v.hex, "quality": v.quality}
                    for v in pdq_variants(item.pixels)
                ]
        except Exception:  # a hash not computed is one a rescan cannot match, no more
            pass
    return out
