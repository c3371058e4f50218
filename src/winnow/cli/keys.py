"""``winnow keys create|list|revoke``: API keys (stored hashed; a new key is shown once)."""

from __future__ import annotations

import json

import click

from winnow.settings import load_settings

__all__ = ["command"]


@click.group("keys")
def command() -> None:
    """Manage API keys of the service's database (WINNOW_DATABASE_URL or data_dir)."""


@command.command("create")
@click.option("--tenant", required=True, help="Tenant the key belongs to; it sees only its data.")
@click.option("--name", required=True, help="A label, unique among the tenant's live keys.")
@click.option(
    "--scopes",
    default="moderate",
    show_default=True,
    help="Comma-separated: moderate, review, admin (admin allows everything).",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0),
    default=None,
    help="Requests per second (0: unlimited; default: WINNOW_API_RATE_LIMIT).",
)
def create(tenant: str, name: str, scopes: str, rate_limit: float | None) -> None:
    """Create a key and print it. It is shown only this once: store it now."""
    from winnow.store import open_store

    store = open_store(load_settings())
    key, secret = store.create_key(
        tenant, name, [s.strip() for s in scopes.split(",") if s.strip()], rate_limit
    )
    click.echo(
        f"created key {key.id} for tenant {key.tenant!r} ({', '.join(key.scopes)})", err=True
    )
    click.echo("this is the only time it is shown:", err=True)
    click.echo(secret)


@command.command("list")
@click.option("--tenant", default=None, help="Only this tenant's keys.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per key.")
def list_(tenant: str | None, as_json: bool) -> None:
    """List keys (never their secrets)."""
    from winnow.store import open_store

    for key in open_store(load_settings()).list_keys(tenant):
        state = "revoked" if key.revoked_at else "live"
        limit = "default" if key.rate_limit is None else f"{key.rate_limit:g}/s"
        if as_json:
            click.echo(json.dumps({
                "id": key.id, "tenant": key.tenant, "name": key.name,
                "scopes": list(key.scopes), "rate_limit": key.rate_limit, "state": state,
                "created_at": key.created_at, "revoked_at": key.revoked_at,
            }))  # fmt: skip
        else:
            click.echo(
                f"{key.id}  {key.tenant}  {key.name}  {','.join(key.scopes)}  {limit}  {state}"
            )


@command.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke a key by id (running servers notice within seconds)."""
    from winnow.errors import InputError
    from winnow.store import open_store

    if not open_store(load_settings()).revoke_key(key_id):
        raise InputError(f"no live key {key_id!r}; `winnow keys list` shows the keys")
    click.echo(f"revoked key {key_id}", err=True)
