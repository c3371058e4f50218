"""``winnow reviewers create|list|disable``: accounts of the review console (``/review``)."""

from __future__ import annotations

import sys
import time

import click

from winnow.settings import load_settings

__all__ = ["command"]


@click.group("reviewers")
def command() -> None:
    """Manage review-console accounts (passwords stored as scrypt hashes)."""


@command.command("create")
@click.argument("username")
@click.option("--tenant", required=True, help="Tenant whose queue the reviewer sees.")
@click.option(
    "--role",
    type=click.Choice(["reviewer", "lead"]),
    default="reviewer",
    show_default=True,
    help="lead: also decides escalated items.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
def create(username: str, tenant: str, role: str, password_stdin: bool) -> None:
    """Create reviewer USERNAME; asks for a password (12+ characters)."""
    from winnow.review.passwords import hash_password
    from winnow.store import open_store, review_store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    hashed = hash_password(password)
    reviewer = review_store(open_store(load_settings())).create_reviewer(
        tenant, username, hashed, role
    )
    click.echo(f"created {reviewer.role} {reviewer.username!r} for tenant {reviewer.tenant!r}")


@command.command("list")
@click.option("--tenant", default=None, help="Only this tenant's reviewers.")
def list_(tenant: str | None) -> None:
    """List reviewers."""
    from winnow.store import open_store, review_store

    for r in review_store(open_store(load_settings())).list_reviewers(tenant):
        state = "disabled" if r.disabled_at else "active"
        click.echo(f"{r.username}  {r.tenant}  {r.role}  {state}")


@command.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable reviewer USERNAME; their sessions end at their next request."""
    from winnow.errors import InputError
    from winnow.store import open_store, review_store

    if not review_store(open_store(load_settings())).disable_reviewer(username, time.time()):
        raise InputError(f"no active reviewer {username!r}; `winnow reviewers list` shows them")
    click.echo(f"disabled reviewer {username}", err=True)
