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

from winnow.types import (
    Decision,
    DetectorResult,
    Evidence,
    Locator,
    MediaType,
    Outcome,
    RuleHit,
    Segment,
    Signal,
    Verdict,
)

__all__ = [
    "decision_to_json",
    "error_line",
    "hit_to_json",
    "outcome_to_json",
    "result_from_json",
    "result_to_json",
    "segment_to_json",
    "stored_body",
]


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


def stored_body(line: dict[str, Any]) -> dict[str, Any]:
    """What a store keeps of a decision line: scores, matches without snippets, language,
    detectors (never the content: evidence snippets are dropped)."""
    matches = [
        {**m, "evidence": [{**e, "snippet": None} for e in m["evidence"]]} for m in line["matches"]
    ]
    return {
        "scores": line["scores"],
        "matches": matches,
        "language": line.get("language"),
        "detectors": line.get("detectors", {}),
    }


def result_to_json(result: DetectorResult, snippets: bool = False) -> dict[str, Any]:
    """One detector's result: its name, version, info, and every signal with its evidence.
    Snippets (the content itself) are dropped unless ``snippets``: this is what a store keeps
    so a decision can be re-evaluated under another policy without the content."""
    return {
        "detector": result.detector,
        "version": result.version,
        "info": dict(result.info),
        "signals": [
            {
                "category": s.category,
                "score": s.score,
                "action": s.action.value if s.action is not None else None,
                "evidence": [
                    {**e.to_json(), "snippet": e.snippet if snippets else None} for e in s.evidence
                ],
            }
            for s in result.signals
        ],
    }


def result_from_json(doc: dict[str, Any]) -> DetectorResult:
    """The inverse of :func:`result_to_json`."""
    signals = tuple(
        Signal(
            str(s["category"]),
            float(s["score"]),
            tuple(_evidence(e) for e in s.get("evidence", ())),
            Verdict(s["action"]) if s.get("action") else None,
        )
        for s in doc.get("signals", ())
    )
    info = {str(k): str(v) for k, v in doc.get("info", {}).items()}
    return DetectorResult(str(doc["detector"]), str(doc["version"]), signals, info)


def _evidence(doc: dict[str, Any]) -> Evidence:
    loc = doc.get("locator", {})
    box = loc.get("box")
    locator = Locator(
        loc.get("kind", "whole"),
        loc.get("start"),
        loc.get("end"),
        (int(box[0]), int(box[1]), int(box[2]), int(box[3])) if box else None,
    )
    return Evidence(locator, doc.get("snippet"), doc.get("detail"))
