"""Markdown tables from `winnow eval` reports, for the model card.

    python eval/summarize.py eval/results/dev.json eval/results/identity-en.json eval/results/identity-zh.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _f(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def categories(report: dict[str, Any]) -> None:
    print("| category | rows | positives | AUPRC | ROC-AUC | P@review | R@review | F1@review | FPR@review | ECE |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for cat, v in report["categories"].items():
        at = v.get("at_review", {})
        print(
            f"| `{cat}` | {v['rows']} | {v['positives']} | {_f(v['auprc'])} | {_f(v['roc_auc'])} | "
            f"{_f(at.get('precision'))} | {_f(at.get('recall'))} | {_f(at.get('f1'))} | "
            f"{_f(at.get('fpr'))} | {_f(v['calibration']['ece'])} |"
        )


def languages(report: dict[str, Any]) -> None:
    a = report["any_unsafe"]
    print(f"\nAny unsafe (all categories but spam, advertising, profanity): AUPRC {_f(a['auprc'])}, "
          f"ROC-AUC {_f(a['roc_auc'])}; flagged at review: {a['flagged_at_review']}\n")  # fmt: skip
    print("| language | rows | positives | AUPRC | FPR at review |")
    print("|---|---|---|---|---|")
    for lang, v in a["languages"].items():
        print(f"| {lang} | {v['rows']} | {v['positives']} | {_f(v['auprc'])} | {_f(v.get('fpr_at_review'))} |")


def sources(report: dict[str, Any], category: str) -> None:
    print(f"\n`{category}` per source:\n")
    print("| source | AUPRC | accuracy@review | P | R |")
    print("|---|---|---|---|---|")
    for src, v in report["categories"][category]["sources"].items():
        at = v["at_review"]
        print(f"| {src} | {_f(v['auprc'])} | {_f(at['accuracy'])} | {_f(at['precision'])} | {_f(at['recall'])} |")


def identity(name: str, report: dict[str, Any]) -> None:
    i = report["identity"]
    groups = i["groups"]
    zero = sum(1 for v in groups.values() if v["fpr"] == 0)
    worst = sorted(groups.items(), key=lambda kv: -kv[1]["fpr"])[:6]
    print(f"\n{name}: {i['benign_rows']} benign lines, overall benign FPR {_f(i['overall_benign_fpr'])}; "
          f"{zero} of {len(groups)} groups with no false positive; over 1.25x: "
          f"{len(i['groups_over_1_25x'])}; worst: "
          + ", ".join(f"{g} {v['fpr']:.3f} ({round(v['fpr'] * v['benign_rows'])}/{v['benign_rows']})" for g, v in worst))  # fmt: skip


def main(paths: list[str]) -> None:
    for path in paths:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        print(f"\n### {path}\n")
        if "dev" in Path(path).name:
            categories(report)
            languages(report)
            sources(report, "hate")
        identity(Path(path).stem, report)


if __name__ == "__main__":
    main(sys.argv[1:])
