"""One reviewer action on one item: feedback to the banks, the audit log, the webhook.

``allow`` and ``remove`` resolve the item and send ``review.resolved`` (through the outbox, in
the same transaction as the audit entry); ``escalate`` moves it to the leads' queue. An appeal is upheld or overturned by a reviewer other
than the one who decided the item, and ``appeal.resolved`` goes to webhooks. With
``teach``, an image's hashes go to a bank first (see :mod:`.feedback`) and the audit entry names
the bank and how many entries were new.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from winnow.errors import ConfigError, ConflictError
from winnow.review.feedback import BankFeedback, image_hashes
from winnow.settings import Limits
from winnow.store import Appeal, Event, Resolution, Reviewer, ReviewItem, ReviewStore
from winnow.taxonomy import is_category

__all__ = ["Action", "Reviewing"]


@dataclass(frozen=True, slots=True)
class Action:
    outcome: str  # allow, remove, escalate
    category: str | None = None
    reason: str = ""
    teach: bool = False  # add the image's hashes to a bank


@dataclass
class Reviewing:
    reviews: ReviewStore
    feedback: BankFeedback
    limits: Limits

    def act(self, reviewer: Reviewer, decision_id: str, action: Action) -> ReviewItem:
        item = self.reviews.get_item(reviewer.tenant, decision_id)
        if item is None:
            raise ConfigError(f"no review item {decision_id!r} for your tenant")
        if item.status == "resolved":
            raise ConflictError(f"item {decision_id} was already resolved ({item.outcome})")
        if item.status == "escalated" and reviewer.role != "lead":
            raise ConflictError("an escalated item is decided by a lead")
        category = action.category or (item.categories[0] if item.categories else None)
        if category is not None and not is_category(category):
            raise ConfigError(f"unknown category {category!r}")
        detail: dict[str, object] = {}
        if action.teach and action.outcome in ("allow", "remove") and category is not None:
            detail.update(self._teach(item, action.outcome, category))
        now = time.time()
        resolution = Resolution(action.outcome, category, action.reason.strip()[:2000], detail)
        events = []
        if action.outcome != "escalate":
            events.append(Event("review.resolved", {
                "decision_id": item.decision_id, "sha256": item.sha256,
                "media_type": item.media_type, "outcome": action.outcome, "category": category,
                "reason": resolution.reason, "reviewer": reviewer.username, "resolved_at": now,
                **detail,
            }))  # fmt: skip
        return self.reviews.resolve(
            reviewer.tenant, decision_id, reviewer.id, resolution, now, events
        )

    def rule_on_appeal(
        self, reviewer: Reviewer, appeal_id: str, outcome: str, reason: str
    ) -> Appeal:
        """Uphold or overturn an appeal; ``appeal.resolved`` goes to webhooks."""
        found = self.reviews.get_appeal(reviewer.tenant, appeal_id)
        if found is None:
            raise ConfigError(f"no appeal {appeal_id!r} for your tenant")
        now = time.time()
        event = Event("appeal.resolved", {
            "appeal_id": appeal_id, "decision_id": found.decision_id, "outcome": outcome,
            "reason": reason.strip()[:2000], "user_id": found.user_id,
            "reviewer": reviewer.username, "decided_at": now,
        })  # fmt: skip
        return self.reviews.decide_appeal(
            reviewer.tenant, appeal_id, reviewer.id, outcome, reason.strip()[:2000], now, [event]
        )

    def _teach(self, item: ReviewItem, outcome: str, category: str) -> dict[str, object]:
        if item.media_type != "image":
            return {}
        _, data = self.reviews.item_content(item.tenant, item.decision_id, time.time())
        if data is None:
            raise ConflictError(
                "the image is no longer retained (review_retention_days), so its hashes cannot "
                "be added; decide without adding to a bank"
            )
        rows = image_hashes(data, self.limits, f"review:{item.decision_id}")
        bank, added = self.feedback.add(outcome, category, rows)
        return {"bank": bank, "bank_entries_added": added}
