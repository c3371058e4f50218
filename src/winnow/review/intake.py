"""Which decisions open a review item, and what of their content is retained for the reviewer.

Raw content is not stored by default. A decision whose verdict is ``review`` is the exception: its
text or image bytes are kept for ``review_retention_days`` (default 7; 0 keeps nothing, and the
reviewer sees only scores and evidence locators), then dropped. Video and audio are not retained.
"""

from __future__ import annotations

from winnow.store import DecisionRecord, ReviewItem
from winnow.types import Content

__all__ = ["categories_of", "review_item"]


def categories_of(record: DecisionRecord) -> tuple[str, ...]:
    """The categories whose rules sent the decision to review (all flagged ones if none did)."""
    matches = record.body.get("matches", [])
    review = [m["category"] for m in matches if m.get("action") == "review"]
    return tuple(dict.fromkeys(review or [m["category"] for m in matches]))


def review_item(
    record: DecisionRecord,
    content: Content,
    source: str,
    retention_s: float,
    max_bytes: int,
) -> tuple[ReviewItem, str | None, bytes | None]:
    """The item to queue for ``record`` and the content to keep with it (None: keep nothing)."""
    text: str | None = None
    data: bytes | None = None
    if retention_s > 0 and record.media_type == "text":
        text = content.text
    elif retention_s > 0 and record.media_type == "image" and content.data is not None:
        data = content.data if len(content.data) <= max_bytes else None
    keep = text is not None or data is not None
    item = ReviewItem(
        decision_id=record.id,
        tenant=record.tenant,
        sha256=record.sha256,
        media_type=record.media_type,
        source=source,
        categories=categories_of(record),
        created_at=record.created_at,
        expires_at=record.created_at + retention_s if keep else None,
    )
    return item, text, data
