"""The SQL store: SQLite (embedded default) or PostgreSQL (psycopg 3), through SQLAlchemy Core.

SQLite runs in WAL mode with a busy timeout and ``synchronous=NORMAL`` (MODELS.md: 4 writer
processes, no "database is locked"); writes from this process go one at a time through a lock,
so a transaction never has to upgrade a stale read snapshot. PostgreSQL claims deliveries with
``FOR UPDATE SKIP LOCKED`` so several service processes share one outbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from winnow.errors import ConfigError, ConflictError, StoreError
from winnow.store.records import (
    EVENTS,
    SCOPES,
    ApiKey,
    Attempt,
    DecisionRecord,
    Delivery,
    DeliveryTask,
    Event,
    Store,
    Webhook,
    new_id,
)
from winnow.store.schema import api_keys, attempts, decisions, deliveries, webhooks

__all__ = ["SqlStore", "hash_secret", "new_id"]

_MIGRATION_LOCK = 72_011_606  # pg_advisory_lock key: one migrator at a time


def hash_secret(secret: str) -> str:
    """API keys are 256-bit random strings, so one sha256 is enough to store them safely."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class SqlStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError:
            raise ConfigError(
                f"invalid database URL {url!r}; use sqlite:///PATH or "
                "postgresql+psycopg://USER:PASSWORD@HOST/DB"
            ) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigError(
                f"database {self.dialect!r} is not supported: use SQLite or PostgreSQL"
            )
        if self.dialect == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.engine: Engine = self._engine(parsed)
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.dialect == "sqlite" else contextlib.nullcontext()
        )

    def _engine(self, url: sa.URL) -> Engine:
        if self.dialect != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine

    # -- plumbing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"database {self._safe_url()} failed: {exc.orig}") from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._write_lock, self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"database {self._safe_url()} failed: {exc.orig}") from None

    def _safe_url(self) -> str:
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def migrate(self) -> None:
        from importlib import resources

        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("winnow.store").joinpath("migrations"))
        )
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def ping(self) -> None:
        with self._read() as conn:
            conn.execute(sa.text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    # -- keys -----------------------------------------------------------------------------

    def create_key(
        self, tenant: str, name: str, scopes: Sequence[str], rate_limit: float | None = None
    ) -> tuple[ApiKey, str]:
        bad = [s for s in scopes if s not in SCOPES]
        if bad or not scopes:
            raise ConfigError(f"scopes must be some of {', '.join(SCOPES)}; got {list(scopes)}")
        if not tenant.strip() or not name.strip():
            raise ConfigError("a key needs a non-empty tenant and name")
        if rate_limit is not None and rate_limit < 0:
            raise ConfigError("a key's rate limit must be 0 (unlimited) or more requests/s")
        key_id = secrets.token_hex(6)
        secret = f"wnw_{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, tenant, name, tuple(scopes), rate_limit, time.time())
        with self._write() as conn:
            taken = conn.execute(
                sa.select(api_keys.c.id).where(
                    api_keys.c.tenant == tenant,
                    api_keys.c.name == name,
                    api_keys.c.revoked_at.is_(None),
                )
            ).first()
            if taken is not None:
                raise ConflictError(
                    f"tenant {tenant!r} already has a live key named {name!r}; "
                    "revoke it or pick another name"
                )
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    tenant=tenant,
                    name=name,
                    key_hash=hash_secret(secret),
                    scopes=",".join(key.scopes),
                    rate_limit=rate_limit,
                    created_at=key.created_at,
                )
            )
        return key, secret

    def list_keys(self, tenant: str | None = None) -> list[ApiKey]:
        query = sa.select(api_keys).order_by(api_keys.c.created_at)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        with self._read() as conn:
            return [_key(r) for r in conn.execute(query).mappings()]

    def revoke_key(self, key_id: str) -> bool:
        with self._write() as conn:
            done = conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
            return done.rowcount > 0

    def key_for_secret(self, secret: str) -> ApiKey | None:
        query = sa.select(api_keys).where(
            api_keys.c.key_hash == hash_secret(secret), api_keys.c.revoked_at.is_(None)
        )
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return _key(row) if row is not None else None

    # -- decisions ------------------------------------------------------------------------

    def save_decision(self, record: DecisionRecord, events: Sequence[Event] = ()) -> None:
        with self._write() as conn:
            conn.execute(decisions.insert().values(_decision_row(record)))
            if events:
                self._enqueue(conn, record.tenant, events, record.created_at)

    def current_decisions(
        self,
        tenant: str | None,
        since: float | None = None,
        until: float | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 500,
    ) -> list[DecisionRecord]:
        c = decisions.c
        query = sa.select(decisions).where(c.superseded_by.is_(None))
        if tenant is not None:
            query = query.where(c.tenant == tenant)
        if since is not None:
            query = query.where(c.created_at >= since)
        if until is not None:
            query = query.where(c.created_at < until)
        if after is not None:
            at, last_id = after
            query = query.where(
                sa.or_(c.created_at > at, sa.and_(c.created_at == at, c.id > last_id))
            )
        query = query.order_by(c.created_at, c.id).limit(limit)
        with self._read() as conn:
            return [_decision(r) for r in conn.execute(query).mappings()]

    def supersede_decision(
        self, old_id: str, record: DecisionRecord, events: Sequence[Event] = ()
    ) -> bool:
        c = decisions.c
        with self._write() as conn:
            done = conn.execute(
                decisions.update()
                .where(c.tenant == record.tenant, c.id == old_id, c.superseded_by.is_(None))
                .values(superseded_by=record.id)
            )
            if done.rowcount != 1:
                return False
            conn.execute(decisions.insert().values(_decision_row(record)))
            if events:
                self._enqueue(conn, record.tenant, events, record.created_at)
            return True

    def _enqueue(self, conn: Connection, tenant: str, events: Sequence[Event], now: float) -> None:
        hooks = conn.execute(
            sa.select(webhooks.c.id, webhooks.c.events).where(webhooks.c.tenant == tenant)
        ).all()
        rows = []
        for event in events:
            for hook_id, hook_events in hooks:
                if event.type not in hook_events.split(","):
                    continue
                delivery_id = new_id("msg")
                payload = {"type": event.type, "timestamp": _iso(now), "data": event.data}
                rows.append(
                    {
                        "id": delivery_id,
                        "tenant": tenant,
                        "webhook_id": hook_id,
                        "event": event.type,
                        "payload": json.dumps(payload, ensure_ascii=False),
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                )
        if rows:
            conn.execute(deliveries.insert(), rows)

    def forget(
        self, tenant: str, content_id: str | None = None, user_id: str | None = None
    ) -> dict[str, int]:
        from winnow.store.jobs_schema import job_decisions, job_items
        from winnow.store.review_schema import appeals, review_audit, review_items

        counts: dict[str, int] = {}

        def delete(table: sa.Table, *where: Any) -> None:
            n = conn.execute(table.delete().where(*where)).rowcount or 0
            counts[table.name] = counts.get(table.name, 0) + max(n, 0)

        with self._write() as conn:
            if content_id is not None:
                ids = list(
                    conn.execute(
                        sa.select(decisions.c.id).where(
                            decisions.c.tenant == tenant, decisions.c.content_id == content_id
                        )
                    ).scalars()
                )
                mentions = [deliveries.c.payload.contains(f'"{i}"', autoescape=True) for i in ids]
                mentions.append(
                    deliveries.c.payload.contains(
                        '"id": ' + json.dumps(content_id, ensure_ascii=False), autoescape=True
                    )
                )
                gone = list(
                    conn.execute(
                        sa.select(deliveries.c.id).where(
                            deliveries.c.tenant == tenant, sa.or_(*mentions)
                        )
                    ).scalars()
                )
                if gone:
                    delete(attempts, attempts.c.delivery_id.in_(gone))
                    delete(deliveries, deliveries.c.id.in_(gone))
                delete(
                    job_items, job_items.c.tenant == tenant, job_items.c.content_id == content_id
                )
                if ids:
                    delete(
                        job_items, job_items.c.tenant == tenant, job_items.c.decision_id.in_(ids)
                    )
                    delete(job_decisions, job_decisions.c.decision_id.in_(ids))
                    for table in (appeals, review_audit, review_items):
                        delete(table, table.c.tenant == tenant, table.c.decision_id.in_(ids))
                    delete(decisions, decisions.c.tenant == tenant, decisions.c.id.in_(ids))
            if user_id is not None:
                delete(appeals, appeals.c.tenant == tenant, appeals.c.user_id == user_id)
        return {name: n for name, n in counts.items() if n}

    def get_decision(self, tenant: str, decision_id: str) -> DecisionRecord | None:
        query = sa.select(decisions).where(
            decisions.c.tenant == tenant, decisions.c.id == decision_id
        )
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return _decision(row) if row is not None else None

    def find_decisions(
        self,
        tenant: str,
        sha256: str | None = None,
        content_id: str | None = None,
        limit: int = 100,
    ) -> list[DecisionRecord]:
        query = sa.select(decisions).where(decisions.c.tenant == tenant)
        if sha256 is not None:
            query = query.where(decisions.c.sha256 == sha256)
        if content_id is not None:
            query = query.where(decisions.c.content_id == content_id)
        query = query.order_by(decisions.c.created_at.desc(), decisions.c.id).limit(limit)
        with self._read() as conn:
            return [_decision(r) for r in conn.execute(query).mappings()]

    # -- webhooks -------------------------------------------------------------------------

    def create_webhook(self, tenant: str, url: str, events: Sequence[str]) -> Webhook:
        bad = [e for e in events if e not in EVENTS]
        if bad or not events:
            raise ConfigError(f"events must be some of {', '.join(EVENTS)}; got {list(events)}")
        import base64

        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")
        hook = Webhook(new_id("wh"), tenant, url, tuple(dict.fromkeys(events)), secret, time.time())
        with self._write() as conn:
            taken = conn.execute(
                sa.select(webhooks.c.id).where(webhooks.c.tenant == tenant, webhooks.c.url == url)
            ).first()
            if taken is not None:
                raise ConflictError(
                    f"a webhook for {url} already exists ({taken[0]}); delete it first to "
                    "change its events"
                )
            conn.execute(
                webhooks.insert().values(
                    id=hook.id,
                    tenant=tenant,
                    url=url,
                    events=",".join(hook.events),
                    secret=secret,
                    created_at=hook.created_at,
                )
            )
        return hook

    def list_webhooks(self, tenant: str) -> list[Webhook]:
        query = (
            sa.select(webhooks).where(webhooks.c.tenant == tenant).order_by(webhooks.c.created_at)
        )
        with self._read() as conn:
            return [_webhook(r) for r in conn.execute(query).mappings()]

    def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        with self._write() as conn:
            done = conn.execute(
                webhooks.delete().where(webhooks.c.tenant == tenant, webhooks.c.id == webhook_id)
            )
            if done.rowcount:
                conn.execute(
                    deliveries.update()
                    .where(deliveries.c.webhook_id == webhook_id, deliveries.c.status == "pending")
                    .values(status="failed", last_error="webhook deleted", next_attempt_at=None)
                )
            return done.rowcount > 0

    def claim_deliveries(self, now: float, limit: int, lease_s: float) -> list[DeliveryTask]:
        due = (
            sa.select(deliveries.c.id)
            .where(
                deliveries.c.status == "pending",
                deliveries.c.next_attempt_at <= now,
                sa.or_(deliveries.c.locked_until.is_(None), deliveries.c.locked_until <= now),
            )
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self._write() as conn:
            ids = list(conn.execute(due).scalars())
            if not ids:
                return []
            conn.execute(
                deliveries.update()
                .where(deliveries.c.id.in_(ids))
                .values(locked_until=now + lease_s)
            )
            rows = conn.execute(
                sa.select(
                    deliveries.c.id,
                    deliveries.c.payload,
                    deliveries.c.attempts,
                    deliveries.c.created_at,
                    webhooks.c.url,
                    webhooks.c.secret,
                )
                .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
                .where(deliveries.c.id.in_(ids))
                .order_by(deliveries.c.next_attempt_at)
            ).mappings()
            return [
                DeliveryTask(r["id"], r["url"], r["secret"], r["payload"], r["attempts"],
                             r["created_at"])
                for r in rows
            ]  # fmt: skip

    def record_attempt(
        self, attempt: Attempt, delivered: bool, next_attempt_at: float | None
    ) -> None:
        values: dict[str, Any] = {
            "attempts": deliveries.c.attempts + 1,
            "locked_until": None,
            "last_error": attempt.error,
        }
        if delivered:
            values |= {"status": "delivered", "delivered_at": attempt.attempted_at,
                       "next_attempt_at": None}  # fmt: skip
        elif next_attempt_at is None:
            values |= {"status": "failed", "next_attempt_at": None}
        else:
            values |= {"next_attempt_at": next_attempt_at}
        with self._write() as conn:
            conn.execute(
                attempts.insert().values(
                    delivery_id=attempt.delivery_id,
                    attempted_at=attempt.attempted_at,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    duration_ms=attempt.duration_ms,
                )
            )
            conn.execute(
                deliveries.update().where(deliveries.c.id == attempt.delivery_id).values(values)
            )

    def list_deliveries(
        self, tenant: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        query = sa.select(deliveries).where(deliveries.c.tenant == tenant)
        if webhook_id is not None:
            query = query.where(deliveries.c.webhook_id == webhook_id)
        query = query.order_by(deliveries.c.created_at.desc(), deliveries.c.id).limit(limit)
        with self._read() as conn:
            return [_delivery(r) for r in conn.execute(query).mappings()]

    def get_delivery(self, tenant: str, delivery_id: str) -> Delivery | None:
        query = sa.select(deliveries).where(
            deliveries.c.tenant == tenant, deliveries.c.id == delivery_id
        )
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return _delivery(row) if row is not None else None

    def list_attempts(self, tenant: str, delivery_id: str) -> list[Attempt]:
        query = (
            sa.select(attempts)
            .join(deliveries, deliveries.c.id == attempts.c.delivery_id)
            .where(deliveries.c.tenant == tenant, attempts.c.delivery_id == delivery_id)
            .order_by(attempts.c.id)
        )
        with self._read() as conn:
            return [
                Attempt(r["delivery_id"], r["attempted_at"], r["status_code"], r["error"],
                        r["duration_ms"])
                for r in conn.execute(query).mappings()
            ]  # fmt: skip

    def replay_delivery(self, tenant: str, delivery_id: str, now: float) -> bool:
        with self._write() as conn:
            live_hook = (
                sa.select(webhooks.c.id).where(webhooks.c.id == deliveries.c.webhook_id).exists()
            )
            done = conn.execute(
                deliveries.update()
                .where(deliveries.c.tenant == tenant, deliveries.c.id == delivery_id, live_hook)
                .values(status="pending", next_attempt_at=now, locked_until=None)
            )
            return done.rowcount > 0

    def pending_deliveries(self) -> int:
        query = sa.select(sa.func.count()).where(deliveries.c.status == "pending")
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _key(r: RowMapping) -> ApiKey:
    return ApiKey(
        r["id"], r["tenant"], r["name"], tuple(r["scopes"].split(",")), r["rate_limit"],
        r["created_at"], r["revoked_at"],
    )  # fmt: skip


def _decision(r: RowMapping) -> DecisionRecord:
    return DecisionRecord(
        r["id"], r["tenant"], r["content_id"], r["sha256"], r["media_type"], r["verdict"],
        r["policy_version"], r["created_at"], json.loads(r["body"]),
        json.loads(r["results"]) if r["results"] is not None else None,
        json.loads(r["hashes"]) if r["hashes"] is not None else None,
        r["supersedes"], r["superseded_by"],
    )  # fmt: skip


def _decision_row(record: DecisionRecord) -> dict[str, Any]:
    def dump(value: Any) -> str | None:
        return json.dumps(value, ensure_ascii=False) if value is not None else None

    return {
        "id": record.id,
        "tenant": record.tenant,
        "content_id": record.content_id,
        "sha256": record.sha256,
        "media_type": record.media_type,
        "verdict": record.verdict,
        "policy_version": record.policy_version,
        "created_at": record.created_at,
        "body": json.dumps(record.body, ensure_ascii=False),
        "results": dump(record.results),
        "hashes": dump(record.hashes),
        "supersedes": record.supersedes,
        "superseded_by": record.superseded_by,
    }


def _webhook(r: RowMapping) -> Webhook:
    return Webhook(
        r["id"], r["tenant"], r["url"], tuple(r["events"].split(",")), r["secret"],
        r["created_at"],
    )  # fmt: skip


def _delivery(r: RowMapping) -> Delivery:
    return Delivery(
        r["id"], r["tenant"], r["webhook_id"], r["event"], r["status"], r["attempts"],
        r["created_at"], r["next_attempt_at"], r["delivered_at"], r["last_error"],
    )  # fmt: skip
