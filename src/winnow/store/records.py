"""What the store keeps, as frozen records, and the :class:`Store` interface every backend meets.

Every record belongs to one tenant, and every read names the tenant it reads for: a store never
returns another tenant's rows. Raw content is not kept: a decision keeps the content's sha256,
the scores, the rules that fired and where their evidence sits, never the text or the bytes
(evidence snippets are dropped before a decision is stored).
"""

from __future__ import annotations

import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from winnow.fingerprint import stored_results
from winnow.serialize import outcome_to_json, stored_body
from winnow.types import Outcome

__all__ = [
    "EVENTS",
    "SCOPES",
    "ApiKey",
    "Attempt",
    "DecisionRecord",
    "Delivery",
    "DeliveryTask",
    "Event",
    "Store",
    "Webhook",
    "new_id",
]

SCOPES = ("moderate", "review", "admin")
"""``moderate``: submit content and read its decisions; ``review``: read decisions;
``admin``: everything, including webhooks."""

EVENTS = (
    "decision.flagged",
    "decision.changed",
    "job.completed",
    "review.resolved",
    "appeal.resolved",
)
"""Events a webhook may subscribe to (``decision.changed``: ``winnow rescan`` gave a stored
decision another verdict; ``review.resolved``: a reviewer allowed or removed an item;
``appeal.resolved``: an appeal was upheld or overturned)."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as stored: the secret itself is never kept, only its sha256."""

    id: str
    tenant: str
    name: str
    scopes: tuple[str, ...]
    rate_limit: float | None  # requests per second; None: the service default; 0: unlimited
    created_at: float
    revoked_at: float | None = None

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def new_id(prefix: str) -> str:
    """A random, URL-safe id such as ``dec_4f0c...`` (128 bits)."""
    return f"{prefix}_{secrets.token_hex(16)}"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A stored decision. ``body`` is the decision JSON (``winnow.serialize``) without snippets.

    What ``winnow rescan`` needs to re-evaluate it without the content: ``results``, each
    detector's result (``serialize.result_to_json``, no snippets), and ``hashes``, the content's
    other hashes (``md5``; ``pdq``: an image's 8 PDQ variants) for bank lookups. Both are None on
    decisions stored before they were kept. A rescan that changes the verdict stores a new
    decision that ``supersedes`` the old one, whose ``superseded_by`` then names it (kept for
    audit).
    """

    id: str
    tenant: str
    content_id: str | None
    sha256: str
    media_type: str
    verdict: str
    policy_version: str
    created_at: float
    body: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] | None = None
    hashes: dict[str, Any] | None = None
    supersedes: str | None = None
    superseded_by: str | None = None

    @classmethod
    def of(
        cls, outcome: Outcome, tenant: str, hashes: dict[str, Any] | None = None
    ) -> DecisionRecord:
        """What is stored of ``outcome``'s decision (``POST /v1/moderate`` and jobs alike): no
        content or snippets; detector results and ``hashes`` for ``winnow rescan``."""
        decision = outcome.decision
        assert decision is not None
        return cls(
            id=new_id("dec"),
            tenant=tenant,
            content_id=outcome.content_id or None,
            sha256=decision.ref.sha256,
            media_type=decision.ref.media_type.value,
            verdict=decision.verdict.value,
            policy_version=decision.policy_version,
            created_at=time.time(),
            body=stored_body(outcome_to_json(outcome)),
            results=stored_results(outcome),
            hashes=hashes,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "decision_id": self.id,
            "id": self.content_id,
            **self.body,
            "verdict": self.verdict,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "policy_version": self.policy_version,
            "error": None,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """Something webhooks may be told about, written to the outbox with what caused it."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    tenant: str
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one webhook: its ``id`` is the ``webhook-id`` header, stable across retries."""

    id: str
    tenant: str
    webhook_id: str
    event: str
    status: str  # pending, delivered, failed
    attempts: int
    created_at: float
    next_attempt_at: float | None
    delivered_at: float | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryTask:
    """A claimed delivery with what sending it needs."""

    id: str
    url: str
    secret: str
    payload: str
    attempts: int
    created_at: float


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: str
    attempted_at: float
    status_code: int | None
    error: str | None
    duration_ms: float


class Store(ABC):
    """Storage of keys, decisions, webhooks and their outbox. Implementations: :mod:`.sql`."""

    @abstractmethod
    def migrate(self) -> None:
        """Bring the schema up to date (idempotent; safe with several processes)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise :class:`~winnow.errors.StoreError` when the database cannot be reached."""

    @abstractmethod
    def close(self) -> None: ...

    # Keys
    @abstractmethod
    def create_key(
        self, tenant: str, name: str, scopes: Sequence[str], rate_limit: float | None = None
    ) -> tuple[ApiKey, str]:
        """Create a key; returns it and its secret, which is shown once and never stored."""

    @abstractmethod
    def list_keys(self, tenant: str | None = None) -> list[ApiKey]: ...

    @abstractmethod
    def revoke_key(self, key_id: str) -> bool:
        """Revoke a key; False when no such live key."""

    @abstractmethod
    def key_for_secret(self, secret: str) -> ApiKey | None:
        """The live key whose secret this is, or None."""

    # Decisions
    @abstractmethod
    def save_decision(self, record: DecisionRecord, events: Sequence[Event] = ()) -> None:
        """Store ``record`` and, in the same transaction, one outbox delivery per subscribed
        webhook of its tenant for each of ``events``."""

    @abstractmethod
    def get_decision(self, tenant: str, decision_id: str) -> DecisionRecord | None: ...

    @abstractmethod
    def find_decisions(
        self,
        tenant: str,
        sha256: str | None = None,
        content_id: str | None = None,
        limit: int = 100,
    ) -> list[DecisionRecord]:
        """Newest first."""

    @abstractmethod
    def current_decisions(
        self,
        tenant: str | None,
        since: float | None = None,
        until: float | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 500,
    ) -> list[DecisionRecord]:
        """Decisions no rescan has superseded, created in [``since``, ``until``), oldest first
        and after the ``(created_at, id)`` key ``after`` (to page through them). ``tenant``
        None reads every tenant's: for operator tools (``winnow rescan``), never for the API."""

    @abstractmethod
    def supersede_decision(
        self, old_id: str, record: DecisionRecord, events: Sequence[Event] = ()
    ) -> bool:
        """Store ``record`` as the successor of ``record.tenant``'s decision ``old_id``, mark the
        old one ``superseded_by`` it, and queue ``events``, in one transaction. False (and
        nothing written) when ``old_id`` does not exist or is already superseded."""

    @abstractmethod
    def forget(
        self, tenant: str, content_id: str | None = None, user_id: str | None = None
    ) -> dict[str, int]:
        """Delete, in one transaction, everything ``tenant`` holds about a content id (its
        decisions, their review items with retained content, audit entries, appeals, job
        items and the webhook deliveries that carry them) and/or an external user id (the
        appeals filed with it). Returns the rows deleted per table."""

    # Webhooks and their outbox
    @abstractmethod
    def create_webhook(self, tenant: str, url: str, events: Sequence[str]) -> Webhook:
        """Raises :class:`~winnow.errors.ConflictError` when the tenant has this URL already."""

    @abstractmethod
    def list_webhooks(self, tenant: str) -> list[Webhook]: ...

    @abstractmethod
    def delete_webhook(self, tenant: str, webhook_id: str) -> bool: ...

    @abstractmethod
    def claim_deliveries(self, now: float, limit: int, lease_s: float) -> list[DeliveryTask]:
        """Pending deliveries due by ``now``, leased for ``lease_s`` so no one else sends them."""

    @abstractmethod
    def record_attempt(
        self,
        attempt: Attempt,
        delivered: bool,
        next_attempt_at: float | None,
    ) -> None:
        """Log an attempt; mark delivered, reschedule at ``next_attempt_at``, or (None) fail."""

    @abstractmethod
    def list_deliveries(
        self, tenant: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[Delivery]: ...

    @abstractmethod
    def get_delivery(self, tenant: str, delivery_id: str) -> Delivery | None: ...

    @abstractmethod
    def list_attempts(self, tenant: str, delivery_id: str) -> list[Attempt]: ...

    @abstractmethod
    def replay_delivery(self, tenant: str, delivery_id: str, now: float) -> bool:
        """Queue a delivery again now, with the same ``webhook-id``; False when not found."""

    @abstractmethod
    def pending_deliveries(self) -> int:
        """Deliveries waiting to be sent (the outbox depth)."""
