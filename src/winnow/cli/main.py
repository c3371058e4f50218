"""Entry point of the ``winnow`` command. Subcommands live in their own modules."""

from __future__ import annotations

import sys

import click

from winnow import __version__
from winnow.errors import WinnowError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="winnow")
def cli() -> None:
    """winnow: self-hosted content moderation for text and images.

    Settings come from WINNOW_* environment variables and winnow.toml (see README).
    """


def _register() -> None:
    from winnow.cli import (
        bank,
        check,
        detectors,
        evaluate,
        jobs,
        keys,
        rescan,
        reviewers,
        scan,
        serve,
        train,
        worker,
    )

    for module in (check, scan, detectors, evaluate, train, bank, serve, worker, jobs, keys,
                   reviewers, rescan):  # fmt: skip
        cli.add_command(module.command)


def main() -> None:
    _register()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("winnow: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except WinnowError as exc:
        click.echo(f"winnow: {exc}", err=True)
        sys.exit(exc.exit_code)
