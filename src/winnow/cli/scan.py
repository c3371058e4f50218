"""``winnow scan --input IN --output OUT.jsonl``: moderate a JSONL file or a folder, resumably."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from winnow.cli.common import build_pipeline, pipeline_options, settings_from
from winnow.scanning import count_inputs, iter_inputs, read_done, scan

__all__ = ["command"]


@click.command("scan")
@click.option(
    "--input",
    "source",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="JSONL file of {id, text|path} lines, or a folder of files.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file to write; an existing one is resumed (done ids are skipped).",
)
@click.option("--chunk-size", default=256, show_default=True, help="Items per written chunk.")
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
@pipeline_options
def command(
    source: Path,
    output: Path,
    chunk_size: int,
    no_progress: bool,
    policy: Path | None,
    detectors: str | None,
    lists: tuple[Path, ...],
) -> None:
    """Moderate every input; one output line per input, errors included. Resumes after Ctrl-C."""
    from tqdm import tqdm

    pipeline = build_pipeline(settings_from(policy, detectors, lists))
    done = read_done(output)
    total = count_inputs(source)
    if done:
        click.echo(f"resuming: {len(done):,} items already in {output}", err=True)
    bar = tqdm(total=total, unit="item", disable=no_progress or None, file=sys.stderr)
    with output.open("a", encoding="utf-8") as out:
        try:
            stats = scan(pipeline, iter_inputs(source), out, done, chunk_size, bar.update)
        except KeyboardInterrupt:
            bar.close()
            click.echo(
                f"winnow: interrupted; finished items are in {output}, run the same command "
                "again to resume",
                err=True,
            )
            sys.exit(130)
    bar.close()
    click.echo(
        f"scanned {stats.written:,} (skipped {stats.skipped:,} already done): "
        f"{stats.flagged:,} flagged, {stats.errors:,} errors → {output}",
        err=True,
    )
