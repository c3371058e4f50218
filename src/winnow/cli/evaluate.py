"""``winnow eval DATA.jsonl``: metrics of the configured pipeline on labelled data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from winnow.cli.common import build_pipeline, pipeline_options, settings_from

__all__ = ["command"]


@click.command("eval")
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON report here (default: stdout).")  # fmt: skip
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report with precision-recall curves.")  # fmt: skip
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
@pipeline_options
def command(
    data: Path,
    output: Path | None,
    html_path: Path | None,
    no_progress: bool,
    policy: Path | None,
    detectors: str | None,
    lists: tuple[Path, ...],
) -> None:
    """Score DATA (JSONL of {"text", "labels": {category: 0|1}}) and report metrics."""
    from tqdm import tqdm

    from winnow.evaluate import evaluate_rows, read_eval_jsonl, score_rows

    rows = read_eval_jsonl(data)
    pipeline = build_pipeline(settings_from(policy, detectors, lists))
    bar = tqdm(total=len(rows), unit="row", disable=no_progress or None, file=sys.stderr)
    scored = score_rows(pipeline, rows, progress=bar.update)
    bar.close()
    report = evaluate_rows(rows, scored, pipeline.policy)
    report["data"] = str(data)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
    if html_path is not None:
        from winnow.evalreport import render_html

        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(render_html(report, rows, scored), encoding="utf-8")
    summary = report.get("any_unsafe", {})
    click.echo(
        f"{len(rows)} rows; any-unsafe AUPRC {summary.get('auprc')}; identity groups over "
        f"1.25x: {report.get('identity', {}).get('groups_over_1_25x')}",
        err=True,
    )
