import json
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import KeywordDetector
from winnow.errors import InputError
from winnow.evalreport import render_html
from winnow.evaluate import EvalRow, Scored, evaluate_rows, read_eval_jsonl, score_rows
from winnow.pipeline import Pipeline
from winnow.policy import CategoryRule, Policy, default_policy
from winnow.taxonomy import CATEGORY_KEYS

HATE = CATEGORY_KEYS.index("hate")


def scored_for(rows: list[EvalRow], hate_scores: list[float], flagged: list[bool]) -> Scored:
    scores = np.zeros((len(rows), len(CATEGORY_KEYS)))
    scores[:, HATE] = hate_scores
    return Scored(scores, np.array(flagged), [r.lang or "en" for r in rows], 0)


def test_metrics_by_hand() -> None:
    rows = [
        EvalRow("a", {"hate": 1}, "en"),
        EvalRow("b", {"hate": 1}, "en"),
        EvalRow("c", {"hate": 0}, "en"),
        EvalRow("d", {"hate": 0}, "en"),
        EvalRow("e", {"spam": 1}, "en"),  # hate unknown: excluded from hate metrics
    ]
    policy = Policy("p@1", {"hate": CategoryRule(True, 0.5, 0.9)})
    report = evaluate_rows(
        rows, scored_for(rows, [0.95, 0.4, 0.6, 0.1, 0.99], [True] * 5), policy, min_rows=1
    )
    hate = report["categories"]["hate"]
    assert (hate["rows"], hate["positives"], hate["negatives"]) == (4, 2, 2)
    assert hate["roc_auc"] == 0.75
    at = hate["at_review"]
    assert (at["precision"], at["recall"], at["fpr"], at["f1"]) == (0.5, 0.5, 0.5, 0.5)
    assert hate["at_block"]["precision"] == 1.0 and hate["at_block"]["recall"] == 0.5
    assert "spam" in report["categories"] and report["categories"]["spam"]["auprc"] is None
    assert report["any_unsafe"]["positives"] == 2  # the spam row is not an unsafe positive
    assert hate["calibration"]["bins"]


def test_identity_report_counts_benign_mentions() -> None:
    rows = [EvalRow(f"I am a muslim {i}", {"hate": 0}) for i in range(10)]
    rows += [EvalRow(f"nice weather {i}", {"hate": 0}) for i in range(30)]
    flagged = [i < 2 for i in range(10)] + [i < 3 for i in range(30)]
    report = evaluate_rows(rows, scored_for(rows, [0.0] * 40, flagged), default_policy())
    ident = report["identity"]
    assert ident["overall_benign_fpr"] == pytest.approx(5 / 40)
    assert ident["groups"]["muslim"] == {"benign_rows": 10, "fpr": 0.2, "ratio_to_overall": 1.6}
    assert ident["groups_over_1_25x"] == ["muslim"]


def test_score_rows_runs_the_pipeline_and_html_renders() -> None:
    rows = [EvalRow("HATEFUL words", {"hate": 1}), EvalRow("kind words", {"hate": 0})] * 20
    pipe = Pipeline([KeywordDetector()], default_policy())
    scored = score_rows(pipe, rows, batch=7)
    assert scored.flagged.tolist() == [True, False] * 20
    assert scored.languages[:2] == ["en", "en"]
    report = evaluate_rows(rows, scored, pipe.policy)
    assert report["categories"]["hate"]["auprc"] == 1.0
    assert report["categories"]["hate"]["languages"]["en"]["auprc"] == 1.0
    page = render_html(report, rows, scored)
    assert "<svg" in page and "hate" in page


def test_read_eval_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        json.dumps({"text": "x", "labels": {"hate": 1, "bogus": 1}, "lang": "en"}) + "\n"
    )
    (row,) = read_eval_jsonl(path)
    assert row.labels == {"hate": 1} and row.lang == "en"
    path.write_text('{"labels": {}}\n')
    with pytest.raises(InputError, match="expected"):
        read_eval_jsonl(path)
    path.write_text("\n")
    with pytest.raises(InputError, match="no rows"):
        read_eval_jsonl(path)
