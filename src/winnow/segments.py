"""Segments: the time ranges of a video or audio item where a category kept firing.

A pure function over the findings lifted onto the item (:func:`build_segments`). Each derived
item the pipeline sampled (a frame at ``t``, an utterance from ``start`` to ``end``) is a
:class:`Sample`; a sample has a finding in a category when a signal located there crosses the
policy's review or block threshold, or carries an action of its own (a hash bank match).
Consecutive samples of the same kind with findings in the same category make one
:class:`~winnow.types.Segment`: from the first sample's start to the last one's end, with the
peak score, the time of the sample that had it, and the most severe action. A sample without
that finding between two with it splits them. The whole item's verdict is the most severe
segment's action, as :func:`winnow.policy.evaluate` already decides from the same signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from winnow.policy import Policy
from winnow.types import DetectorResult, Evidence, Locator, Segment, Signal, Verdict

__all__ = ["Sample", "build_segments", "format_time"]

_LOOSE = "time"
"""The kind given to time-located evidence that is at no sample; such findings never merge."""


@dataclass(frozen=True, slots=True)
class Sample:
    """A derived item the pipeline moderated: its kind (``frame``, ``utterance``) and where."""

    label: str
    origin: Locator


@dataclass(slots=True)
class _Finding:
    score: float
    action: Verdict
    detector: str
    evidence: Evidence


def _action(signal: Signal, policy: Policy) -> Verdict | None:
    rule = policy.rule(signal.category)
    if not rule.enabled:
        return None
    if signal.action is not None:
        return None if signal.action is Verdict.ALLOW else signal.action
    for action, threshold in ((Verdict.BLOCK, rule.block), (Verdict.REVIEW, rule.review)):
        if threshold is not None and signal.score >= threshold:
            return action
    return None


def build_segments(
    results: Iterable[DetectorResult], policy: Policy, samples: Sequence[Sample]
) -> tuple[Segment, ...]:
    """Merge the time-located findings in ``results`` into segments, ordered by start time."""
    # Where each sample sits in its kind's timeline.
    times: dict[str, list[tuple[float, float]]] = {}
    for s in samples:
        if s.origin.kind == "time" and s.origin.start is not None:
            times.setdefault(s.label, []).append(_span(s.origin))
    position: dict[tuple[float, float], tuple[str, int]] = {}
    for label, spans in times.items():
        spans[:] = sorted(set(spans))
        for k, span in enumerate(spans):
            position.setdefault(span, (label, k))
    # The best finding per (category, sample).
    found: dict[tuple[str, str, int], _Finding] = {}
    for result in results:
        for signal in result.signals:
            action = _action(signal, policy)
            if action is None:
                continue
            for e in signal.evidence:
                if e.locator.kind != "time" or e.locator.start is None:
                    continue
                span = _span(e.locator)
                if span not in position:  # located in time but not at a sample: on its own
                    position[span] = (_LOOSE, len(position))
                label, k = position[span]
                key = (signal.category, label, k)
                best = found.get(key)
                if best is None or (action.rank, signal.score) > (best.action.rank, best.score):
                    found[key] = _Finding(signal.score, action, result.detector, e)
    return _merge(found)


def _merge(found: dict[tuple[str, str, int], _Finding]) -> tuple[Segment, ...]:
    runs: dict[tuple[str, str], list[int]] = {}
    for category, label, k in found:
        runs.setdefault((category, label), []).append(k)
    segments: list[Segment] = []
    for (category, label), ks in runs.items():
        ks.sort()
        group: list[int] = [ks[0]]
        for k in ks[1:]:
            if k == group[-1] + 1 and label != _LOOSE:
                group.append(k)
                continue
            segments.append(_segment(category, label, group, found))
            group = [k]
        segments.append(_segment(category, label, group, found))
    segments.sort(key=lambda s: (s.start, s.category, s.source))
    return tuple(segments)


def _segment(
    category: str,
    label: str,
    group: list[int],
    found: dict[tuple[str, str, int], _Finding],
) -> Segment:
    findings = [found[(category, label, k)] for k in group]
    peak = max(findings, key=lambda f: (f.score, f.action.rank))
    action = max((f.action for f in findings), key=lambda a: a.rank)
    first, last = findings[0].evidence.locator, findings[-1].evidence.locator
    start, end = _span(first)[0], _span(last)[1]
    detail = peak.evidence.snippet or peak.evidence.detail
    return Segment(
        category=category,
        start=start,
        end=end,
        score=round(peak.score, 4),
        peak_at=_span(peak.evidence.locator)[0],
        source=label,
        detector=peak.detector,
        action=action,
        detail=detail,
    )


def _span(locator: Locator) -> tuple[float, float]:
    start = float(locator.start or 0.0)
    return start, float(locator.end if locator.end is not None else start)


def format_time(seconds: float) -> str:
    """``MM:SS`` (``H:MM:SS`` past an hour), as players show it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
