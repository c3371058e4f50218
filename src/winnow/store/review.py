"""What the review console keeps: reviewers, review items (with retained content) and the audit log.

A :class:`ReviewItem` is opened for every decision whose verdict is ``review``. Its raw content
(text or image bytes) is kept only until ``expires_at`` (the ``review_retention_days`` setting),
so a reviewer can see it; afterwards only hashes, scores and evidence locators remain. The audit
log is append-only: the interface has no way to change or delete an entry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from winnow.store.records import Event

__all__ = [
    "APPEAL_OUTCOMES",
    "OUTCOMES",
    "ROLES",
    "Appeal",
    "AuditEntry",
    "QueueFilter",
    "Resolution",
    "ReviewItem",
    "ReviewStore",
    "Reviewer",
]

ROLES = ("reviewer", "lead")
"""``reviewer``: decides open items; ``lead``: also sees the escalated queue."""

OUTCOMES = ("allow", "remove", "escalate")
APPEAL_OUTCOMES = ("upheld", "overturned")


@dataclass(frozen=True, slots=True)
class Reviewer:
    id: str
    tenant: str
    username: str
    role: str
    created_at: float
    disabled_at: float | None = None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A decision waiting for (or given) a human verdict. ``status``: open, escalated, resolved."""

    decision_id: str
    tenant: str
    sha256: str
    media_type: str
    source: str
    categories: tuple[str, ...]
    created_at: float
    status: str = "open"
    outcome: str | None = None
    category: str | None = None
    reason: str | None = None
    reviewer_id: str | None = None
    updated_at: float | None = None
    expires_at: float | None = None  # when the retained content is dropped (None: none kept)

    def state(self) -> dict[str, Any]:
        """What the audit log records before and after an action."""
        return {
            "status": self.status,
            "outcome": self.outcome,
            "category": self.category,
            "reason": self.reason,
            "reviewer_id": self.reviewer_id,
        }


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = "open"
    category: str | None = None
    source: str | None = None
    max_age_s: float | None = None  # only items younger than this
    min_age_s: float | None = None  # only items older than this
    limit: int = 100


@dataclass(frozen=True, slots=True)
class Resolution:
    """A reviewer's action on an item; ``detail`` (bank entries added...) goes to the audit log."""

    outcome: str
    category: str | None
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Appeal:
    """A user's appeal of a decision. ``decided_by`` of the item may not decide its appeal."""

    id: str
    tenant: str
    decision_id: str
    reason: str
    user_id: str | None
    created_at: float
    status: str = "open"  # open, upheld, overturned
    decided_by: str | None = None  # the reviewer who resolved the item, if one did
    reviewer_id: str | None = None
    outcome_reason: str | None = None
    decided_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "appeal_id": self.id, "decision_id": self.decision_id, "status": self.status,
            "reason": self.reason, "user_id": self.user_id, "created_at": self.created_at,
            "outcome_reason": self.outcome_reason, "decided_at": self.decided_at,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    tenant: str
    decision_id: str
    reviewer_id: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    at: float


class ReviewStore(ABC):
    """Storage of the review console. Implementation: :class:`~.review_sql.SqlReviewStore`."""

    # Reviewers
    @abstractmethod
    def create_reviewer(
        self, tenant: str, username: str, password_hash: str, role: str
    ) -> Reviewer:
        """Raises :class:`~winnow.errors.ConflictError` when the username is taken."""

    @abstractmethod
    def reviewer_login(self, username: str) -> tuple[Reviewer, str] | None:
        """The live reviewer called ``username`` and their password hash, or None."""

    @abstractmethod
    def get_reviewer(self, reviewer_id: str) -> Reviewer | None:
        """The reviewer (None when unknown or disabled)."""

    @abstractmethod
    def list_reviewers(self, tenant: str | None = None) -> list[Reviewer]: ...

    @abstractmethod
    def disable_reviewer(self, username: str, now: float) -> bool: ...

    # Items
    @abstractmethod
    def open_item(self, item: ReviewItem, text: str | None, data: bytes | None) -> None:
        """Queue ``item`` with its content (kept until ``item.expires_at``); idempotent."""

    @abstractmethod
    def queue(self, tenant: str, filt: QueueFilter, now: float) -> list[ReviewItem]:
        """Items of ``filt.status``, oldest first."""

    @abstractmethod
    def get_item(self, tenant: str, decision_id: str) -> ReviewItem | None: ...

    @abstractmethod
    def item_content(
        self, tenant: str, decision_id: str, now: float
    ) -> tuple[str | None, bytes | None]:
        """The retained (text, bytes); (None, None) when none was kept or it expired."""

    @abstractmethod
    def resolve(
        self,
        tenant: str,
        decision_id: str,
        reviewer_id: str,
        resolution: Resolution,
        now: float,
        events: Sequence[Event] = (),
    ) -> ReviewItem:
        """Apply an action, append it to the audit log and queue ``events`` to the outbox, in
        one transaction. Raises ConflictError when the item is already resolved."""

    @abstractmethod
    def audit(
        self, tenant: str, decision_id: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Audit entries, newest first."""

    @abstractmethod
    def purge_expired(self, now: float) -> int:
        """Drop retained content past its expiry; returns how many items lost theirs."""

    # Appeals
    @abstractmethod
    def create_appeal(
        self, tenant: str, decision_id: str, reason: str, user_id: str | None, now: float
    ) -> Appeal:
        """Raises ConflictError when the decision has an appeal already."""

    @abstractmethod
    def get_appeal(self, tenant: str, appeal_id: str) -> Appeal | None: ...

    @abstractmethod
    def appeals(self, tenant: str, status: str = "open", limit: int = 100) -> list[Appeal]:
        """Appeals of ``status``, oldest first."""

    @abstractmethod
    def decide_appeal(
        self,
        tenant: str,
        appeal_id: str,
        reviewer_id: str,
        outcome: str,
        reason: str,
        now: float,
        events: Sequence[Event] = (),
    ) -> Appeal:
        """Uphold or overturn, with an audit entry and ``events``, in one transaction. Raises
        ConflictError when it is decided already or ``reviewer_id`` decided the item."""

    # Insight
    @abstractmethod
    def verdict_counts(self, tenant: str, since: float) -> list[tuple[int, str, int]]:
        """(day as Unix day number, verdict, decisions) since ``since``."""

    @abstractmethod
    def items_since(self, tenant: str, since: float) -> list[ReviewItem]:
        """Review items opened since ``since`` (any status), oldest first."""

    @abstractmethod
    def audit_since(self, tenant: str, since: float) -> list[AuditEntry]:
        """Audit entries since ``since``, oldest first."""

    @abstractmethod
    def count_decisions(self, tenant: str, sha256: str, verdict_not: str) -> tuple[int, int]:
        """(stored decisions of this content whose verdict is not ``verdict_not``, all of them)."""
