"""``winnow bank ...``: create hash banks, add images, import/export hash lists, list banks.

Banks live in ``<data_dir>/banks`` (``WINNOW_DATA_DIR``). Once a bank holds hashes,
``winnow check`` and ``winnow scan`` match every image against it with ``image.hashes``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from winnow.banks.formats import FORMATS, Format, export_entries, parse_entries
from winnow.banks.hashing import exact_hashes, pdq_hash
from winnow.banks.matcher import MIN_QUALITY, BankMatcher
from winnow.banks.model import DEFAULT_PDQ_THRESHOLD, Bank, HashKind
from winnow.errors import InputError
from winnow.settings import load_settings
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import Content, ImageItem

__all__ = ["command"]


def _matcher() -> BankMatcher:
    return BankMatcher.open(load_settings().data_dir)


@click.group("bank")
def command() -> None:
    """Known-content hash banks (PDQ, MD5, SHA-256) matched against every image."""


@command.command("create")
@click.argument("name")
@click.option(
    "--category", required=True, type=click.Choice(CATEGORY_KEYS), help="Category of matches."
)
@click.option("--action", type=click.Choice(["review", "block", "allow"]), default="review",
              show_default=True, help="What a match does; 'allow' suppresses other banks' matches.")  # fmt: skip
@click.option("--threshold", type=int, default=DEFAULT_PDQ_THRESHOLD, show_default=True,
              help="Largest PDQ distance (of 256 bits) that counts as a match.")  # fmt: skip
@click.option("--description", default="", help="Free text shown by `winnow bank list`.")
def create(name: str, category: str, action: str, threshold: int, description: str) -> None:
    """Create bank NAME."""
    store = _matcher().store
    bank = store.create_bank(Bank(name, category, action, threshold, description))  # type: ignore[arg-type]
    click.echo(f"created bank {bank.name}: {bank.category}, {bank.action}, PDQ <= {threshold}")


@command.command("add")
@click.argument("name")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--metadata", default=None, help="Metadata for every entry (default: the file name).")
def add(name: str, files: tuple[Path, ...], metadata: str | None) -> None:
    """Hash image FILES (PDQ, MD5, SHA-256) into bank NAME."""
    from winnow.media.load import load_content

    matcher = _matcher()
    matcher.store.bank(name)
    limits = load_settings().limits
    rows: list[tuple[HashKind, str, str]] = []
    for path in files:
        data = path.read_bytes()
        item = load_content(Content(str(path), data=data), limits)
        if not isinstance(item, ImageItem):
            raise InputError(f"{path} is not an image; banks hold image hashes")
        meta = metadata if metadata is not None else path.name
        digests = exact_hashes(data)
        rows += [("sha256", digests["sha256"], meta), ("md5", digests["md5"], meta)]
        pdq = pdq_hash(item.pixels)
        if pdq.quality < MIN_QUALITY:
            click.echo(
                f"winnow: {path}: PDQ quality {pdq.quality} < {MIN_QUALITY} (flat or tiny image); "
                "added its exact hashes only",
                err=True,
            )
        else:
            rows.append(("pdq", pdq.hex, meta))
    added = matcher.store.add_entries(name, rows)
    matcher.save_index()
    click.echo(f"bank {name}: {added} new hashes from {len(files)} files")


@command.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="pdq: one hex hash a line; csv: header + signal_type,signal_value,... "
                   "(default: by file extension)")  # fmt: skip
def import_(name: str, file: Path, fmt: Format | None) -> None:
    """Import a ThreatExchange/HMA hash list FILE into bank NAME."""
    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "pdq")
    matcher = _matcher()
    with file.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(parse_entries(stream, fmt, name=str(file)))
    added = matcher.store.add_entries(name, rows)
    matcher.save_index()
    click.echo(f"bank {name}: {added} new of {len(rows)} hashes from {file}")


@command.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
def export(name: str, fmt: Format) -> None:
    """Write bank NAME's hashes to stdout."""
    sys.stdout.write(export_entries(_matcher().store.entries(name), fmt))


@command.command("list")
def list_() -> None:
    """Every bank with its category, action, threshold and hash counts."""
    store = _matcher().store
    counts = store.counts()
    if not counts:
        click.echo("no banks yet; create one with `winnow bank create NAME --category C`")
    for bank in store.banks():
        sizes = ", ".join(f"{n} {k}" for k, n in sorted(counts[bank.name].items())) or "empty"
        click.echo(
            f"{bank.name:<20} {bank.category:<18} {bank.action:<6} PDQ<={bank.pdq_threshold:<3} "
            f"{sizes}" + (f"  {bank.description}" if bank.description else "")
        )
