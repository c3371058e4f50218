import pytest

from winnow.policy import CategoryRule, Policy, evaluate
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import (
    ContentRef,
    DetectorResult,
    Evidence,
    Locator,
    MediaType,
    Signal,
    Verdict,
)

REF = ContentRef("0" * 64, MediaType.TEXT, "text/plain", 3)
POLICY = Policy(
    "test@1",
    {
        "hate": CategoryRule(True, 0.5, 0.9),
        "spam": CategoryRule(True, 0.7, None),
        "profanity": CategoryRule(False, 0.1, 0.2),
        "sexual": CategoryRule(True, None, 0.8),
    },
)
EV = (Evidence(Locator.chars(0, 3), "abc", "x"),)


def result(*signals: Signal, detector: str = "test.one", **info: str) -> DetectorResult:
    return DetectorResult(detector, "7", signals, dict(info))


def test_no_results_allows_with_all_scores_zero() -> None:
    d = evaluate(REF, [], POLICY)
    assert d.verdict is Verdict.ALLOW
    assert d.hits == ()
    assert d.scores == {k: 0.0 for k in CATEGORY_KEYS}
    assert d.policy_version == "test@1"
    assert d.detectors == ()


@pytest.mark.parametrize(
    ("score", "verdict", "threshold"),
    [(0.49, Verdict.ALLOW, None), (0.5, Verdict.REVIEW, 0.5), (0.89, Verdict.REVIEW, 0.5),
     (0.9, Verdict.BLOCK, 0.9), (1.0, Verdict.BLOCK, 0.9)],
)  # fmt: skip
def test_thresholds_are_inclusive(score: float, verdict: Verdict, threshold: float | None) -> None:
    d = evaluate(REF, [result(Signal("hate", score, EV))], POLICY)
    assert d.verdict is verdict
    if threshold is None:
        assert d.hits == ()
    else:
        (hit,) = d.hits
        assert hit.threshold == threshold
        assert hit.evidence == EV
        assert hit.detector == "test.one"
        assert "hate score" in hit.reason


def test_only_review_threshold_never_blocks() -> None:
    d = evaluate(REF, [result(Signal("spam", 1.0))], POLICY)
    assert d.verdict is Verdict.REVIEW


def test_only_block_threshold() -> None:
    assert evaluate(REF, [result(Signal("sexual", 0.79))], POLICY).verdict is Verdict.ALLOW
    assert evaluate(REF, [result(Signal("sexual", 0.8))], POLICY).verdict is Verdict.BLOCK


def test_disabled_category_scores_but_never_fires() -> None:
    d = evaluate(REF, [result(Signal("profanity", 0.99))], POLICY)
    assert d.verdict is Verdict.ALLOW
    assert d.scores["profanity"] == 0.99


def test_category_missing_from_policy_never_fires() -> None:
    d = evaluate(REF, [result(Signal("violence", 0.99))], POLICY)
    assert d.verdict is Verdict.ALLOW


def test_highest_score_across_detectors_wins_and_evidence_follows() -> None:
    low = result(Signal("hate", 0.6, EV), detector="test.low")
    high_ev = (Evidence(Locator.whole(), None, "model"),)
    high = result(Signal("hate", 0.95, high_ev), detector="test.high")
    d = evaluate(REF, [low, high], POLICY)
    (hit,) = d.hits
    assert (hit.detector, hit.action, hit.evidence) == ("test.high", Verdict.BLOCK, high_ev)
    assert d.scores["hate"] == 0.95
    assert d.detectors == (("test.high", "7"), ("test.low", "7"))


def test_most_severe_action_is_the_verdict_and_hits_are_ordered() -> None:
    d = evaluate(
        REF, [result(Signal("spam", 0.8), Signal("hate", 0.95), Signal("sexual", 0.1))], POLICY
    )
    assert d.verdict is Verdict.BLOCK
    assert [h.category for h in d.hits] == ["hate", "spam"]


def test_forced_action_fires_without_threshold_and_is_not_escalated() -> None:
    d = evaluate(
        REF, [result(Signal("hate", 1.0, EV, action=Verdict.REVIEW), detector="text.lists")], POLICY
    )
    assert d.verdict is Verdict.REVIEW
    (hit,) = d.hits
    assert hit.threshold is None
    assert "matched" in hit.reason


def test_forced_action_respects_disabled_category() -> None:
    d = evaluate(REF, [result(Signal("profanity", 1.0, action=Verdict.BLOCK))], POLICY)
    assert d.verdict is Verdict.ALLOW
    assert d.scores["profanity"] == 1.0


def test_forced_allow_fires_nothing() -> None:
    d = evaluate(REF, [result(Signal("hate", 1.0, action=Verdict.ALLOW))], POLICY)
    assert d.verdict is Verdict.ALLOW and d.hits == ()


def test_info_is_merged() -> None:
    d = evaluate(REF, [result(language="en"), result(detector="test.two", script="latin")], POLICY)
    assert d.info == {"language": "en", "script": "latin"}


def test_evidence_of_every_detector_over_the_threshold_is_kept() -> None:
    ev2 = (Evidence(Locator.chars(5, 9), "wxyz", "handle"),)
    low = result(Signal("hate", 0.3, (Evidence(Locator.whole()),)), detector="test.low")
    mid = result(Signal("hate", 0.6, ev2), detector="test.mid")
    top = result(Signal("hate", 0.7, EV), detector="test.top")
    (hit,) = evaluate(REF, [low, mid, top], POLICY).hits
    assert hit.detector == "test.top" and hit.score == 0.7
    assert hit.evidence == EV + ev2
