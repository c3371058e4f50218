"""``winnow eval``: labelled JSONL → metrics, through the same pipeline as ``scan``.

Input lines: ``{"text": ..., "labels": {"<category>": 0|1, ...}, "lang"?: ..., "group"?: ...}``;
a category missing from ``labels`` is unknown for that line, not 0. Output: per category and per
language AUPRC, ROC-AUC, precision/recall/F1 at the policy's review and block thresholds, FPR on
negatives, a calibration table; the binary "any unsafe" task; and an identity-group report: the
false-positive rate on benign lines that mention each group, against the overall benign rate.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from winnow.errors import InputError
from winnow.pipeline import Pipeline
from winnow.policy import Policy
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import Content

__all__ = ["UNSAFE", "EvalRow", "evaluate_rows", "read_eval_jsonl", "score_rows"]

UNSAFE = tuple(c for c in CATEGORY_KEYS if c not in ("spam", "advertising", "profanity"))
"""Categories in the binary "any unsafe" task (the OpenAI moderation evaluation's sense)."""


@dataclass(frozen=True, slots=True)
class EvalRow:
    text: str
    labels: dict[str, int]
    lang: str | None = None
    group: str | None = None
    source: str | None = None


def read_eval_jsonl(path: Path) -> list[EvalRow]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text, labels = obj["text"], obj.get("labels", {})
                if not isinstance(text, str) or not isinstance(labels, dict):
                    raise TypeError
                clean = {k: int(v) for k, v in labels.items() if k in CATEGORY_KEYS and v in (0, 1)}
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                raise InputError(
                    f'{path}:{lineno}: expected {{"text": str, "labels": {{category: 0|1}}}}'
                ) from None
            rows.append(EvalRow(text, clean, obj.get("lang"), obj.get("group"), obj.get("source")))
    if not rows:
        raise InputError(f"{path} has no rows")
    return rows


@dataclass
class Scored:
    scores: np.ndarray  # (n, C)
    flagged: np.ndarray  # (n,) any UNSAFE category at or over review
    languages: list[str]
    errors: int


def score_rows(
    pipeline: Pipeline,
    rows: Sequence[EvalRow],
    batch: int = 256,
    progress: Callable[[int], None] | None = None,
) -> Scored:
    scores = np.zeros((len(rows), len(CATEGORY_KEYS)))
    flagged = np.zeros(len(rows), dtype=bool)
    languages: list[str] = []
    errors = 0
    unsafe_idx = [CATEGORY_KEYS.index(c) for c in UNSAFE]
    review = _thresholds(pipeline.policy, "review")
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        outcomes = pipeline.run([Content(str(start + i), text=r.text) for i, r in enumerate(chunk)])
        for i, (row, outcome) in enumerate(zip(chunk, outcomes, strict=True)):
            n = start + i
            if outcome.decision is None:
                errors += 1
                languages.append(row.lang or "und")
                continue
            scores[n] = [outcome.decision.scores[c] for c in CATEGORY_KEYS]
            flagged[n] = any(
                review[k] is not None and scores[n, k] >= review[k] for k in unsafe_idx
            )
            languages.append(row.lang or outcome.decision.info.get("language", "und"))
        if progress is not None:
            progress(len(chunk))
    return Scored(scores, flagged, languages, errors)


def _thresholds(policy: Policy, kind: str) -> list[float | None]:
    out: list[float | None] = []
    for c in CATEGORY_KEYS:
        rule = policy.rule(c)
        out.append(getattr(rule, kind) if rule.enabled else None)
    return out


def _binary_metrics(
    y: np.ndarray, s: np.ndarray, thresholds: dict[str, float | None]
) -> dict[str, Any]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    pos, neg = int(y.sum()), int(len(y) - y.sum())
    out: dict[str, Any] = {"rows": len(y), "positives": pos, "negatives": neg}
    both = pos > 0 and neg > 0
    out["auprc"] = _r(average_precision_score(y, s)) if both else None
    out["roc_auc"] = _r(roc_auc_score(y, s)) if both else None
    for name, t in thresholds.items():
        if t is None:
            continue
        pred = s >= t
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = pos - tp
        p = tp / (tp + fp) if tp + fp else None
        r = tp / pos if pos else None
        f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
        out[f"at_{name}"] = {
            "threshold": t,
            "accuracy": _r(float((pred == (y == 1)).mean())) if len(y) else None,
            "precision": _r(p),
            "recall": _r(r),
            "f1": _r(f1),
            "fpr": _r(fp / neg) if neg else None,
            "fn": fn,
            "fp": fp,
        }
    return out


def _r(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def _calibration(y: np.ndarray, s: np.ndarray, bins: int = 10) -> dict[str, Any]:
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (s >= lo) & ((s < hi) if b < bins - 1 else (s <= hi))
        if not mask.any():
            continue
        mean_s, frac = float(s[mask].mean()), float(y[mask].mean())
        ece += mask.sum() / len(s) * abs(mean_s - frac)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(mask.sum()), "mean_score": _r(mean_s),
                      "observed_rate": _r(frac)})  # fmt: skip
    return {"ece": _r(ece), "bins": table}


def evaluate_rows(
    rows: Sequence[EvalRow], scored: Scored, policy: Policy, min_rows: int = 30
) -> dict[str, Any]:
    """Metrics for scored ``rows`` (see the module docstring for what is reported)."""
    from winnow.text.identity import find_groups

    review, block = _thresholds(policy, "review"), _thresholds(policy, "block")
    langs = np.array(scored.languages)
    report: dict[str, Any] = {"rows": len(rows), "errors": scored.errors,
                              "policy_version": policy.version, "categories": {}}  # fmt: skip
    for k, cat in enumerate(CATEGORY_KEYS):
        known = np.array([cat in r.labels for r in rows])
        if not known.any():
            continue
        y = np.array([r.labels.get(cat, 0) for r in rows])[known]
        s = scored.scores[known, k]
        entry = _binary_metrics(y, s, {"review": review[k], "block": block[k]})
        entry["calibration"] = _calibration(y, s)
        per_lang = {}
        for lang in sorted(set(langs[known])):
            m = langs[known] == lang
            if m.sum() >= min_rows and 0 < y[m].sum() < m.sum():
                per_lang[lang] = _binary_metrics(y[m], s[m], {"review": review[k]})
        entry["languages"] = per_lang
        entry["sources"] = _per_source(rows, known, y, s, min_rows, {"review": review[k]})
        report["categories"][cat] = entry

    unsafe_idx = [CATEGORY_KEYS.index(c) for c in UNSAFE]
    any_known = np.array([any(c in r.labels for c in UNSAFE) for r in rows])
    if any_known.any():
        y_any = np.array([int(any(r.labels.get(c, 0) == 1 for c in UNSAFE)) for r in rows])[
            any_known
        ]
        s_any = scored.scores[any_known][:, unsafe_idx].max(axis=1)
        entry = _binary_metrics(y_any, s_any, {})
        flagged = scored.flagged[any_known]
        neg = y_any == 0
        entry["flagged_at_review"] = {
            "precision": _r(flagged[y_any == 1].sum() / flagged.sum()) if flagged.any() else None,
            "recall": _r(flagged[y_any == 1].mean()) if (y_any == 1).any() else None,
            "fpr": _r(flagged[neg].mean()) if neg.any() else None,
        }
        per_lang = {}
        for lang in sorted(set(langs[any_known])):
            m = langs[any_known] == lang
            if m.sum() >= min_rows and 0 < y_any[m].sum() < m.sum():
                per_lang[lang] = _binary_metrics(y_any[m], s_any[m], {})
                per_lang[lang]["fpr_at_review"] = (
                    _r(flagged[m & neg].mean()) if (m & neg).any() else None
                )
        entry["languages"] = per_lang
        report["any_unsafe"] = entry

    report["identity"] = identity_report(rows, scored, find_groups)
    return report


def _per_source(
    rows: Sequence[EvalRow],
    known: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    min_rows: int,
    thresholds: dict[str, float | None],
) -> dict[str, Any]:
    sources = np.array([(r.source or "").split("/")[0] for r in rows])[known]
    out = {}
    for src in sorted(set(sources) - {""}):
        m = sources == src
        if m.sum() >= min_rows and 0 < y[m].sum() < m.sum():
            out[src] = _binary_metrics(y[m], s[m], thresholds)
    return out


def identity_report(
    rows: Sequence[EvalRow],
    scored: Scored,
    find_groups: Callable[[str], Iterable[str]],
    min_rows: int = 10,
) -> dict[str, Any]:
    """FPR (flagged at review in any unsafe category) on benign lines, per group mentioned."""
    benign = np.array(
        [bool(r.labels) and all(r.labels.get(c, 0) == 0 for c in UNSAFE) for r in rows]
    )
    if not benign.any():
        return {}
    overall = float(scored.flagged[benign].mean())
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if not benign[i]:
            continue
        names = {r.group.lower()} if r.group else set(find_groups(r.text))
        for g in names:
            groups[g].append(i)
    per_group = {}
    for g, idx in sorted(groups.items()):
        if len(idx) < min_rows:
            continue
        fpr = float(scored.flagged[idx].mean())
        per_group[g] = {"benign_rows": len(idx), "fpr": _r(fpr),
                        "ratio_to_overall": _r(fpr / overall) if overall > 0 else None}  # fmt: skip
    worst = max((v["fpr"] for v in per_group.values() if v["fpr"] is not None), default=None)
    return {
        "benign_rows": int(benign.sum()),
        "overall_benign_fpr": _r(overall),
        "max_group_fpr": worst,
        "groups_over_1_25x": sorted(
            g for g, v in per_group.items() if v["fpr"] is not None and v["fpr"] > 1.25 * overall
        ),
        "groups": per_group,
    }
