"""Segments: consecutive sampled frames/utterances with the same finding, merged."""

from __future__ import annotations

from winnow.policy import load_policy
from winnow.segments import Sample, build_segments, format_time
from winnow.types import DetectorResult, Evidence, Locator, Signal, Verdict

POLICY = load_policy(None)  # default: violence/graphic, advertising... with review thresholds


def at(t: float, end: float | None = None) -> Locator:
    return Locator("time", start=t, end=t if end is None else end)


def frames(*times: float) -> list[Sample]:
    return [Sample("frame", at(t)) for t in times]


def signal(category: str, score: float, t: float, action: Verdict | None = None,
           end: float | None = None, snippet: str | None = None) -> Signal:  # fmt: skip
    return Signal(category, score, (Evidence(at(t, end), snippet, "frame"),), action)


def result(*signals: Signal, detector: str = "image.safety") -> DetectorResult:
    return DetectorResult(detector, "1", signals)


def test_consecutive_frames_merge_and_a_clean_frame_splits() -> None:
    results = [result(signal("violence/graphic", s, t))
               for t, s in [(3, 0.8), (4, 0.95), (5, 0.7), (7, 0.9), (6, 0.1)]]  # fmt: skip
    segments = build_segments(results, POLICY, frames(*range(10)))
    assert [(s.start, s.end, s.score, s.peak_at) for s in segments] == [
        (3.0, 5.0, 0.95, 4.0), (7.0, 7.0, 0.9, 7.0)
    ]  # fmt: skip
    assert segments[0].duration == 2.0 and segments[0].source == "frame"
    assert segments[0].action is Verdict.BLOCK and segments[0].detector == "image.safety"


def test_scores_below_review_are_not_findings_and_categories_stay_apart() -> None:
    rule = POLICY.rule("advertising")
    assert rule.review is not None
    results = [
        result(signal("advertising", rule.review - 0.01, 1)),
        result(signal("advertising", rule.review, 2), signal("violence/graphic", 0.9, 2)),
        result(signal("advertising", 0.99, 3, snippet="https://x.example")),
    ]
    segments = build_segments(results, POLICY, frames(0, 1, 2, 3, 4))
    assert [(s.category, s.start, s.end) for s in segments] == [
        ("advertising", 2.0, 3.0), ("violence/graphic", 2.0, 2.0)
    ]  # fmt: skip
    assert segments[0].detail == "https://x.example" and segments[0].peak_at == 3.0


def test_irregular_sampling_scene_frames_are_consecutive_too() -> None:
    results = [result(signal("violence/graphic", 0.9, t)) for t in (2.0, 2.4, 3.0)]
    segments = build_segments(results, POLICY, frames(0, 1, 2, 2.4, 3, 4))
    assert [(s.start, s.end) for s in segments] == [(2.0, 3.0)]


def test_utterances_span_their_own_times_and_do_not_merge_with_frames() -> None:
    samples = [Sample("utterance", at(0.5, 2.0)), Sample("utterance", at(2.5, 4.0)),
               Sample("utterance", at(4.2, 5.5)),  # said nothing that fired: splits
               Sample("utterance", at(6.0, 7.5)), *frames(0, 1, 2, 3)]  # fmt: skip
    results = [
        result(signal("harassment", 0.9, 0.5, end=2.0), signal("harassment", 0.95, 2.5, end=4.0),
               signal("harassment", 0.9, 6.0, end=7.5), detector="text.classifier"),
        result(signal("harassment", 0.9, 1)),
    ]  # fmt: skip
    segments = build_segments(results, POLICY, samples)
    assert [(s.source, s.start, s.end) for s in segments] == [
        ("utterance", 0.5, 4.0), ("frame", 1.0, 1.0), ("utterance", 6.0, 7.5)
    ]  # fmt: skip


def test_forced_actions_count_and_allow_or_disabled_do_not() -> None:
    results = [
        result(signal("sexual/minors", 0.9, 1, action=Verdict.BLOCK), detector="image.hashes"),
        result(signal("sexual/minors", 0.9, 2, action=Verdict.ALLOW), detector="image.hashes"),
        result(signal("not-a-category", 1.0, 3)),
    ]
    segments = build_segments(results, POLICY, frames(1, 2, 3))
    assert [(s.category, s.start, s.action) for s in segments] == [
        ("sexual/minors", 1.0, Verdict.BLOCK)
    ]


def test_evidence_not_at_a_sample_stands_alone_and_other_locators_are_ignored() -> None:
    loose = [result(signal("violence/graphic", 0.9, t)) for t in (5.0, 6.0)]
    boxed = result(Signal("violence/graphic", 0.9, (Evidence(Locator.whole()),)))
    segments = build_segments([*loose, boxed], POLICY, [])
    assert [(s.start, s.end) for s in segments] == [(5.0, 5.0), (6.0, 6.0)]


def test_format_time() -> None:
    assert [format_time(t) for t in (0, 5.9, 133, 3725)] == ["00:00", "00:05", "02:13", "1:02:05"]
