"""``winnow detectors``: list installed detectors, their versions, labels and whether enabled."""

from __future__ import annotations

import json
from typing import Any

import click

from winnow.detectors.base import Extractor
from winnow.detectors.registry import default_registry
from winnow.errors import WinnowError
from winnow.settings import load_settings

__all__ = ["command"]


@click.command("detectors")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(as_json: bool) -> None:
    """List installed detectors and extractors (enabled ones run; see WINNOW_DETECTORS)."""
    settings = load_settings()
    registry = default_registry()
    rows: list[dict[str, Any]] = []
    for name in registry.names():
        try:
            cls = registry.get(name)
            version, media = cls.version, sorted(cls.media_types)
            labels = list(getattr(cls, "labels", ()))
            kind = "extractor" if issubclass(cls, Extractor) else "detector"
            description = cls.description
        except WinnowError as exc:
            version, labels, media, description = "?", [], [], f"unavailable: {exc}"
            kind = "?"
        rows.append(
            {
                "name": name,
                "kind": kind,
                "version": version,
                "media_types": media,
                "labels": labels,
                "enabled": name in settings.detectors,
                "origin": registry.origin(name),
                "description": description,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "enabled " if row["enabled"] else "disabled"
        click.echo(f"{row['name']:<18} v{row['version']:<4} {mark}  {','.join(row['media_types'])}")
        if row["labels"]:
            click.echo(f"    labels: {', '.join(row['labels'])}")
        else:
            click.echo(f"    {row['kind']}: derives items for the detectors")
        if row["description"]:
            click.echo(f"    {row['description']}")
