"""A small self-contained HTML report of an evaluation: PR curves (inline SVG) and thresholds."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from winnow.evaluate import UNSAFE, EvalRow, Scored
from winnow.taxonomy import CATEGORY_KEYS

__all__ = ["render_html"]

_W, _H, _PAD = 260, 200, 30


def _pr_svg(y: np.ndarray, s: np.ndarray, title: str) -> str:
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(y, s)
    step = max(1, len(recall) // 300)
    pts = " ".join(
        f"{_PAD + r * (_W - 2 * _PAD):.1f},{_H - _PAD - p * (_H - 2 * _PAD):.1f}"
        for p, r in zip(precision[::step], recall[::step], strict=True)
    )
    axes = (
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#888"/>'
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{_H - _PAD}" stroke="#888"/>'
        f'<text x="{_W / 2}" y="{_H - 8}" font-size="10" text-anchor="middle">recall</text>'
        f'<text x="10" y="{_H / 2}" font-size="10" transform="rotate(-90 10 {_H / 2})" '
        f'text-anchor="middle">precision</text>'
    )
    return (
        f'<figure><svg width="{_W}" height="{_H}" xmlns="http://www.w3.org/2000/svg">{axes}'
        f'<polyline fill="none" stroke="#c0392b" stroke-width="1.5" points="{pts}"/></svg>'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
    )


def _threshold_rows(y: np.ndarray, s: np.ndarray) -> str:
    cells = []
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        pred = s >= t
        tp = int((pred & (y == 1)).sum())
        p = tp / pred.sum() if pred.any() else float("nan")
        r = tp / y.sum() if y.sum() else float("nan")
        fpr = (pred & (y == 0)).sum() / max(1, (y == 0).sum())
        cells.append(f"<tr><td>{t:.1f}</td><td>{p:.3f}</td><td>{r:.3f}</td><td>{fpr:.3f}</td></tr>")
    return "".join(cells)


def render_html(report: dict[str, Any], rows: Sequence[EvalRow], scored: Scored) -> str:
    parts = [
        "<!doctype html><meta charset=utf-8><title>winnow eval</title>",
        "<style>body{font:14px system-ui;margin:2em}figure{display:inline-block;margin:6px}"
        "table{border-collapse:collapse;margin:4px 0 16px}td,th{border:1px solid #ccc;"
        "padding:2px 8px;text-align:right}section{display:inline-block;vertical-align:top;"
        "margin-right:24px}</style>",
        f"<h1>winnow eval</h1><p>{report['rows']} rows, {report['errors']} errors, policy "
        f"{html.escape(report['policy_version'])}</p>",
    ]
    unsafe_idx = [CATEGORY_KEYS.index(c) for c in UNSAFE]
    any_known = np.array([any(c in r.labels for c in UNSAFE) for r in rows])
    if any_known.any() and "any_unsafe" in report:
        y = np.array([int(any(r.labels.get(c, 0) == 1 for c in UNSAFE)) for r in rows])[any_known]
        s = scored.scores[any_known][:, unsafe_idx].max(axis=1)
        a = report["any_unsafe"]
        parts.append(_section("any unsafe", y, s, a.get("auprc")))
    for k, cat in enumerate(CATEGORY_KEYS):
        entry = report["categories"].get(cat)
        if entry is None or entry.get("auprc") is None:
            continue
        known = np.array([cat in r.labels for r in rows])
        y = np.array([r.labels.get(cat, 0) for r in rows])[known]
        parts.append(_section(cat, y, scored.scores[known, k], entry["auprc"]))
    ident = report.get("identity") or {}
    if ident:
        parts.append(
            f"<h2>Identity groups (benign rows)</h2><p>overall benign FPR "
            f"{ident['overall_benign_fpr']}; groups over 1.25×: "
            f"{html.escape(', '.join(ident['groups_over_1_25x']) or 'none')}</p><table>"
            "<tr><th>group</th><th>rows</th><th>FPR</th><th>ratio</th></tr>"
        )
        for g, v in ident["groups"].items():
            parts.append(
                f"<tr><td>{html.escape(g)}</td><td>{v['benign_rows']}</td><td>{v['fpr']}</td>"
                f"<td>{v['ratio_to_overall']}</td></tr>"
            )
        parts.append("</table>")
    return "\n".join(parts)


def _section(title: str, y: np.ndarray, s: np.ndarray, auprc: float | None) -> str:
    return (
        f"<section><h2>{html.escape(title)}</h2>"
        + _pr_svg(y, s, f"AUPRC {auprc} · {int(y.sum())} positives of {len(y)}")
        + "<table><tr><th>threshold</th><th>precision</th><th>recall</th><th>FPR</th></tr>"
        + _threshold_rows(y, s)
        + "</table></section>"
    )
