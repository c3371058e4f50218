"""JSON shapes of outcomes, shared by ``winnow check --json``, ``winnow scan`` and adapters.

The scan line is a stable contract (documented in README.md)::

    {"id": "...", "verdict": "allow|review|block", "scores": {"<category>": 0.0-1.0, ...},
     "matches": [...], "error": null, "sha256": "...", "media_type": "text",
     "policy_version": "...", "language": "en"}

Video and audio lines also carry ``segments``: the time ranges where a category fired, each
``{"category", "start", "end", "duration", "score", "peak_at", "source", "detector", "action",
"detail"}`` with times in seconds (:mod:`winnow.segments`). Every taxonomy category appears in
``scores``. An item that failed has ``verdict`` null, empty
``scores`` and ``matches``, and ``error`` set to a one-line message.
"""

from __future__ import annotations

from typing import Any

from winnow.types import Decision, MediaType, Outcome, RuleHit, Segment

__all__ = ["decision_to_json", "error_line", "hit_to_json", "outcome_to_json", "segment_to_json"]


def hit_to_json(hit: RuleHit) -> dict[str, Any]:
    return {
        "category": hit.category,
        "action": hit.action.value,
        "score": round(hit.score, 4),
        "threshold": hit.threshold,
        "detector": hit.detector,
        "reason": hit.reason,
        "evidence": [e.to_json() for e in hit.evidence],
    }


def segment_to_json(segment: Segment) -> dict[str, Any]:
    return {
        "category": segment.category,
        "start": segment.start,
        "end": segment.end,
        "duration": round(segment.duration, 3),
        "score": segment.score,
        "peak_at": segment.peak_at,
        "source": segment.source,
        "detector": segment.detector,
        "action": segment.action.value,
        "detail": segment.detail,
    }


def decision_to_json(decision: Decision) -> dict[str, Any]:
    out = {
        "verdict": decision.verdict.value,
        "scores": dict(decision.scores),
        "matches": [hit_to_json(h) for h in decision.hits],
        "sha256": decision.ref.sha256,
        "media_type": decision.ref.media_type.value,
        "policy_version": decision.policy_version,
        "language": decision.info.get("language"),
        "detectors": {name: version for name, version in decision.detectors},
    }
    if decision.ref.media_type in (MediaType.VIDEO, MediaType.AUDIO):
        out["segments"] = [segment_to_json(s) for s in decision.segments]
    return out


def error_line(content_id: str, message: str) -> dict[str, Any]:
    return {"id": content_id, "verdict": None, "scores": {}, "matches": [], "error": message}


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    if outcome.decision is None:
        message = str(outcome.error) if outcome.error is not None else "unknown error"
        return error_line(outcome.content_id, message)
    return {"id": outcome.content_id, **decision_to_json(outcome.decision), "error": None}
