"""``winnow serve``: build the API app and hand it to uvicorn (127.0.0.1 by default).

The app runs a job worker in-process (``POST /v1/jobs``) unless ``--no-worker``, or with
``--workers`` above 1: then ``winnow worker`` processes run the jobs.
"""

from __future__ import annotations

from pathlib import Path

import click

from winnow.cli.common import limit_malloc_arenas, pipeline_options, settings_from

__all__ = ["command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; more than one reads settings from WINNOW_* and winnow.toml only.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Only queue jobs here; `winnow worker` processes run them.",
)
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))  # fmt: skip
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json"]),
    help="json: one JSON object a line (an access record per request; never keys or content).",
)
@pipeline_options
def command(
    host: str,
    port: int,
    workers: int,
    no_worker: bool,
    log_level: str,
    log_format: str,
    policy: Path | None,
    detectors: str | None,
    lists: tuple[Path, ...],
) -> None:
    """Run the moderation service (HTTP API under /v1, docs at /docs, metrics at /metrics)."""
    limit_malloc_arenas()
    import uvicorn

    if workers > 1:
        if log_format == "json":
            raise click.UsageError(
                "--log-format json needs one process: run several `winnow serve` on their own "
                "ports instead of --workers (docs/deployment.md)"
            )
        if policy or detectors or lists:
            raise click.UsageError(
                "--policy, --detectors and --list apply to one worker; with --workers set "
                "WINNOW_POLICY, WINNOW_DETECTORS and WINNOW_LISTS instead"
            )
        click.echo("winnow: jobs are queued here; run them with `winnow worker`", err=True)
        uvicorn.run(
            "winnow.api:create_api_app_from_env", factory=True, host=host, port=port,
            workers=workers, log_level=log_level,
        )  # fmt: skip
        return
    from winnow.api import create_app
    from winnow.api.logs import configure_logging

    configure_logging(log_format, log_level)
    settings = settings_from(policy, detectors, lists)
    app = create_app(settings, job_worker=not no_worker)
    click.echo(f"winnow: serving on http://{host}:{port} (docs at /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, log_config=None, access_log=False)
