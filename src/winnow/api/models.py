"""Wire models (pydantic) of the API: what goes in and out, as the OpenAPI document shows it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "NAME_PATTERN",
    "ActivateIn",
    "AttemptOut",
    "BankIn",
    "BankList",
    "BankOut",
    "DecisionList",
    "DecisionOut",
    "DeliveryDetail",
    "DeliveryList",
    "DeliveryOut",
    "EffectivePolicy",
    "EntriesAdded",
    "EntriesIn",
    "EntryIn",
    "EntryOut",
    "EntryPage",
    "ErrorOut",
    "EvidenceOut",
    "ListIn",
    "ListList",
    "ListOut",
    "ListSummary",
    "MatchOut",
    "ModerateJson",
    "PolicyIn",
    "PolicyList",
    "PolicyOut",
    "RetentionIn",
    "RuleIn",
    "RuleOut",
    "WebhookCreated",
    "WebhookIn",
    "WebhookList",
    "WebhookOut",
]


class ModerateJson(BaseModel):
    """Text, or an image as base64: exactly one of ``text`` and ``image_base64``."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None, max_length=512, pattern="^[^\x00]*$", description="Your id for the content."
    )
    text: str | None = Field(None, description="Text to moderate (UTF-8).")
    image_base64: str | None = Field(None, description="An image file's bytes, base64-encoded.")

    @model_validator(mode="after")
    def _exactly_one(self) -> ModerateJson:
        if (self.text is None) == (self.image_base64 is None):
            raise ValueError("give exactly one of 'text' and 'image_base64'")
        return self


class EvidenceOut(BaseModel):
    locator: dict[str, Any] = Field(
        description="kind (chars|box|time|frame|whole), start, end, box."
    )
    snippet: str | None = Field(
        description="The content at the locator; only in the moderation response, never stored."
    )
    detail: str | None


class MatchOut(BaseModel):
    category: str
    action: Literal["allow", "review", "block"]
    score: float
    threshold: float | None
    detector: str
    reason: str
    evidence: list[EvidenceOut]


class DecisionOut(BaseModel):
    """The ``winnow scan`` line shape, plus the stored decision's id and time."""

    decision_id: str
    id: str | None = Field(description="Your id for the content, as sent.")
    verdict: Literal["allow", "review", "block"]
    scores: dict[str, float] = Field(description="Every taxonomy category, 0.0-1.0.")
    matches: list[MatchOut]
    error: None = None
    sha256: str
    media_type: Literal["text", "image", "video", "audio"]
    policy_version: str
    language: str | None = None
    detectors: dict[str, str] = Field(description="Detector name → version.")
    created_at: float = Field(description="Unix time.")


class DecisionList(BaseModel):
    decisions: list[DecisionOut]


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str = Field(description="What happened and what to do about it.")
    details: list[dict[str, str]] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="Where to POST events (http or https).")
    events: list[
        Literal[
            "decision.flagged",
            "decision.changed",
            "job.completed",
            "review.resolved",
            "appeal.resolved",
        ]
    ] = Field(min_length=1)


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: float


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signing secret (Standard Webhooks, whsec_...). Shown only this once."
    )


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: str = Field(description="The webhook-id header: the same on every attempt.")
    webhook_id: str
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: float
    next_attempt_at: float | None
    delivered_at: float | None
    last_error: str | None


class AttemptOut(BaseModel):
    attempted_at: float
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryDetail(DeliveryOut):
    log: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


# -- tenants' configuration: policies, lists, banks ------------------------------------------

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@+\-]{0,99}$"
"""Policy versions and list names (they appear in URLs): a letter or digit, then up to 99
letters, digits or ``_ . : @ + -``."""


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    review: float | None = Field(None, ge=0, le=1, description="Review at or above this score.")
    block: float | None = Field(None, ge=0, le=1, description="Block at or above this score.")


class RetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    review_content_days: float | None = Field(
        None, ge=0, le=3650, description="Days review content is kept (0: none)."
    )


class PolicyIn(BaseModel):
    """A policy version: the policy file's keys, as JSON. Categories left out keep the
    service's rules."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(pattern=NAME_PATTERN, description="Unique per tenant; never reused.")
    description: str = Field("", max_length=2000)
    categories: dict[str, RuleIn] = Field(default_factory=dict, max_length=64)
    retention: RetentionIn | None = None


class RuleOut(BaseModel):
    enabled: bool
    review: float | None
    block: float | None


class PolicyOut(BaseModel):
    version: str
    description: str
    document: dict[str, Any] = Field(description="The version as sent.")
    created_at: float
    active: bool = Field(description="Moderation of this tenant's content uses it now.")


class PolicyList(BaseModel):
    policies: list[PolicyOut] = Field(description="Newest first.")


class EffectivePolicy(BaseModel):
    """The policy in force for this tenant's moderation."""

    version: str
    source: Literal["tenant", "service"] = Field(
        description="'tenant': a version set through this API; 'service': the service's policy."
    )
    rules: dict[str, RuleOut] = Field(description="Every category, after layering.")
    review_content_days: float | None


class ActivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(
        pattern=NAME_PATTERN, description="A version of this tenant's, or null for the service's."
    )


class ListIn(BaseModel):
    """A block or allow list (the list file's keys, as JSON; the name is in the URL)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["block", "allow"] = "block"
    category: str | None = Field(None, description="A taxonomy category (block lists).")
    action: Literal["allow", "review", "block"] | None = Field(
        None, description="Force this verdict on a match; else a match scores 1.0."
    )
    terms: list[str] = Field(default_factory=list, max_length=50_000)
    regex: list[str] = Field(default_factory=list, max_length=200)


class ListOut(BaseModel):
    name: str
    kind: Literal["block", "allow"]
    category: str | None
    action: Literal["allow", "review", "block"] | None
    terms: list[str]
    regex: list[str]
    created_at: float
    updated_at: float


class ListSummary(BaseModel):
    name: str
    kind: Literal["block", "allow"]
    category: str | None
    action: Literal["allow", "review", "block"] | None
    terms: int = Field(description="How many terms.")
    regex: int = Field(description="How many regular expressions.")
    updated_at: float


class ListList(BaseModel):
    lists: list[ListSummary]


class BankIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
    category: str = Field(description="The taxonomy category a match is reported in.")
    action: Literal["review", "block", "allow"] = Field(
        "review", description="'allow': a match suppresses this tenant's other banks' matches."
    )
    pdq_threshold: int = Field(31, ge=0, le=63, description="Largest PDQ distance (of 256).")
    description: str = Field("", max_length=2000, pattern="^[^\x00]*$")


class BankOut(BaseModel):
    name: str
    category: str
    action: Literal["review", "block", "allow"]
    pdq_threshold: int
    description: str
    created_at: float
    entries: int


class BankList(BaseModel):
    banks: list[BankOut]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["pdq", "md5", "sha256"] = Field(
        description="pdq: 64 hex digits; md5: 32; sha256: 64 (of the file's bytes)."
    )
    value: str = Field(max_length=64)
    metadata: str = Field(
        "", max_length=1000, pattern="^[^\x00]*$", description="Free text: source, case id, tags."
    )


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] = Field(min_length=1, max_length=10_000)


class EntriesAdded(BaseModel):
    added: int = Field(description="New entries.")
    skipped: int = Field(description="Entries the bank had already.")
    entries: int = Field(description="Entries in the bank now.")


class EntryOut(BaseModel):
    id: int = Field(description="Named in a match's evidence: 'bank NAME entry ID'.")
    kind: Literal["pdq", "md5", "sha256"]
    value: str
    metadata: str
    created_at: float


class EntryPage(BaseModel):
    entries: list[EntryOut]
    next_after: int | None = Field(description="Pass as 'after' for the next page; null: done.")
