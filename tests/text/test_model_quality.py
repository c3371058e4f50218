"""The real bundled text model, on held-out data and on the hard cases the product must get right.

These assertions can fail: they hold the shipped model to its measured quality (see
docs/model-card-text.md). Marked ``model``; the sample from ../shared/data is also ``data``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from winnow.pipeline import Pipeline
from winnow.settings import Settings
from winnow.types import Content, Verdict

pytestmark = pytest.mark.model

SHARED_TEXT = Path(__file__).resolve().parents[3] / "shared" / "data" / "text"
SEEDS = Path(__file__).resolve().parents[2] / "data" / "seed"


@cache
def pipeline() -> Pipeline:
    return Pipeline.from_settings(Settings(detectors=["text.rules", "text.classifier"]))


def decide(*texts: str) -> list[tuple[Verdict, dict[str, float], str]]:
    out = pipeline().run([Content(str(i), text=t) for i, t in enumerate(texts)])
    result = []
    for o in out:
        assert o.decision is not None, o.error
        result.append((o.decision.verdict, o.decision.scores, o.decision.info.get("language", "")))
    return result


BENIGN = [
    "I am a Muslim and today is the first day of Ramadan.",
    "I am Uyghur and our food is amazing.",
    "My wife is Black and my best friend is Jewish.",
    "As a gay man I am proud of our community centre.",
    "kill -9 the stuck process, then restart the worker",
    "We finally killed the boss on level 9!",
    "Police arrested two men suspected of planning an attack, the ministry said.",
    "One year clean from self-harm today. If you're struggling, please reach out.",
    "Regular breast self-exams and mammograms help detect cancer early.",
    "我是维吾尔族人，新疆大盘鸡很好吃。",
    "我是回族，今天开斋节，祝大家节日快乐。",
    "Ich bin Muslim und heute beginnt der Ramadan.",
    "What a lovely day in the park with the kids.",
    "Thanks for fixing my bike, you're a brilliant mechanic.",
]

HARMFUL = [
    ("I know where you live and I am going to kill you and your family.", "violence"),
    (
        "Join the soldiers of the caliphate, the martyrs of the Islamic State are waiting for you.",
        "extremism",
    ),
    ("I don't want to be alive anymore, I've written my goodbye letters tonight.", "self-harm"),
    ("You are a worthless idiot and everyone at school hates you.", "harassment"),
    # A 3-layer encoder scored this 0.46 and let it through (docs/model-card-text.md).
    ("You are a worthless idiot.", "harassment"),
    ("河南人都是骗子，滚出我们城市", "hate"),
    ("加微信 wx_8899 兼职日结，低价代购", "advertising"),
]


def test_benign_hard_negatives_are_allowed() -> None:
    flagged = [
        (t, s)
        for t, (v, s, _) in zip(BENIGN, decide(*BENIGN), strict=True)
        if v is not Verdict.ALLOW
    ]
    assert flagged == []


@pytest.mark.parametrize(("text", "category"), HARMFUL)
def test_harmful_examples_are_flagged_in_their_category(text: str, category: str) -> None:
    ((verdict, scores, _),) = decide(text)
    assert verdict is not Verdict.ALLOW
    assert scores[category] >= 0.4, scores


def test_language_is_reported() -> None:
    langs = [
        lang
        for _, _, lang in decide(
            "hello my friend, how are you", "你好，今天天气很好", "Guten Morgen, wie geht es dir?"
        )
    ]
    assert langs == ["en", "zh", "de"]


def test_evidence_span_points_at_the_words() -> None:
    text = "The weather is nice today. I am going to kill you and your whole family tomorrow."
    (o,) = pipeline().run([Content("x", text=text)])
    assert o.decision is not None
    hit = next(h for h in o.decision.hits if h.category == "violence")
    spans = [(e.locator.start, e.locator.end) for e in hit.evidence]
    assert any(text[int(s) : int(e)].startswith("I am going to kill") for s, e in spans), spans
    assert any("kill" in (e.snippet or "") for e in hit.evidence)


@pytest.mark.data
def test_held_out_sample_quality() -> None:
    """About 700 held-out lines (never trained on): any-unsafe AUPRC and calibration hold."""
    if not SHARED_TEXT.is_dir():
        pytest.skip("../shared/data/text is absent")
    from sklearn.metrics import average_precision_score

    from winnow.evaluate import EvalRow, evaluate_rows, score_rows
    from winnow.taxonomy import CATEGORY_KEYS
    from winnow.training.corpus import iter_corpus, split_of
    from winnow.training.text_model import load_seeds

    per_source: dict[str, int] = {}
    rows: list[EvalRow] = []
    for rec in [*iter_corpus(SHARED_TEXT), *load_seeds(SEEDS)]:
        key = rec.source.split("/")[0]
        if split_of(rec.text) != "dev" or per_source.get(key, 0) >= 35:
            continue
        per_source[key] = per_source.get(key, 0) + 1
        rows.append(EvalRow(rec.text, rec.labels, rec.lang))
    scored = score_rows(pipeline(), rows)
    report = evaluate_rows(rows, scored, pipeline().policy)
    assert scored.errors == 0
    any_unsafe = report["any_unsafe"]
    assert any_unsafe["auprc"] >= 0.80, any_unsafe
    assert report["categories"]["hate"]["auprc"] >= 0.70
    # Calibration: among lines scored >= 0.5 for hate, about half or more are hate.
    known = np.array(["hate" in r.labels for r in rows])
    y = np.array([r.labels.get("hate", 0) for r in rows])[known]
    s = scored.scores[known, CATEGORY_KEYS.index("hate")]
    assert y[s >= 0.5].mean() >= 0.5
    assert average_precision_score(y, s) == pytest.approx(
        report["categories"]["hate"]["auprc"], abs=1e-3
    )


def test_evidence_is_found_only_where_the_policy_acts(tmp_path: Path) -> None:
    from winnow.detectors.text_classifier import TextClassifier
    from winnow.media.text import text_item

    policy = tmp_path / "policy.toml"
    policy.write_text('version = "t@1"\n[categories.violence]\nenabled = false\n')
    default = TextClassifier.from_settings(Settings())
    quiet = TextClassifier.from_settings(Settings(policy=policy))
    assert "violence" in default.evidence_floors and "violence" not in quiet.evidence_floors
    assert default.evidence_floors["sexual/minors"] == 0.3  # its review threshold
    assert "profanity" not in default.evidence_floors  # disabled by the default policy
    item = text_item("I am going to kill you and your whole family tomorrow.", Settings().limits)

    def violence_evidence(detector: TextClassifier) -> list[str | None]:
        (result,) = detector.detect_batch([item])
        (signal,) = [s for s in result.signals if s.category == "violence"]
        assert signal.score >= 0.5
        return [e.detail for e in signal.evidence]

    assert "words" in violence_evidence(default)
    assert violence_evidence(quiet) == []
    forced = TextClassifier.from_settings(
        Settings(policy=policy, detector_options={"text.classifier": {"evidence_floor": 0.9}})
    )
    assert set(forced.evidence_floors.values()) == {0.9}
