"""Import and export of hash lists in the formats ThreatExchange and HMA use.

* ``pdq``: one PDQ hash (64 hex digits) a line, as exchanged by ThreatExchange and written by
  Meta's ``pdq-photo-hasher`` (``hash,quality,filename``: anything after the hash on a line,
  separated by a comma, space or tab, is kept as the entry's metadata). ``#`` lines are comments.
* ``csv``: a header row, then one hash a row. The hash type column is ``signal_type`` (HMA,
  ThreatExchange signal type names: ``pdq``, ``md5``; ``sha256`` too) or ``hash_type`` /
  ``type``; the value column ``signal`` / ``signal_value`` / ``hash`` / ``hash_value`` /
  ``value``; every other column is joined into metadata as ``key=value;...``. Without a type
  column every row is taken as PDQ. Export writes ``signal_type,signal_value,metadata``.

* ``vpdq``: video hashes (:mod:`winnow.banks.vpdq`): the reference ``vpdq-hash-video`` output,
  one ``frame_number,quality,hash,timestamp`` line a frame, or ThreatExchange's JSON signal; a
  file may hold several videos, each after a ``# video: METADATA`` line (what export writes).
  In CSV, a ``vpdq`` row (also ``video_vpdq``, ``hash_video_vpdq``) holds the JSON signal.

Every row is validated; a bad row raises :class:`InputError` naming the line and what to fix.
A ``vpdq`` row's value is the video's frame lines (:func:`winnow.banks.vpdq.format_features`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Literal, TextIO

from winnow.banks.model import HASH_KINDS, Entry, HashKind
from winnow.banks.vpdq import (
    VpdqFeature,
    format_features,
    format_signal,
    format_videos,
    parse_features,
    parse_videos,
)
from winnow.errors import InputError

__all__ = ["FORMATS", "Format", "check_entry", "export_entries", "parse_entries"]

Format = Literal["pdq", "csv", "vpdq"]
FORMATS: tuple[Format, ...] = ("pdq", "csv", "vpdq")
_HEX_LENGTH = {"pdq": 64, "md5": 32, "sha256": 64}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PDQ_LINE = re.compile(r"^([^,\s]+)(?:[,\s]+(.*))?$")
_TYPE_COLUMNS = ("signal_type", "hash_type", "type", "kind")
_VALUE_COLUMNS = ("signal", "signal_value", "hash", "hash_value", "value")
_KIND_ALIASES = {"pdq": "pdq", "photo_pdq": "pdq", "md5": "md5", "photo_md5": "md5",
                 "sha256": "sha256", "sha-256": "sha256", "vpdq": "vpdq", "video_vpdq": "vpdq",
                 "hash_video_vpdq": "vpdq"}  # fmt: skip


def check_entry(kind: str, value: str, where: str) -> tuple[HashKind, str]:
    """(kind, normalised value) of one hash; :class:`InputError` naming ``where`` if invalid."""
    normal = _KIND_ALIASES.get(kind.strip().lower())
    if normal is None:
        raise InputError(f"{where}: hash type {kind!r} is not one of {', '.join(HASH_KINDS)}, vpdq")
    if normal == "vpdq":
        return "vpdq", format_features(parse_features(value, where))
    value = value.strip().lower()
    if len(value) != _HEX_LENGTH[normal] or not _HEX.match(value):
        raise InputError(
            f"{where}: {value[:80]!r} is not a {normal} hash ({_HEX_LENGTH[normal]} hex digits)"
        )
    return normal, value  # type: ignore[return-value]


def parse_entries(
    stream: TextIO, fmt: Format, name: str = "input"
) -> Iterator[tuple[HashKind, str, str]]:
    """Yield (kind, hex value, metadata) from ``stream`` in format ``fmt``."""
    if fmt == "pdq":
        yield from _parse_pdq(stream, name)
    elif fmt == "csv":
        yield from _parse_csv(stream, name)
    elif fmt == "vpdq":
        for meta, features in parse_videos(stream.read(), name):
            yield "vpdq", format_features(features), meta or ""
    else:
        raise InputError(f"unknown hash list format {fmt!r}; use one of {', '.join(FORMATS)}")


def _parse_pdq(stream: TextIO, name: str) -> Iterator[tuple[HashKind, str, str]]:
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _PDQ_LINE.match(line)
        value, rest = (m.group(1), m.group(2) or "") if m else (line, "")
        yield (*check_entry("pdq", value, f"{name} line {number}"), rest.strip())


def _parse_csv(stream: TextIO, name: str) -> Iterator[tuple[HashKind, str, str]]:
    reader = csv.DictReader(stream)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if not fields:
        raise InputError(f"{name} is empty; a CSV hash list starts with a header row")
    reader.fieldnames = fields
    type_col = next((c for c in _TYPE_COLUMNS if c in fields), None)
    value_col = next((c for c in _VALUE_COLUMNS if c in fields), None)
    if value_col is None:
        raise InputError(
            f"{name}: no hash column in header {fields}; name it one of {', '.join(_VALUE_COLUMNS)}"
        )
    for number, row in enumerate(reader, 2):
        if not any((v or "").strip() for v in row.values()):
            continue
        kind = (row.get(type_col) or "") if type_col else "pdq"
        meta = ";".join(
            f"{k}={(v or '').strip()}"
            for k, v in row.items()
            if k not in (type_col, value_col) and k is not None and (v or "").strip()
        )
        yield (*check_entry(kind, row.get(value_col) or "", f"{name} line {number}"), meta)


def export_entries(
    entries: Iterable[Entry],
    fmt: Format,
    video: Callable[[Entry], list[VpdqFeature]] | None = None,
) -> str:
    """The entries as text in ``fmt`` (``pdq`` keeps PDQ entries only, with their metadata;
    ``vpdq`` video entries only). ``video`` gives a video entry's frame hashes (the store's
    :meth:`~winnow.banks.storage.BankStore.video`); without it video entries are left out."""
    if fmt == "vpdq":
        if video is None:
            return ""
        return format_videos((e.metadata, video(e)) for e in entries if e.kind == "vpdq")
    if fmt == "pdq":
        return "".join(
            e.value + (f",{e.metadata}" if e.metadata else "") + "\n"
            for e in entries
            if e.kind == "pdq"
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["signal_type", "signal_value", "metadata"])
        for e in entries:
            if e.kind != "vpdq":
                writer.writerow([e.kind, e.value, e.metadata])
            elif video is not None:
                writer.writerow([e.kind, format_signal(video(e)), e.metadata])
        return out.getvalue()
    raise InputError(f"unknown hash list format {fmt!r}; use one of {', '.join(FORMATS)}")
