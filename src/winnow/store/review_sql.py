"""The review console's tables on the SQL store (same engine, write lock and outbox)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from winnow.errors import ConfigError, ConflictError
from winnow.store.records import Event
from winnow.store.review import (
    APPEAL_OUTCOMES,
    OUTCOMES,
    ROLES,
    Appeal,
    AuditEntry,
    QueueFilter,
    Resolution,
    Reviewer,
    ReviewItem,
    ReviewStore,
)
from winnow.store.review_schema import appeals, review_audit, review_items, reviewers
from winnow.store.schema import decisions
from winnow.store.sql import SqlStore, new_id

__all__ = ["SqlReviewStore"]

_ITEM_COLUMNS = [c for c in review_items.c if c.name not in ("text", "data")]


class SqlReviewStore(ReviewStore):
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- reviewers ------------------------------------------------------------------------

    def create_reviewer(
        self, tenant: str, username: str, password_hash: str, role: str
    ) -> Reviewer:
        if role not in ROLES:
            raise ConfigError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
        if not tenant.strip() or not username.strip():
            raise ConfigError("a reviewer needs a non-empty tenant and username")
        reviewer = Reviewer(new_id("rev"), tenant, username, role, time.time())
        with self.store._write() as conn:
            taken = conn.execute(
                sa.select(reviewers.c.id).where(reviewers.c.username == username)
            ).first()
            if taken is not None:
                raise ConflictError(f"reviewer {username!r} exists already; pick another name")
            conn.execute(
                reviewers.insert().values(
                    id=reviewer.id, tenant=tenant, username=username,
                    password_hash=password_hash, role=role, created_at=reviewer.created_at,
                )
            )  # fmt: skip
        return reviewer

    def reviewer_login(self, username: str) -> tuple[Reviewer, str] | None:
        query = sa.select(reviewers).where(
            reviewers.c.username == username, reviewers.c.disabled_at.is_(None)
        )
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return (_reviewer(row), row["password_hash"]) if row is not None else None

    def get_reviewer(self, reviewer_id: str) -> Reviewer | None:
        query = sa.select(reviewers).where(
            reviewers.c.id == reviewer_id, reviewers.c.disabled_at.is_(None)
        )
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return _reviewer(row) if row is not None else None

    def list_reviewers(self, tenant: str | None = None) -> list[Reviewer]:
        query = sa.select(reviewers).order_by(reviewers.c.created_at)
        if tenant is not None:
            query = query.where(reviewers.c.tenant == tenant)
        with self.store._read() as conn:
            return [_reviewer(r) for r in conn.execute(query).mappings()]

    def disable_reviewer(self, username: str, now: float) -> bool:
        with self.store._write() as conn:
            done = conn.execute(
                reviewers.update()
                .where(reviewers.c.username == username, reviewers.c.disabled_at.is_(None))
                .values(disabled_at=now)
            )
            return done.rowcount > 0

    # -- items ----------------------------------------------------------------------------

    def open_item(self, item: ReviewItem, text: str | None, data: bytes | None) -> None:
        with self.store._write() as conn:
            exists = conn.execute(
                sa.select(review_items.c.decision_id).where(
                    review_items.c.decision_id == item.decision_id
                )
            ).first()
            if exists is not None:
                return
            conn.execute(
                review_items.insert().values(
                    decision_id=item.decision_id, tenant=item.tenant, sha256=item.sha256,
                    media_type=item.media_type, source=item.source[:200],
                    categories="," + ",".join(item.categories) + ",",
                    created_at=item.created_at, status="open", expires_at=item.expires_at,
                    text=text, data=data,
                )
            )  # fmt: skip

    def queue(self, tenant: str, filt: QueueFilter, now: float) -> list[ReviewItem]:
        c = review_items.c
        query = (
            sa.select(*_ITEM_COLUMNS)
            .where(c.tenant == tenant, c.status == filt.status)
            .order_by(c.created_at, c.decision_id)
            .limit(filt.limit)
        )
        if filt.category:
            query = query.where(c.categories.contains(f",{filt.category},", autoescape=True))
        if filt.source:
            query = query.where(c.source == filt.source)
        if filt.max_age_s is not None:
            query = query.where(c.created_at >= now - filt.max_age_s)
        if filt.min_age_s is not None:
            query = query.where(c.created_at <= now - filt.min_age_s)
        with self.store._read() as conn:
            return [_item(r) for r in conn.execute(query).mappings()]

    def get_item(self, tenant: str, decision_id: str) -> ReviewItem | None:
        query = sa.select(*_ITEM_COLUMNS).where(
            review_items.c.tenant == tenant, review_items.c.decision_id == decision_id
        )
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return _item(row) if row is not None else None

    def item_content(
        self, tenant: str, decision_id: str, now: float
    ) -> tuple[str | None, bytes | None]:
        c = review_items.c
        query = sa.select(c.text, c.data).where(
            c.tenant == tenant, c.decision_id == decision_id, c.expires_at > now
        )
        with self.store._read() as conn:
            row = conn.execute(query).first()
        return (row[0], bytes(row[1]) if row[1] is not None else None) if row else (None, None)

    def resolve(
        self,
        tenant: str,
        decision_id: str,
        reviewer_id: str,
        resolution: Resolution,
        now: float,
        events: Sequence[Event] = (),
    ) -> ReviewItem:
        if resolution.outcome not in OUTCOMES:
            raise ConfigError(f"outcome must be one of {', '.join(OUTCOMES)}")
        c = review_items.c
        with self.store._write() as conn:
            row = conn.execute(
                sa.select(*_ITEM_COLUMNS).where(c.tenant == tenant, c.decision_id == decision_id)
            ).mappings().first()  # fmt: skip
            if row is None:
                raise ConfigError(f"no review item {decision_id!r}")
            before = _item(row)
            if before.status == "resolved":
                raise ConflictError(
                    f"item {decision_id} was already resolved ({before.outcome}) by another "
                    "reviewer; reload the queue"
                )
            status = "escalated" if resolution.outcome == "escalate" else "resolved"
            values: dict[str, Any] = {
                "status": status, "outcome": resolution.outcome, "category": resolution.category,
                "reason": resolution.reason, "reviewer_id": reviewer_id, "updated_at": now,
            }  # fmt: skip
            conn.execute(
                review_items.update()
                .where(c.decision_id == decision_id, c.status == before.status)
                .values(**values)
            )
            after = ReviewItem(**{**_as_dict(before), **values})
            conn.execute(
                review_audit.insert().values(
                    tenant=tenant, decision_id=decision_id, reviewer_id=reviewer_id,
                    action=resolution.outcome, before=json.dumps(before.state()),
                    after=json.dumps({**after.state(), **resolution.detail}), at=now,
                )
            )  # fmt: skip
            if events:
                self.store._enqueue(conn, tenant, events, now)
        return after

    def audit(
        self, tenant: str, decision_id: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        query = (
            sa.select(review_audit)
            .where(review_audit.c.tenant == tenant)
            .order_by(review_audit.c.id.desc())
            .limit(limit)
        )
        if decision_id is not None:
            query = query.where(review_audit.c.decision_id == decision_id)
        with self.store._read() as conn:
            return [_audit(r) for r in conn.execute(query).mappings()]

    def purge_expired(self, now: float) -> int:
        c = review_items.c
        with self.store._write() as conn:
            done = conn.execute(
                review_items.update()
                .where(c.expires_at <= now, sa.or_(c.text.is_not(None), c.data.is_not(None)))
                .values(text=None, data=None)
            )
            return done.rowcount

    # -- appeals ---------------------------------------------------------------------------

    def create_appeal(
        self, tenant: str, decision_id: str, reason: str, user_id: str | None, now: float
    ) -> Appeal:
        with self.store._write() as conn:
            taken = conn.execute(
                sa.select(appeals.c.id).where(
                    appeals.c.tenant == tenant, appeals.c.decision_id == decision_id
                )
            ).first()
            if taken is not None:
                raise ConflictError(
                    f"decision {decision_id} has an appeal already ({taken[0]}); "
                    f"see GET /v1/appeals/{taken[0]}"
                )
            decided_by = conn.execute(
                sa.select(review_items.c.reviewer_id).where(
                    review_items.c.tenant == tenant, review_items.c.decision_id == decision_id
                )
            ).scalar()
            appeal = Appeal(new_id("apl"), tenant, decision_id, reason, user_id, now,
                            decided_by=decided_by)  # fmt: skip
            conn.execute(appeals.insert().values(**_as_row(appeal)))
        return appeal

    def get_appeal(self, tenant: str, appeal_id: str) -> Appeal | None:
        query = sa.select(appeals).where(appeals.c.tenant == tenant, appeals.c.id == appeal_id)
        with self.store._read() as conn:
            row = conn.execute(query).mappings().first()
        return Appeal(**row) if row is not None else None

    def appeals(self, tenant: str, status: str = "open", limit: int = 100) -> list[Appeal]:
        query = (
            sa.select(appeals)
            .where(appeals.c.tenant == tenant, appeals.c.status == status)
            .order_by(appeals.c.created_at, appeals.c.id)
            .limit(limit)
        )
        with self.store._read() as conn:
            return [Appeal(**r) for r in conn.execute(query).mappings()]

    def decide_appeal(
        self,
        tenant: str,
        appeal_id: str,
        reviewer_id: str,
        outcome: str,
        reason: str,
        now: float,
        events: Sequence[Event] = (),
    ) -> Appeal:
        if outcome not in APPEAL_OUTCOMES:
            raise ConfigError(f"an appeal is {' or '.join(APPEAL_OUTCOMES)}, not {outcome!r}")
        with self.store._write() as conn:
            row = conn.execute(
                sa.select(appeals).where(appeals.c.tenant == tenant, appeals.c.id == appeal_id)
            ).mappings().first()  # fmt: skip
            if row is None:
                raise ConfigError(f"no appeal {appeal_id!r}")
            before = Appeal(**row)
            if before.status != "open":
                raise ConflictError(f"appeal {appeal_id} was decided already ({before.status})")
            if before.decided_by == reviewer_id:
                raise ConflictError(
                    "you decided this item: its appeal goes to a different reviewer"
                )
            values = {"status": outcome, "reviewer_id": reviewer_id, "outcome_reason": reason,
                      "decided_at": now}  # fmt: skip
            conn.execute(
                appeals.update()
                .where(appeals.c.id == appeal_id, appeals.c.status == "open")
                .values(**values)
            )
            conn.execute(
                review_audit.insert().values(
                    tenant=tenant, decision_id=before.decision_id, reviewer_id=reviewer_id,
                    action=outcome, before=json.dumps({"status": "appealed"}),
                    after=json.dumps({"status": outcome, "reason": reason,
                                      "appeal_id": appeal_id}), at=now,
                )
            )  # fmt: skip
            if events:
                self.store._enqueue(conn, tenant, events, now)
        return Appeal(**{**_as_row(before), **values})

    # -- insight ---------------------------------------------------------------------------

    def verdict_counts(self, tenant: str, since: float) -> list[tuple[int, str, int]]:
        c = decisions.c
        day = sa.cast(sa.func.floor(c.created_at / 86400.0), sa.Integer)
        query = (
            sa.select(day, c.verdict, sa.func.count())
            .where(c.tenant == tenant, c.created_at >= since)
            .group_by(day, c.verdict)
            .order_by(day, c.verdict)
        )
        with self.store._read() as conn:
            return [(int(d), str(v), int(n)) for d, v, n in conn.execute(query)]

    def items_since(self, tenant: str, since: float) -> list[ReviewItem]:
        c = review_items.c
        query = (
            sa.select(*_ITEM_COLUMNS)
            .where(c.tenant == tenant, c.created_at >= since)
            .order_by(c.created_at)
        )
        with self.store._read() as conn:
            return [_item(r) for r in conn.execute(query).mappings()]

    def audit_since(self, tenant: str, since: float) -> list[AuditEntry]:
        a = review_audit.c
        query = sa.select(review_audit).where(a.tenant == tenant, a.at >= since).order_by(a.id)
        with self.store._read() as conn:
            return [_audit(r) for r in conn.execute(query).mappings()]

    def count_decisions(self, tenant: str, sha256: str, verdict_not: str) -> tuple[int, int]:
        c = decisions.c
        flips = sa.func.sum(sa.case((c.verdict != verdict_not, 1), else_=0))
        query = sa.select(flips, sa.func.count()).where(c.tenant == tenant, c.sha256 == sha256)
        with self.store._read() as conn:
            row = conn.execute(query).first()
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


def _reviewer(r: RowMapping) -> Reviewer:
    return Reviewer(
        r["id"], r["tenant"], r["username"], r["role"], r["created_at"], r["disabled_at"]
    )


def _audit(r: RowMapping) -> AuditEntry:
    return AuditEntry(
        r["id"], r["tenant"], r["decision_id"], r["reviewer_id"], r["action"],
        json.loads(r["before"]), json.loads(r["after"]), r["at"],
    )  # fmt: skip


def _item(r: RowMapping) -> ReviewItem:
    return ReviewItem(
        decision_id=r["decision_id"], tenant=r["tenant"], sha256=r["sha256"],
        media_type=r["media_type"], source=r["source"],
        categories=tuple(x for x in r["categories"].split(",") if x),
        created_at=r["created_at"], status=r["status"], outcome=r["outcome"],
        category=r["category"], reason=r["reason"], reviewer_id=r["reviewer_id"],
        updated_at=r["updated_at"], expires_at=r["expires_at"],
    )  # fmt: skip


def _as_row(appeal: Appeal) -> dict[str, Any]:
    return {name: getattr(appeal, name) for name in Appeal.__slots__}


def _as_dict(item: ReviewItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ReviewItem.__slots__}
