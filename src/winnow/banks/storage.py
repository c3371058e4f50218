"""Where banks live: the :class:`BankStore` interface and its SQLite implementation.

SQLite (stdlib ``sqlite3``) in WAL mode with a busy timeout, one file
``<data_dir>/banks/banks.db``. A video entry (kind ``vpdq``) is one ``entries`` row, its value
the SHA-256 of its vPDQ hash (:func:`winnow.banks.vpdq.features_digest`), with its frame
hashes in ``vpdq_frames`` (a table added in place to older bank databases). The store is the source of truth; the PDQ index
(:mod:`winnow.banks.index`) is a cache rebuilt from it. Entry ids only grow, so "entries added
since id N" is how the index catches up without a full rebuild.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from winnow.banks.model import Bank, Entry, HashKind, validate_bank
from winnow.banks.vpdq import VpdqFeature, features_digest
from winnow.errors import ConfigError, InputError

__all__ = ["BankStore", "SqliteBankStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS banks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    pdq_threshold INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_id INTEGER NOT NULL REFERENCES banks(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '',
    UNIQUE (bank_id, kind, value)
);
CREATE INDEX IF NOT EXISTS entries_exact ON entries (kind, value);
CREATE TABLE IF NOT EXISTS vpdq_frames (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    frame INTEGER NOT NULL,
    quality INTEGER NOT NULL,
    hash TEXT NOT NULL,
    timestamp REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS vpdq_frames_entry ON vpdq_frames (entry_id);
"""


class BankStore(ABC):
    """Storage interface for banks and their entries (SQLite here; SQLAlchemy later)."""

    @abstractmethod
    def create_bank(self, bank: Bank) -> Bank: ...

    @abstractmethod
    def banks(self) -> list[Bank]: ...

    @abstractmethod
    def bank(self, name: str) -> Bank:
        """The bank called ``name``; :class:`ConfigError` naming the known banks otherwise."""

    @abstractmethod
    def add_entries(self, bank: str, entries: Iterable[tuple[HashKind, str, str]]) -> int:
        """Add (kind, hex value, metadata) rows; duplicates in the bank are skipped. Returns
        how many were new."""

    @abstractmethod
    def remove_entries(self, bank: str, entry_ids: Iterable[int] | None = None) -> int:
        """Delete entries of ``bank`` (``entry_ids``, or all of them; ids of other banks are
        ignored) with their video frame hashes; returns how many. Entry ids are never reused,
        so an index that still holds a removed id finds no entry for it and skips it."""

    @abstractmethod
    def delete_bank(self, name: str) -> int:
        """Delete bank ``name`` and all its entries; returns how many entries went."""

    @abstractmethod
    def entries(self, bank: str) -> Iterator[Entry]: ...

    @abstractmethod
    def entry(self, entry_id: int) -> Entry: ...

    @abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """Per bank name, the number of entries of each kind."""

    @abstractmethod
    def exact(self, kind: HashKind, values: Iterable[str]) -> list[Entry]:
        """Entries of ``kind`` (md5, sha256) whose value is one of ``values``."""

    @abstractmethod
    def pdq_since(self, after_id: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """PDQ entries with id > ``after_id``: (ids, codes as an (n, 32) uint8 array)."""

    @abstractmethod
    def last_id(self) -> int:
        """The highest entry id ever given (0 when empty)."""

    # Videos (vPDQ) -----------------------------------------------------------------------------

    @abstractmethod
    def add_video(self, bank: str, features: list[VpdqFeature], metadata: str) -> Entry | None:
        """Add a video's vPDQ hash as one entry; None when the bank already holds it."""

    @abstractmethod
    def video(self, entry_id: int) -> list[VpdqFeature]:
        """The frame hashes of video entry ``entry_id``, in frame order."""

    @abstractmethod
    def has_videos(self) -> bool:
        """Whether any bank holds a video entry."""

    @abstractmethod
    def vpdq_since(self, after_id: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """Frame hashes of video entries with frame id > ``after_id``: (frame ids, codes)."""

    @abstractmethod
    def video_entries(self, frame_ids: Iterable[int]) -> list[int]:
        """The distinct video entry ids the frame ids belong to."""

    @abstractmethod
    def last_frame_id(self) -> int:
        """The highest video frame id ever given (0 when none)."""


def _plain(
    entries: Iterable[tuple[HashKind, str, str]],
) -> Iterator[tuple[HashKind, str, str]]:
    for row in entries:
        if row[0] == "vpdq":
            raise InputError("a video (vpdq) entry is added with add_video, not add_entries")
        yield row


class SqliteBankStore(BankStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the bank database {path}: {exc}; check data_dir (WINNOW_DATA_DIR)"
            ) from None
        self._banks: dict[int, Bank] | None = None

    @classmethod
    def open(cls, data_dir: Path) -> SqliteBankStore:
        return cls(data_dir / "banks" / "banks.db")

    @classmethod
    def in_memory(cls, banks: Iterable[Bank], entries: Iterable[Entry]) -> SqliteBankStore:
        """A store in memory holding ``banks`` and ``entries`` under their own ids (a cache of
        banks kept elsewhere: a tenant's, in the service's database)."""
        store = cls(Path(":memory:"))
        for bank in banks:
            store.create_bank(bank)
        ids = {b.name: b.id for b in store.banks()}
        store._db.executemany(
            "INSERT INTO entries (id, bank_id, kind, value, metadata) VALUES (?, ?, ?, ?, ?)",
            ((e.id, ids[e.bank], e.kind, e.value.lower(), e.metadata) for e in entries),
        )
        return store

    def close(self) -> None:
        self._db.close()

    # Banks -------------------------------------------------------------------------------------

    def create_bank(self, bank: Bank) -> Bank:
        validate_bank(bank)
        try:
            cur = self._db.execute(
                "INSERT INTO banks (name, category, action, pdq_threshold, description) "
                "VALUES (?, ?, ?, ?, ?)",
                (bank.name, bank.category, bank.action, bank.pdq_threshold, bank.description),
            )
        except sqlite3.IntegrityError:
            raise ConfigError(
                f"bank {bank.name!r} already exists; see `winnow bank list`"
            ) from None
        self._banks = None
        return self.bank(bank.name) if cur.lastrowid else bank

    def _by_id(self) -> dict[int, Bank]:
        if self._banks is None:
            rows = self._db.execute(
                "SELECT id, name, category, action, pdq_threshold, description FROM banks"
            )
            self._banks = {r[0]: Bank(r[1], r[2], r[3], int(r[4]), r[5], int(r[0])) for r in rows}
        return self._banks

    def banks(self) -> list[Bank]:
        return sorted(self._by_id().values(), key=lambda b: b.name)

    def bank(self, name: str) -> Bank:
        for bank in self._by_id().values():
            if bank.name == name:
                return bank
        known = ", ".join(b.name for b in self.banks()) or "none yet"
        raise ConfigError(
            f"no bank named {name!r} (banks: {known}); create it with "
            f"`winnow bank create {name} --category CATEGORY`"
        )

    # Entries -----------------------------------------------------------------------------------

    def add_entries(self, bank: str, entries: Iterable[tuple[HashKind, str, str]]) -> int:
        bank_id = self.bank(bank).id
        before = self._db.total_changes
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT OR IGNORE INTO entries (bank_id, kind, value, metadata) VALUES (?, ?, ?, ?)",
                ((bank_id, kind, value.lower(), meta) for kind, value, meta in _plain(entries)),
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return self._db.total_changes - before

    def remove_entries(self, bank: str, entry_ids: Iterable[int] | None = None) -> int:
        bank_id = self.bank(bank).id
        self._db.execute("BEGIN")
        try:
            rows = self._db.execute("SELECT id FROM entries WHERE bank_id = ?", (bank_id,))
            mine = {int(r[0]) for r in rows}
            ids = sorted(mine if entry_ids is None else mine & {int(i) for i in entry_ids})
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM vpdq_frames WHERE entry_id IN ({marks})", chunk)
                self._db.execute(f"DELETE FROM entries WHERE id IN ({marks})", chunk)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return len(ids)

    def delete_bank(self, name: str) -> int:
        removed = self.remove_entries(name)
        self._db.execute("DELETE FROM banks WHERE id = ?", (self.bank(name).id,))
        self._banks = None
        return removed

    def _entry(self, row: tuple[int, int, str, str, str]) -> Entry:
        kind: HashKind = row[2]  # type: ignore[assignment]
        return Entry(self._by_id()[row[1]].name, kind, row[3], row[4], int(row[0]))

    def entries(self, bank: str) -> Iterator[Entry]:
        bank_id = self.bank(bank).id
        rows = self._db.execute(
            "SELECT id, bank_id, kind, value, metadata FROM entries WHERE bank_id = ? ORDER BY id",
            (bank_id,),
        )
        for row in rows:
            yield self._entry(row)

    def entry(self, entry_id: int) -> Entry:
        row = self._db.execute(
            "SELECT id, bank_id, kind, value, metadata FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            raise ConfigError(f"no bank entry with id {entry_id}")
        return self._entry(row)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {b.name: {} for b in self.banks()}
        names = {b.id: b.name for b in self.banks()}
        for bank_id, kind, n in self._db.execute(
            "SELECT bank_id, kind, COUNT(*) FROM entries GROUP BY bank_id, kind"
        ):
            out[names[bank_id]][kind] = int(n)
        return out

    def exact(self, kind: HashKind, values: Iterable[str]) -> list[Entry]:
        wanted = [v.lower() for v in values]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self._db.execute(
            "SELECT id, bank_id, kind, value, metadata FROM entries "
            f"WHERE kind = ? AND value IN ({marks}) ORDER BY id",
            (kind, *wanted),
        )
        return [self._entry(r) for r in rows]

    def pdq_since(self, after_id: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        rows = self._db.execute(
            "SELECT id, value FROM entries WHERE kind = 'pdq' AND id > ? ORDER BY id", (after_id,)
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        hexes = "".join(r[1] for r in rows)
        codes = np.frombuffer(bytes.fromhex(hexes), dtype=np.uint8).reshape(len(rows), 32)
        return ids, codes

    def last_id(self) -> int:
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").fetchone()
        return int(row[0]) if row else 0

    # Videos (vPDQ) -----------------------------------------------------------------------------

    def add_video(self, bank: str, features: list[VpdqFeature], metadata: str) -> Entry | None:
        if not features:
            raise InputError("a video entry needs at least one frame hash")
        bank_id = self.bank(bank).id
        self._db.execute("BEGIN")
        try:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO entries (bank_id, kind, value, metadata) "
                "VALUES (?, 'vpdq', ?, ?)",
                (bank_id, features_digest(features), metadata),
            )
            entry_id = cur.lastrowid if cur.rowcount else None
            if entry_id is not None:
                self._db.executemany(
                    "INSERT INTO vpdq_frames (entry_id, frame, quality, hash, timestamp) "
                    "VALUES (?, ?, ?, ?, ?)",
                    ((entry_id, f.frame, f.quality, f.hex, f.timestamp) for f in features),
                )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return None if entry_id is None else self.entry(entry_id)

    def video(self, entry_id: int) -> list[VpdqFeature]:
        rows = self._db.execute(
            "SELECT frame, quality, hash, timestamp FROM vpdq_frames WHERE entry_id = ? "
            "ORDER BY frame",
            (entry_id,),
        )
        return [VpdqFeature(int(r[0]), int(r[1]), bytes.fromhex(r[2]), float(r[3])) for r in rows]

    def has_videos(self) -> bool:
        return self._db.execute("SELECT 1 FROM vpdq_frames LIMIT 1").fetchone() is not None

    def vpdq_since(self, after_id: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        rows = self._db.execute(
            "SELECT id, hash FROM vpdq_frames WHERE id > ? ORDER BY id", (after_id,)
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        codes = np.frombuffer(bytes.fromhex("".join(r[1] for r in rows)), dtype=np.uint8)
        return ids, codes.reshape(len(rows), 32)

    def video_entries(self, frame_ids: Iterable[int]) -> list[int]:
        wanted = sorted({int(i) for i in frame_ids})
        out: set[int] = set()
        for lo in range(0, len(wanted), 500):  # SQLite caps bound parameters
            part = wanted[lo : lo + 500]
            rows = self._db.execute(
                f"SELECT DISTINCT entry_id FROM vpdq_frames WHERE id IN ({','.join('?' * len(part))})",
                part,
            )
            out.update(int(r[0]) for r in rows)
        return sorted(out)

    def last_frame_id(self) -> int:
        row = self._db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'vpdq_frames'"
        ).fetchone()
        return int(row[0]) if row else 0
