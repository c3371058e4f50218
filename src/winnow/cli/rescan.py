"""``winnow rescan``: re-evaluate the service's stored decisions after a policy, bank or model
change, and report how many move from each verdict to each other (:mod:`winnow.rescan`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from winnow.settings import Settings, load_settings

if TYPE_CHECKING:
    from winnow.banks.matcher import BankMatcher
    from winnow.pipeline import Pipeline
    from winnow.rescan import RescanReport

__all__ = ["command"]


@click.command("rescan")
@click.option("--dry-run", is_flag=True, help="Count what would change; write and send nothing.")
@click.option("--tenant", default=None, help="Only this tenant's decisions (default: all).")
@click.option(
    "--since",
    default=None,
    help="Only decisions made at or after this time: ISO 8601 (2026-01-31, "
    "2026-01-31T12:00:00Z) or Unix seconds.",
)
@click.option(
    "--policy",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Policy TOML file to apply (default: WINNOW_POLICY, else the bundled policy).",
)
@click.option(
    "--detector",
    "detector",
    default=None,
    help="A detector whose model or list changed: run it again (needs --input with the content).",
)
@click.option(
    "--input",
    "source",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="The original content for --detector: a JSONL file of {id, text|path} lines or a "
    "folder, as `winnow scan` reads; matched to decisions by content id.",
)
@click.option(
    "--no-banks",
    is_flag=True,
    help="Keep the stored bank matches instead of looking image hashes up in the current banks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def command(
    dry_run: bool,
    tenant: str | None,
    since: str | None,
    policy: Path | None,
    detector: str | None,
    source: Path | None,
    no_banks: bool,
    as_json: bool,
) -> None:
    """Re-evaluate stored decisions under the current policy and banks; store the changed ones
    (the old decision is kept) and send decision.changed / decision.flagged webhooks. A tenant
    with a policy version in force (PUT /v1/policy) is re-evaluated under that version."""
    from winnow.policy import load_policy
    from winnow.rescan import Rescanner, load_contents
    from winnow.store import config_store, open_store
    from winnow.tenancy import policies_of

    if (detector is None) != (source is None):
        raise click.UsageError("--detector and --input go together")
    settings = load_settings(**({"policy": policy} if policy is not None else {}))
    store = open_store(settings)
    try:
        service_policy = load_policy(settings.policy)
        rescanner = Rescanner(
            store,
            service_policy,
            policy_for=policies_of(config_store(store), service_policy),
            matcher=None if no_banks else _matcher(settings),
            rerun=_rerun_pipeline(settings, detector) if detector else None,
            contents=load_contents(source) if source is not None else {},
        )
        report = rescanner.run(tenant, _since(since), dry_run=dry_run)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        _print(report)


def _since(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither ISO 8601 nor Unix seconds", param_hint="--since"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _matcher(settings: Settings) -> BankMatcher | None:
    """The current banks, when ``image.hashes`` is enabled and a bank exists."""
    from winnow.fingerprint import HASHES_DETECTOR

    if HASHES_DETECTOR not in settings.detectors:
        return None
    if not (settings.data_dir / "banks" / "banks.db").is_file():
        return None
    from winnow.banks.matcher import BankMatcher

    options = settings.detector_options.get(HASHES_DETECTOR, {})
    return BankMatcher.open(settings.data_dir, int(options.get("min_quality", 50)))


def _rerun_pipeline(settings: Settings, name: str) -> Pipeline:
    """A pipeline of detector ``name`` and the settings' extractors (which feed it derived
    items: OCR text, frames), nothing else."""
    from winnow.detectors.base import Detector, Extractor
    from winnow.detectors.registry import default_registry
    from winnow.errors import ConfigError
    from winnow.pipeline import Pipeline
    from winnow.policy import load_policy

    registry = default_registry()
    if name not in registry.names():
        raise ConfigError(f"unknown detector {name!r}; `winnow detectors` lists them")
    if not issubclass(registry.get(name), Detector):
        raise ConfigError(f"{name!r} is an extractor, not a detector: name the detector to re-run")
    extractors = [
        n for n in settings.detectors if n != name and issubclass(registry.get(n), Extractor)
    ]
    built = registry.build([name, *extractors], settings)
    return Pipeline(
        [c for c in built if isinstance(c, Detector)],
        load_policy(settings.policy),
        settings.limits,
        settings.batch_size,
        [c for c in built if isinstance(c, Extractor)],
    )


def _print(report: RescanReport) -> None:
    rows = [(f"{old} → {new}", n) for (old, new), n in sorted(report.transitions.items(),
            key=lambda t: (_RANK[t[0][0]], _RANK[t[0][1]]))]  # fmt: skip
    width = max([len("old → new"), *(len(r) for r, _ in rows)])
    click.echo(f"{'old → new':<{width}}  {'count':>9}")
    for label, n in rows:
        marker = "" if label.split(" → ")[0] == label.split(" → ")[1] else "  *"
        click.echo(f"{label:<{width}}  {n:>9,}{marker}")
    for reason, n in sorted(report.skipped.items()):
        click.echo(f"skipped {n:,}: {reason}")
    what = "would change" if report.dry_run else "changed"
    click.echo(
        f"{report.scanned:,} decisions re-evaluated under policy {report.policy_version}: "
        f"{report.changed:,} {what}"
        + (
            ""
            if report.dry_run
            else f", {report.written:,} stored, {report.events:,} events for subscribed webhooks"
        ),
        err=True,
    )
    if report.dry_run:
        click.echo("dry run: nothing written, nothing sent", err=True)


_RANK = {"allow": 0, "review": 1, "block": 2}
