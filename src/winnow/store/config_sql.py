"""Tenants' configuration on the SQL store (same engine and write lock)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from winnow.banks.model import Bank, HashKind
from winnow.errors import ConflictError, LimitExceededError
from winnow.store.config import (
    MAX_BANK_ENTRIES,
    MAX_LISTS,
    ConfigStore,
    StoredBank,
    StoredEntry,
    StoredList,
    StoredPolicy,
    TenantConfig,
)
from winnow.store.config_schema import bank_entries, hash_banks, policies, tenant_config, term_lists
from winnow.store.sql import SqlStore

__all__ = ["SqlConfigStore"]


class SqlConfigStore(ConfigStore):
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- revision and snapshot ------------------------------------------------------------

    def revision(self, tenant: str) -> int:
        with self.store._read() as conn:
            found = conn.execute(
                sa.select(tenant_config.c.revision).where(tenant_config.c.tenant == tenant)
            ).scalar()
        return int(found or 0)

    def _bump(self, conn: Connection, tenant: str, **values: Any) -> None:
        """Next revision of ``tenant`` (and ``values``, e.g. its active policy), in ``conn``'s
        transaction."""
        now = time.time()
        dialect = postgresql if self.store.dialect == "postgresql" else sqlite
        conn.execute(
            dialect.insert(tenant_config)
            .values(tenant=tenant, revision=1, updated_at=now, **values)
            .on_conflict_do_update(
                index_elements=[tenant_config.c.tenant],
                set_={"revision": tenant_config.c.revision + 1, "updated_at": now, **values},
            )
        )

    def snapshot(self, tenant: str) -> TenantConfig:
        with self.store._read() as conn, conn.begin():
            row = conn.execute(
                sa.select(tenant_config).where(tenant_config.c.tenant == tenant)
            ).first()
            if row is None:
                return TenantConfig(tenant, 0)
            active = row.active_policy
            policy = None
            if active is not None:
                found = conn.execute(
                    sa.select(policies).where(
                        policies.c.tenant == tenant, policies.c.version == active
                    )
                ).first()
                policy = _policy(found._mapping, True) if found is not None else None
            lists = [
                _list(r._mapping)
                for r in conn.execute(
                    sa.select(term_lists)
                    .where(term_lists.c.tenant == tenant)
                    .order_by(term_lists.c.name)
                )
            ]
            banks = self._banks(conn, tenant)
            entries = [
                _entry(r._mapping)
                for r in conn.execute(
                    sa.select(bank_entries)
                    .where(bank_entries.c.tenant == tenant)
                    .order_by(bank_entries.c.id)
                )
            ]
        return TenantConfig(
            tenant, int(row.revision), policy, tuple(lists), tuple(banks), tuple(entries)
        )

    # -- policies -------------------------------------------------------------------------

    def create_policy(
        self, tenant: str, version: str, document: dict[str, Any], activate: bool
    ) -> StoredPolicy:
        now = time.time()
        with self.store._write() as conn:
            if _exists(conn, policies.c.version, tenant, version):
                raise ConflictError(
                    f"policy version {version!r} exists already; versions never change: "
                    "send the change as a new version"
                )
            conn.execute(
                policies.insert().values(
                    tenant=tenant, version=version, created_at=now,
                    document=json.dumps(document, ensure_ascii=False, sort_keys=True),
                )
            )  # fmt: skip
            self._bump(conn, tenant, **({"active_policy": version} if activate else {}))
        return StoredPolicy(tenant, version, document, now, activate)

    def _active(self, conn: Connection, tenant: str) -> str | None:
        return conn.execute(
            sa.select(tenant_config.c.active_policy).where(tenant_config.c.tenant == tenant)
        ).scalar()

    def policies(self, tenant: str) -> list[StoredPolicy]:
        with self.store._read() as conn:
            active = self._active(conn, tenant)
            rows = conn.execute(
                sa.select(policies)
                .where(policies.c.tenant == tenant)
                .order_by(policies.c.created_at.desc(), policies.c.version)
            ).all()
        return [_policy(r._mapping, r.version == active) for r in rows]

    def policy(self, tenant: str, version: str) -> StoredPolicy | None:
        with self.store._read() as conn:
            active = self._active(conn, tenant)
            row = conn.execute(
                sa.select(policies).where(
                    policies.c.tenant == tenant, policies.c.version == version
                )
            ).first()
        return _policy(row._mapping, version == active) if row is not None else None

    def activate_policy(self, tenant: str, version: str | None) -> bool:
        with self.store._write() as conn:
            if version is not None and not _exists(conn, policies.c.version, tenant, version):
                return False
            self._bump(conn, tenant, active_policy=version)
        return True

    def delete_policy(self, tenant: str, version: str) -> bool:
        with self.store._write() as conn:
            if self._active(conn, tenant) == version:
                raise ConflictError(
                    f"policy version {version!r} is in force: put another one in force first "
                    '(PUT /v1/policy {"version": ...}; null for the service\'s policy)'
                )
            gone = conn.execute(
                policies.delete().where(policies.c.tenant == tenant, policies.c.version == version)
            ).rowcount
            if gone:
                self._bump(conn, tenant)
        return bool(gone)

    # -- term lists -----------------------------------------------------------------------

    def put_list(self, tenant: str, name: str, document: dict[str, Any]) -> tuple[StoredList, bool]:
        now = time.time()
        body = json.dumps(document, ensure_ascii=False, sort_keys=True)
        where = (term_lists.c.tenant == tenant, term_lists.c.name == name)
        with self.store._write() as conn:
            created_at = conn.execute(sa.select(term_lists.c.created_at).where(*where)).scalar()
            if created_at is None:
                count = conn.execute(
                    sa.select(sa.func.count()).where(term_lists.c.tenant == tenant)
                ).scalar_one()
                if count >= MAX_LISTS:
                    raise LimitExceededError(
                        f"a tenant holds at most {MAX_LISTS} lists; merge some or delete one"
                    )
                conn.execute(
                    term_lists.insert().values(
                        tenant=tenant, name=name, document=body, created_at=now, updated_at=now
                    )
                )
            else:
                conn.execute(
                    term_lists.update().where(*where).values(document=body, updated_at=now)
                )
            self._bump(conn, tenant)
        stored = StoredList(tenant, name, document, created_at or now, now)
        return stored, created_at is None

    def lists(self, tenant: str) -> list[StoredList]:
        with self.store._read() as conn:
            rows = conn.execute(
                sa.select(term_lists)
                .where(term_lists.c.tenant == tenant)
                .order_by(term_lists.c.name)
            ).all()
        return [_list(r._mapping) for r in rows]

    def get_list(self, tenant: str, name: str) -> StoredList | None:
        with self.store._read() as conn:
            row = conn.execute(
                sa.select(term_lists).where(
                    term_lists.c.tenant == tenant, term_lists.c.name == name
                )
            ).first()
        return _list(row._mapping) if row is not None else None

    def delete_list(self, tenant: str, name: str) -> bool:
        with self.store._write() as conn:
            gone = conn.execute(
                term_lists.delete().where(term_lists.c.tenant == tenant, term_lists.c.name == name)
            ).rowcount
            if gone:
                self._bump(conn, tenant)
        return bool(gone)

    # -- hash banks -----------------------------------------------------------------------

    def create_bank(self, tenant: str, bank: Bank) -> StoredBank:
        now = time.time()
        with self.store._write() as conn:
            if _exists(conn, hash_banks.c.name, tenant, bank.name):
                raise ConflictError(f"bank {bank.name!r} exists already; pick another name")
            conn.execute(
                hash_banks.insert().values(
                    tenant=tenant, name=bank.name, category=bank.category, action=bank.action,
                    pdq_threshold=bank.pdq_threshold, description=bank.description,
                    created_at=now,
                )
            )  # fmt: skip
            self._bump(conn, tenant)
        return StoredBank(tenant, bank, now)

    def _banks(self, conn: Connection, tenant: str, name: str | None = None) -> list[StoredBank]:
        counts = (
            sa.select(bank_entries.c.bank, sa.func.count().label("n"))
            .where(bank_entries.c.tenant == tenant)
            .group_by(bank_entries.c.bank)
            .subquery()
        )
        query = (
            sa.select(hash_banks, counts.c.n)
            .outerjoin(counts, counts.c.bank == hash_banks.c.name)
            .where(hash_banks.c.tenant == tenant)
            .order_by(hash_banks.c.name)
        )
        if name is not None:
            query = query.where(hash_banks.c.name == name)
        return [_bank(r._mapping) for r in conn.execute(query)]

    def banks(self, tenant: str) -> list[StoredBank]:
        with self.store._read() as conn:
            return self._banks(conn, tenant)

    def get_bank(self, tenant: str, name: str) -> StoredBank | None:
        with self.store._read() as conn:
            found = self._banks(conn, tenant, name)
        return found[0] if found else None

    def delete_bank(self, tenant: str, name: str) -> int | None:
        with self.store._write() as conn:
            gone = conn.execute(
                hash_banks.delete().where(hash_banks.c.tenant == tenant, hash_banks.c.name == name)
            ).rowcount
            if not gone:
                return None
            entries = conn.execute(
                bank_entries.delete().where(
                    bank_entries.c.tenant == tenant, bank_entries.c.bank == name
                )
            ).rowcount
            self._bump(conn, tenant)
        return int(entries or 0)

    def add_entries(
        self, tenant: str, bank: str, entries: Sequence[tuple[HashKind, str, str]]
    ) -> int | None:
        now = time.time()
        with self.store._write() as conn:
            if not _exists(conn, hash_banks.c.name, tenant, bank):
                return None
            have = {  # the bank's rows among these values only (the unique index), not all of it
                (r.kind, r.value)
                for r in conn.execute(
                    sa.select(bank_entries.c.kind, bank_entries.c.value).where(
                        bank_entries.c.tenant == tenant,
                        bank_entries.c.bank == bank,
                        bank_entries.c.kind.in_({kind for kind, _, _ in entries}),
                        bank_entries.c.value.in_({value for _, value, _ in entries}),
                    )
                )
            }
            rows, seen = [], set()
            for kind, value, meta in entries:
                if (kind, value) in have or (kind, value) in seen:
                    continue
                seen.add((kind, value))
                rows.append({"tenant": tenant, "bank": bank, "kind": kind, "value": value,
                             "metadata": meta, "created_at": now})  # fmt: skip
            if not rows:
                return 0
            total = conn.execute(
                sa.select(sa.func.count()).where(bank_entries.c.tenant == tenant)
            ).scalar_one()
            if total + len(rows) > MAX_BANK_ENTRIES:
                raise LimitExceededError(
                    f"a tenant's banks hold at most {MAX_BANK_ENTRIES:,} entries ({total:,} now); "
                    "import larger hash lists service-wide with `winnow bank import`"
                )
            conn.execute(bank_entries.insert(), rows)
            self._bump(conn, tenant)
        return len(rows)

    def entries(
        self, tenant: str, bank: str, after: int = 0, limit: int = 100
    ) -> list[StoredEntry]:
        with self.store._read() as conn:
            rows = conn.execute(
                sa.select(bank_entries)
                .where(
                    bank_entries.c.tenant == tenant,
                    bank_entries.c.bank == bank,
                    bank_entries.c.id > after,
                )
                .order_by(bank_entries.c.id)
                .limit(limit)
            ).all()
        return [_entry(r._mapping) for r in rows]

    def remove_entry(self, tenant: str, bank: str, entry_id: int) -> bool:
        with self.store._write() as conn:
            gone = conn.execute(
                bank_entries.delete().where(
                    bank_entries.c.tenant == tenant,
                    bank_entries.c.bank == bank,
                    bank_entries.c.id == entry_id,
                )
            ).rowcount
            if gone:
                self._bump(conn, tenant)
        return bool(gone)


def _exists(conn: Connection, key: sa.Column[str], tenant: str, value: str) -> bool:
    """Whether ``key``'s table has a row of ``tenant`` whose ``key`` is ``value``."""
    query = sa.select(key).where(key.table.c.tenant == tenant, key == value)
    return conn.execute(query).first() is not None


def _policy(row: RowMapping, active: bool) -> StoredPolicy:
    return StoredPolicy(
        row["tenant"], row["version"], json.loads(row["document"]), row["created_at"], active
    )


def _list(row: RowMapping) -> StoredList:
    return StoredList(
        row["tenant"], row["name"], json.loads(row["document"]), row["created_at"],
        row["updated_at"],
    )  # fmt: skip


def _bank(row: RowMapping) -> StoredBank:
    bank = Bank(
        row["name"], row["category"], row["action"], int(row["pdq_threshold"]), row["description"]
    )
    return StoredBank(row["tenant"], bank, row["created_at"], int(row["n"] or 0))


def _entry(row: RowMapping) -> StoredEntry:
    return StoredEntry(
        int(row["id"]), row["bank"], row["kind"], row["value"], row["metadata"], row["created_at"]
    )
