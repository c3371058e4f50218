"""Human-readable rendering of outcomes for the terminal."""

from __future__ import annotations

from winnow.types import Evidence, Outcome, Verdict

__all__ = ["render_outcome"]

_MARK = {Verdict.ALLOW: "ALLOW ", Verdict.REVIEW: "REVIEW", Verdict.BLOCK: "BLOCK "}


def _label(label: str, limit: int = 70) -> str:
    one_line = " ".join(label.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def _evidence(e: Evidence) -> str:
    parts = [str(e.locator)]
    if e.snippet:
        parts.append(f'"{_label(e.snippet, 60)}"')
    if e.detail:
        parts.append(f"({e.detail})")
    return " ".join(parts)


def render_outcome(label: str, outcome: Outcome) -> str:
    lines = [_label(label)]
    if outcome.decision is None:
        lines.append(f"  ERROR   {outcome.error}")
        return "\n".join(lines)
    d = outcome.decision
    if not d.hits:
        top = max(d.scores.items(), key=lambda kv: kv[1])
        lines.append(f"  {_MARK[d.verdict]}  highest score: {top[0]} {top[1]:.2f}")
    for hit in d.hits:
        if hit.threshold is None:
            why = f"matched by {hit.detector}"
        else:
            why = f"{hit.score:.2f} >= {hit.action.value} {hit.threshold:.2f}  [{hit.detector}]"
        lines.append(f"  {_MARK[hit.action]}  {hit.category:<16} {why}")
        for e in hit.evidence[:5]:
            lines.append(f"      {_evidence(e)}")
        if len(hit.evidence) > 5:
            lines.append(f"      … {len(hit.evidence) - 5} more")
    facts = [f"{d.ref.media_type.value}", f"policy {d.policy_version}"]
    if "language" in d.info:
        facts.insert(1, f"language {d.info['language']}")
    lines.append("  " + " · ".join(facts))
    return "\n".join(lines)
