"""``evaluate(results, policy) -> Decision``: pure, no I/O, fully covered by tests.

Per category, the score is the highest any detector gave it, and a rule that fires carries the
evidence of every detector whose score crossed the same threshold. A category that is disabled never
fires. A signal carrying an ``action`` (an operator list or a hash bank) fires that action by
itself and is not compared with thresholds (an ``allow`` action fires nothing); otherwise the score is compared with the category's ``block`` then ``review`` threshold.
The verdict is the most severe action that fired, ``allow`` when none did.
"""

from __future__ import annotations

from collections.abc import Sequence

from winnow.policy.model import Policy
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import ContentRef, Decision, DetectorResult, RuleHit, Signal, Verdict

__all__ = ["evaluate"]


def evaluate(ref: ContentRef, results: Sequence[DetectorResult], policy: Policy) -> Decision:
    scores = {key: 0.0 for key in CATEGORY_KEYS}
    scored: dict[str, list[tuple[Signal, str]]] = {}
    hits: list[RuleHit] = []
    info: dict[str, str] = {}
    for result in results:
        info.update(result.info)
        for signal in result.signals:
            scores[signal.category] = max(scores.get(signal.category, 0.0), round(signal.score, 4))
            if signal.action is None:
                scored.setdefault(signal.category, []).append((signal, result.detector))
            elif signal.action is not Verdict.ALLOW and policy.rule(signal.category).enabled:
                hits.append(_forced_hit(signal, result.detector))
    for category, candidates in scored.items():
        hit = _threshold_hit(category, candidates, policy)
        if hit is not None:
            hits.append(hit)
    hits.sort(key=lambda h: (-h.action.rank, -h.score, h.category))
    verdict = hits[0].action if hits else Verdict.ALLOW
    detectors = tuple(sorted({(r.detector, r.version) for r in results}))
    return Decision(ref, verdict, scores, tuple(hits), policy.version, detectors, info)


def _forced_hit(signal: Signal, detector: str) -> RuleHit:
    assert signal.action is not None
    return RuleHit(signal.category, signal.action, signal.score, None, detector, signal.evidence)


def _threshold_hit(
    category: str, candidates: list[tuple[Signal, str]], policy: Policy
) -> RuleHit | None:
    """The most severe threshold the best score crosses; the evidence of every detector whose
    score crosses it too comes along (best first), so a reviewer sees all of the reasons."""
    rule = policy.rule(category)
    if not rule.enabled:
        return None
    ranked = sorted(candidates, key=lambda sd: -sd[0].score)
    signal, detector = ranked[0]
    for action, threshold in ((Verdict.BLOCK, rule.block), (Verdict.REVIEW, rule.review)):
        if threshold is not None and signal.score >= threshold:
            evidence = tuple(e for s, _ in ranked if s.score >= threshold for e in s.evidence)
            return RuleHit(category, action, signal.score, threshold, detector, evidence)
    return None
