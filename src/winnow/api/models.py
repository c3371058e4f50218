"""Wire models (pydantic) of the API: what goes in and out, as the OpenAPI document shows it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AttemptOut",
    "DecisionList",
    "DecisionOut",
    "DeliveryDetail",
    "DeliveryList",
    "DeliveryOut",
    "ErrorOut",
    "EvidenceOut",
    "MatchOut",
    "ModerateJson",
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
