"""``winnow bank ...``: create hash banks, add images and videos, import/export hash lists.

Banks live in ``<data_dir>/banks`` (``WINNOW_DATA_DIR``). Once a bank holds hashes,
``winnow check`` and ``winnow scan`` match every image against it with ``image.hashes`` and
every video (vPDQ) with ``video.hashes``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from winnow.banks.formats import FORMATS, Format, export_entries, parse_entries
from winnow.banks.hashing import exact_hashes, pdq_hash
from winnow.banks.matcher import MIN_QUALITY, BankMatcher
from winnow.banks.model import DEFAULT_PDQ_THRESHOLD, Bank, HashKind
from winnow.banks.vpdq import VPDQ_QUALITY, hash_video, parse_features
from winnow.errors import InputError
from winnow.settings import load_settings
from winnow.taxonomy import CATEGORY_KEYS
from winnow.types import Content, ImageItem, VideoItem

__all__ = ["command"]

_VPDQ_LINE = re.compile(r"^\d+\s*,\s*\d+\s*,\s*[0-9a-fA-F]{64}\s*,")


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
    """Hash image FILES (PDQ, MD5, SHA-256) and video FILES (vPDQ) into bank NAME."""
    from winnow.media.load import load_content

    matcher = _matcher()
    matcher.store.bank(name)
    limits = load_settings().limits
    rows: list[tuple[HashKind, str, str]] = []
    videos = 0
    for path in files:
        item = load_content(Content(str(path), path=str(path)), limits)
        meta = metadata if metadata is not None else path.name
        if isinstance(item, VideoItem):
            features = list(hash_video(str(path), 1.0, limits, str(path)))
            good = sum(f.quality >= VPDQ_QUALITY for f in features)
            if not good:
                raise InputError(
                    f"{path}: none of its {len(features)} frame hashes has PDQ quality >= "
                    f"{VPDQ_QUALITY} (flat or tiny frames); it could never match"
                )
            videos += matcher.store.add_video(name, features, meta) is not None
            continue
        if not isinstance(item, ImageItem):
            raise InputError(f"{path} is neither an image nor a video; banks hold their hashes")
        data = path.read_bytes()
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
    if videos:
        _save_video_index()
    new = f"{added} new hashes" + (f", {videos} new videos" if videos else "")
    click.echo(f"bank {name}: {new} from {len(files)} files")


def _save_video_index() -> None:
    from winnow.banks.video_matcher import VideoMatcher

    VideoMatcher.open(load_settings().data_dir).save_index()


@command.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="pdq: one hex hash a line; csv: header + signal_type,signal_value,...; "
                   "vpdq: video hashes, frame_number,quality,hash,timestamp lines "
                   "(default: by file extension and content)")  # fmt: skip
def import_(name: str, file: Path, fmt: Format | None) -> None:
    """Import a ThreatExchange/HMA hash list FILE into bank NAME."""
    fmt = fmt or _sniff(file)
    matcher = _matcher()
    matcher.store.bank(name)
    with file.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(parse_entries(stream, fmt, name=str(file)))
    plain = [r for r in rows if r[0] != "vpdq"]
    added = matcher.store.add_entries(name, plain)
    matcher.save_index()
    videos = 0
    for _, value, meta in (r for r in rows if r[0] == "vpdq"):
        features = parse_features(value, str(file))
        videos += matcher.store.add_video(name, features, meta or file.name) is not None
    if len(plain) < len(rows):
        _save_video_index()
    new = f"{added} new of {len(plain)} hashes"
    if len(plain) < len(rows):
        new += f", {videos} new of {len(rows) - len(plain)} videos"
    click.echo(f"bank {name}: {new} from {file}")


def _sniff(file: Path) -> Format:
    """csv by extension; vpdq when the first line that is not a comment is a vPDQ frame line
    or a JSON list; pdq otherwise."""
    if file.suffix.lower() == ".csv":
        return "csv"
    with file.open(encoding="utf-8-sig", errors="replace") as stream:
        for line in stream:
            text = line.strip()
            if text.lower().startswith("# video"):
                return "vpdq"
            if text and not text.startswith("#"):
                return "vpdq" if text.startswith("[") or _VPDQ_LINE.match(text) else "pdq"
    return "pdq"


@command.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
def export(name: str, fmt: Format) -> None:
    """Write bank NAME's hashes to stdout (vpdq: its videos' frame hashes)."""
    store = _matcher().store
    sys.stdout.write(export_entries(store.entries(name), fmt, lambda e: store.video(e.id)))


@command.command("remove")
@click.argument("name")
@click.argument("entry_ids", nargs=-1, required=True, type=int)
def remove(name: str, entry_ids: tuple[int, ...]) -> None:
    """Remove entries ENTRY_IDS (as named in match explanations) from bank NAME."""
    removed = _matcher().store.remove_entries(name, entry_ids)
    click.echo(f"removed {removed} of {len(entry_ids)} entries from bank {name}")


@command.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Confirm: the bank and all its entries go.")
def delete(name: str, yes: bool) -> None:
    """Delete bank NAME and all its entries."""
    if not yes:
        raise click.UsageError(f"this deletes bank {name} and every entry in it; add --yes")
    removed = _matcher().store.delete_bank(name)
    click.echo(f"deleted bank {name} and its {removed} entries")


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
