"""Text content: UTF-8 decoding and length limits."""

from __future__ import annotations

import hashlib

from winnow.errors import DecodeError, LimitExceededError
from winnow.settings import Limits
from winnow.types import ContentRef, MediaType, TextItem

__all__ = ["decode_text", "text_item"]


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 bytes (a BOM is dropped); invalid bytes give a :class:`DecodeError`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"cannot decode {name}: invalid UTF-8 at byte {exc.start} of {len(data)}; "
            "re-encode the text as UTF-8"
        ) from None


def text_item(text: str, limits: Limits, name: str = "text") -> TextItem:
    """Wrap ``text`` as a pipeline item, refusing text past ``limits.max_text_chars``."""
    if len(text) > limits.max_text_chars:
        raise LimitExceededError(
            f"{name} is {len(text):,} characters, over the limit of {limits.max_text_chars:,}; "
            "split it or raise limits.max_text_chars"
        )
    encoded = text.encode("utf-8", "surrogatepass")
    ref = ContentRef(
        hashlib.sha256(encoded).hexdigest(), MediaType.TEXT, "text/plain", len(encoded)
    )
    return TextItem(ref, text)
