"""Erasure by content id and by user id: everything about it goes, in this tenant only."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service
from winnow.store import ReviewItem, review_store

pytestmark = pytest.mark.anyio


async def test_forgetting_a_content_id_removes_every_trace_in_this_tenant_only(
    service: Service,
) -> None:
    admin = service.client("acme/admin")
    await admin.create_webhook("http://127.0.0.1:9/hook", ["decision.flagged"])
    acme, other = service.client("acme/moderate"), service.client("other/moderate")
    first = await acme.moderate_text("so HATEFUL", id="post-1")  # block: a flagged delivery
    await acme.moderate_text("fine words", id="post-1")  # the same id, edited
    kept = await acme.moderate_text("fine words", id="post-2")
    theirs = await other.moderate_text("so HATEFUL", id="post-1")
    store = service.store
    reviews = review_store(store)
    item = ReviewItem(first["decision_id"], "acme", "0" * 64, "text", "k", ("hate",), 1.0)
    reviews.open_item(item, "so HATEFUL", None)
    r = await acme.http.post(
        f"/v1/decisions/{first['decision_id']}/appeal", json={"reason": "satire", "user_id": "u-9"}
    )
    assert r.status_code in (200, 201), r.text
    assert len(store.list_deliveries("acme")) == 1

    r = await acme.http.delete("/v1/content/post-1")
    assert r.status_code == 403  # erasure needs admin
    r = await admin.http.delete("/v1/content/post-1")
    assert r.status_code == 200, r.text
    deleted = r.json()["deleted"]
    assert deleted["decisions"] == 2 and deleted["review_items"] == 1 and deleted["appeals"] == 1
    assert deleted["deliveries"] == 1
    assert store.find_decisions("acme", content_id="post-1") == []
    assert reviews.get_item("acme", first["decision_id"]) is None
    assert store.list_deliveries("acme") == []
    assert store.get_decision("acme", kept["decision_id"]) is not None  # another id stays
    assert store.get_decision("other", theirs["decision_id"]) is not None  # another tenant's too
    r = await admin.http.delete("/v1/content/post-1")
    assert r.status_code == 200 and r.json() == {"deleted": {}}  # idempotent


async def test_forgetting_a_user_id_removes_their_appeals(service: Service) -> None:
    acme = service.client("acme/moderate")
    decided = await acme.moderate_text("so HATEFUL", id="post-7")
    r = await acme.http.post(
        f"/v1/decisions/{decided['decision_id']}/appeal", json={"reason": "no", "user_id": "u-1"}
    )
    assert r.status_code in (200, 201), r.text
    r = await service.client("other/admin").http.delete("/v1/users/u-1")
    assert r.json() == {"deleted": {}}  # not that tenant's user
    r = await service.client("acme/admin").http.delete("/v1/users/u-1")
    assert r.json() == {"deleted": {"appeals": 1}}
    assert service.store.get_decision("acme", decided["decision_id"]) is not None
