"""``winnow scan --input IN --output OUT.jsonl``: moderate a JSONL file or a folder, resumably.

``--engine local`` (the default) runs on this machine's cores (:mod:`winnow.scanpool`);
``--engine ray`` runs on Ray Data (:mod:`winnow.batch.ray_scan`), a local Ray or a cluster.
"""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path
from typing import NoReturn

import click

from winnow.cli.common import build_pipeline, pipeline_options, settings_from
from winnow.errors import InputError
from winnow.pipeline import Pipeline
from winnow.scanning import ScanStats, count_inputs, iter_inputs, read_done, scan
from winnow.scanpool import PipelineFactory, scan_parallel
from winnow.settings import Settings

__all__ = ["command"]


@click.command("scan")
@click.option(
    "--input",
    "source",
    required=True,
    help="JSONL file of {id, text|path} lines, or a folder of files; with --engine ray also "
    "Parquet (columns id, text|path) and s3://... URLs.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file to write; an existing one is resumed (done ids are skipped). With "
    "--engine ray, a .parquet name writes Parquet instead (no resume).",
)
@click.option("--chunk-size", default=256, show_default=True, help="Items per written chunk.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes (local) or Ray actors that moderate chunks at once [default: the number "
    "of cores]; 1 runs in this process. Each loads its own models.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this machine's cores; ray: Ray Data (pip install 'winnow[ray]').",
)
@click.option(
    "--ray-address",
    default=None,
    help="Ray cluster to join (auto, ray://head:10001); default: $RAY_ADDRESS, else a "
    "private Ray on 127.0.0.1.",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
@pipeline_options
def command(
    source: str,
    output: Path,
    chunk_size: int,
    workers: int | None,
    engine: str,
    ray_address: str | None,
    no_progress: bool,
    policy: Path | None,
    detectors: str | None,
    lists: tuple[Path, ...],
) -> None:
    """Moderate every input; one output line per input, errors included. Resumes after Ctrl-C."""
    settings = settings_from(policy, detectors, lists)
    workers = workers or os.cpu_count() or 1
    if engine == "ray":
        stats = _scan_ray(settings, source, output, workers, chunk_size, ray_address)
    else:
        if output.suffix == ".parquet" or source.endswith(".parquet") or "://" in source:
            raise click.UsageError("Parquet and URLs need --engine ray")
        stats = _scan_local(settings, Path(source), output, workers, chunk_size, no_progress)
    click.echo(
        f"scanned {stats.written:,} (skipped {stats.skipped:,} already done): "
        f"{stats.flagged:,} flagged, {stats.errors:,} errors → {output}",
        err=True,
    )


def _interrupted(output: Path) -> NoReturn:
    click.echo(
        f"winnow: interrupted; finished items are in {output}, run the same command "
        "again to resume",
        err=True,
    )
    sys.exit(130)


def _scan_local(
    settings: Settings, source: Path, output: Path, workers: int, chunk_size: int, quiet: bool
) -> ScanStats:
    from tqdm import tqdm

    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    pipeline = build_pipeline(settings) if workers == 1 else None
    done = read_done(output)
    total = count_inputs(source)
    if done:
        click.echo(f"resuming: {len(done):,} items already in {output}", err=True)
    bar = tqdm(total=total, unit="item", disable=quiet or None, file=sys.stderr)
    with output.open("a", encoding="utf-8") as out:
        try:
            if pipeline is not None:
                stats = scan(pipeline, iter_inputs(source), out, done, chunk_size, bar.update)
            else:
                factory = _worker_factory(settings, workers)
                stats = scan_parallel(factory, source, out, done, workers, chunk_size, bar.update)
        except KeyboardInterrupt:
            bar.close()
            _interrupted(output)
    bar.close()
    return stats


def _scan_ray(
    settings: Settings,
    source: str,
    output: Path,
    workers: int,
    chunk_size: int,
    address: str | None,
) -> ScanStats:
    from winnow.batch.ray_scan import local_ray, ray_scan

    address = address or os.environ.get("RAY_ADDRESS") or None
    if settings.threads == 0:  # each actor reserves one CPU: one runtime thread each
        settings = settings.model_copy(update={"threads": 1})
    stats = ScanStats()
    # A private Ray gets one CPU more than the actors take, so its read tasks can always run.
    with local_ray(num_cpus=workers + 1, address=address):
        try:
            ray_scan(settings, source, output, workers, chunk_size, stats)
        except KeyboardInterrupt:
            _interrupted(output)
    return stats


def _worker_factory(settings: Settings, workers: int) -> PipelineFactory:
    """Each worker's pipeline, its model runtimes sharing the cores instead of each taking all."""
    if settings.threads == 0:
        threads = max(1, (os.cpu_count() or 1) // workers)
        settings = settings.model_copy(update={"threads": threads})
    return partial(Pipeline.from_settings, settings)
