"""The store contract: every backend (SQLite, PostgreSQL) passes the same tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from winnow.errors import ConfigError, ConflictError
from winnow.store import Attempt, DecisionRecord, Event, Store, open_store

SHA = "ab" * 32


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = open_store(database_url)
    yield s
    s.close()


def record(
    tenant: str = "acme", id: str = "dec_1", sha256: str = SHA, **kw: object
) -> DecisionRecord:
    fields: dict[str, object] = {
        "content_id": "post-1", "media_type": "text", "verdict": "block",
        "policy_version": "default@1", "created_at": time.time(),
        "body": {"scores": {"hate": 0.9}, "matches": [], "language": "en", "detectors": {}},
    }  # fmt: skip
    fields.update(kw)
    return DecisionRecord(id=id, tenant=tenant, sha256=sha256, **fields)  # type: ignore[arg-type]


def flagged(rec: DecisionRecord) -> list[Event]:
    return [Event("decision.flagged", rec.to_json())]


def test_migrations_are_idempotent_and_match_the_schema(store: Store, database_url: str) -> None:
    from importlib import resources

    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from winnow.store import (
        config_schema,  # noqa: F401  (its tables, on the same metadata)
        jobs_schema,  # noqa: F401  (its tables, on the same metadata)
        review_schema,  # noqa: F401  (its tables, on the same metadata)
    )
    from winnow.store.schema import metadata

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("winnow.store").joinpath("migrations"))
    )
    head = ScriptDirectory.from_config(cfg).get_current_head()
    store.migrate()  # a second run is a no-op
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert diff == []
    assert version == head


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    import sqlalchemy as sa

    s = open_store(f"sqlite:///{tmp_path}/w.db")
    assert isinstance(s, __import__("winnow.store.sql", fromlist=["SqlStore"]).SqlStore)
    with s.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar_one() == 30000
    s.close()


def test_keys_are_stored_hashed_and_found_by_secret(store: Store) -> None:
    key, secret = store.create_key("acme", "ci", ["moderate", "review"], rate_limit=5)
    assert secret.startswith(f"wnw_{key.id}_") and len(secret) > 40
    assert store.key_for_secret(secret) == key
    assert store.key_for_secret(secret + "x") is None
    assert key.allows("review") and not key.allows("admin")
    import sqlalchemy as sa

    from winnow.store.sql import SqlStore

    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM api_keys")).all()
    assert secret not in repr(rows)
    assert store.revoke_key(key.id) is True
    assert store.revoke_key(key.id) is False
    assert store.key_for_secret(secret) is None
    assert [k.revoked_at is not None for k in store.list_keys("acme")] == [True]


def test_key_names_are_unique_per_tenant_and_scopes_checked(store: Store) -> None:
    store.create_key("acme", "ci", ["moderate"])
    with pytest.raises(ConflictError, match="already has a live key named 'ci'"):
        store.create_key("acme", "ci", ["moderate"])
    store.create_key("other", "ci", ["moderate"])  # another tenant may
    with pytest.raises(ConfigError, match="scopes must be some of"):
        store.create_key("acme", "x", ["superuser"])
    assert {k.tenant for k in store.list_keys()} == {"acme", "other"}
    assert len(store.list_keys("other")) == 1


def test_decisions_by_id_hash_and_content_id_within_a_tenant(store: Store) -> None:
    store.save_decision(record(id="dec_1", created_at=1.0))
    store.save_decision(record(id="dec_2", created_at=2.0, content_id="post-2"))
    store.save_decision(record(tenant="other", id="dec_3"))
    got = store.get_decision("acme", "dec_1")
    assert got is not None and got.body["scores"] == {"hate": 0.9}
    assert [r.id for r in store.find_decisions("acme", sha256=SHA)] == ["dec_2", "dec_1"]
    assert [r.id for r in store.find_decisions("acme", content_id="post-2")] == ["dec_2"]
    assert store.find_decisions("acme", sha256="cd" * 32) == []


def test_no_read_crosses_tenants(store: Store) -> None:
    store.save_decision(record(tenant="acme", id="dec_a"))
    hook = store.create_webhook("acme", "http://127.0.0.1:9/h", ["decision.flagged"])
    rec = record(tenant="acme", id="dec_b")
    store.save_decision(rec, flagged(rec))
    (delivery,) = store.list_deliveries("acme")
    assert store.get_decision("evil", "dec_a") is None
    assert store.find_decisions("evil", sha256=SHA) == []
    assert store.list_webhooks("evil") == []
    assert store.delete_webhook("evil", hook.id) is False
    assert store.list_deliveries("evil") == []
    assert store.get_delivery("evil", delivery.id) is None
    assert store.list_attempts("evil", delivery.id) == []
    assert store.replay_delivery("evil", delivery.id, time.time()) is False
    assert store.list_webhooks("acme") == [hook]


def test_events_go_to_the_outbox_of_subscribed_hooks_only(store: Store) -> None:
    a = store.create_webhook("acme", "http://127.0.0.1:9/a", ["decision.flagged"])
    store.create_webhook("acme", "http://127.0.0.1:9/b", ["job.completed"])
    store.create_webhook("other", "http://127.0.0.1:9/a", ["decision.flagged"])
    rec = record()
    store.save_decision(rec, flagged(rec))
    (d,) = store.list_deliveries("acme")
    assert (d.webhook_id, d.event, d.status, d.attempts) == (a.id, "decision.flagged", "pending", 0)
    assert store.list_deliveries("other") == []
    assert store.pending_deliveries() == 1


def test_decision_and_outbox_are_one_transaction(store: Store) -> None:
    store.create_webhook("acme", "http://127.0.0.1:9/a", ["decision.flagged"])
    rec = record()
    store.save_decision(rec, flagged(rec))
    with pytest.raises(Exception):  # noqa: B017 - the duplicate id's error is the backend's
        store.save_decision(rec, flagged(rec))
    assert len(store.list_deliveries("acme")) == 1


def test_webhook_urls_are_unique_per_tenant(store: Store) -> None:
    store.create_webhook("acme", "http://127.0.0.1:9/a", ["decision.flagged"])
    with pytest.raises(ConflictError, match="already exists"):
        store.create_webhook("acme", "http://127.0.0.1:9/a", ["job.completed"])
    with pytest.raises(ConfigError, match="events must be some of"):
        store.create_webhook("acme", "http://127.0.0.1:9/b", ["nope"])


def test_claims_lease_retry_deliver_fail_and_replay(store: Store) -> None:
    store.create_webhook("acme", "http://127.0.0.1:9/a", ["decision.flagged"])
    rec = record(created_at=100.0)
    store.save_decision(rec, flagged(rec))
    (task,) = store.claim_deliveries(now=100.0, limit=10, lease_s=60)
    assert task.url == "http://127.0.0.1:9/a" and task.secret.startswith("whsec_")
    assert store.claim_deliveries(now=110.0, limit=10, lease_s=60) == []  # leased
    store.record_attempt(Attempt(task.id, 110.0, 503, "HTTP 503", 3.0), False, 200.0)
    assert store.claim_deliveries(now=150.0, limit=10, lease_s=60) == []  # not due yet
    (again,) = store.claim_deliveries(now=200.0, limit=10, lease_s=60)
    assert again.id == task.id and again.attempts == 1
    store.record_attempt(Attempt(task.id, 200.0, 204, None, 2.0), True, None)
    got = store.get_delivery("acme", task.id)
    assert got is not None and (got.status, got.attempts, got.delivered_at) == (
        "delivered",
        2,
        200.0,
    )
    assert [a.status_code for a in store.list_attempts("acme", task.id)] == [503, 204]
    assert store.pending_deliveries() == 0
    assert store.replay_delivery("acme", task.id, now=300.0) is True
    (replayed,) = store.claim_deliveries(now=300.0, limit=10, lease_s=60)
    assert replayed.id == task.id  # same webhook-id: receivers deduplicate
    store.record_attempt(Attempt(task.id, 300.0, None, "ConnectError", 1.0), False, None)
    got = store.get_delivery("acme", task.id)
    assert got is not None and got.status == "failed"


def test_deleting_a_webhook_fails_its_pending_deliveries(store: Store) -> None:
    hook = store.create_webhook("acme", "http://127.0.0.1:9/a", ["decision.flagged"])
    rec = record()
    store.save_decision(rec, flagged(rec))
    assert store.delete_webhook("acme", hook.id) is True
    (d,) = store.list_deliveries("acme")
    assert d.status == "failed" and store.claim_deliveries(time.time() + 1, 10, 60) == []
    assert store.replay_delivery("acme", d.id, time.time()) is False


def test_concurrent_writers_lose_nothing(store: Store) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(40):
                store.save_decision(record(id=f"dec_{n}_{i}", content_id=f"{n}-{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.find_decisions("acme", limit=1000)) == 160
