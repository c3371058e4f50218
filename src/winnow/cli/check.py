"""``winnow check TEXT-OR-FILE...``: moderate texts and files now, print verdicts with evidence.

Exit codes: 0 every item allowed, 1 some item is review or block, 2 usage or input error,
3 a detector failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from winnow.cli.common import build_pipeline, pipeline_options, settings_from
from winnow.cli.render import render_outcome
from winnow.errors import InputError
from winnow.serialize import outcome_to_json
from winnow.types import Content, Outcome, Verdict

__all__ = ["command"]


def _content(arg: str, index: int) -> tuple[str, Content]:
    if arg == "-":
        return "<stdin>", Content(f"stdin-{index}", data=sys.stdin.buffer.read())
    path = Path(arg)
    if path.exists():
        return arg, Content(arg, path=arg)
    return arg, Content(f"arg-{index}", text=arg)


@click.command("check")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input (JSON lines).")
@pipeline_options
def command(
    inputs: tuple[str, ...],
    as_json: bool,
    policy: Path | None,
    detectors: str | None,
    lists: tuple[Path, ...],
) -> None:
    """Moderate each TEXT-OR-FILE (an existing path is read as a file, '-' reads stdin)."""
    pipeline = build_pipeline(settings_from(policy, detectors, lists))
    labelled = [_content(arg, i) for i, arg in enumerate(inputs)]
    outcomes = pipeline.run([c for _, c in labelled])
    worst = 0
    for (label, _), outcome in zip(labelled, outcomes, strict=True):
        if as_json:
            click.echo(json.dumps(outcome_to_json(outcome), ensure_ascii=False))
        elif outcome.error is not None:
            click.echo(f"winnow: {outcome.error}", err=True)
        else:
            click.echo(render_outcome(label, outcome))
        worst = max(worst, _exit_code(outcome))
    sys.exit(worst)


def _exit_code(outcome: Outcome) -> int:
    if outcome.error is not None:
        return 2 if isinstance(outcome.error, InputError) else 3
    if outcome.decision is not None and outcome.decision.verdict is not Verdict.ALLOW:
        return 1
    return 0
