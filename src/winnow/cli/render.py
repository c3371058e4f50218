"""Human-readable rendering of outcomes for the terminal."""

from __future__ import annotations

from winnow.segments import format_time
from winnow.types import Evidence, Outcome, Segment, Verdict

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


def _segment(s: Segment) -> str:
    """``02:13–02:19 violence/graphic 0.91 (frame at 02:15)``, or an utterance and what was said."""
    where = f"{format_time(s.start)}–{format_time(s.end)}"
    if s.source == "utterance":
        said = f' "{_label(s.detail, 60)}"' if s.detail else ""
        why = f"(said at {format_time(s.peak_at)}{said})"
    else:
        detail = f' "{_label(s.detail, 50)}"' if s.detail else ""
        why = f"({s.source} at {format_time(s.peak_at)}){detail}"
    return f"{where} {s.category} {s.score:.2f} {why} [{s.action.value}, {s.detector}]"


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
    if d.segments:
        lines.append("  segments:")
        lines.extend(f"    {_segment(s)}" for s in d.segments[:20])
        if len(d.segments) > 20:
            lines.append(f"    … {len(d.segments) - 20} more (--json has them all)")
    facts = [f"{d.ref.media_type.value}", f"policy {d.policy_version}"]
    if "language" in d.info:
        facts.insert(1, f"language {d.info['language']}")
    lines.append("  " + " · ".join(facts))
    return "\n".join(lines)
