"""Appeals: the API files one, a different reviewer rules on it, the outcome goes to webhooks."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.web.conftest import Console, login
from tests.web.test_console import moderate_text
from winnow.store import review_store

pytestmark = pytest.mark.anyio


async def test_an_appeal_is_ruled_on_by_another_reviewer(
    console: Console, client: httpx.AsyncClient
) -> None:
    decision = await moderate_text(console, "jerk")
    did = str(decision["decision_id"])
    csrf = await login(client)  # alice removes it
    r = await client.post(f"/review/items/{did}", data={"outcome": "remove", "csrf": csrf})
    assert r.status_code == 303

    async with console.api() as api:
        hook = await api.post(
            "/v1/webhooks", json={"url": "http://hooks.test/", "events": ["appeal.resolved"]}
        )
        assert hook.status_code == 403  # a moderate key cannot subscribe: admin can
        made = await api.post(
            f"/v1/decisions/{did}/appeal", json={"reason": "a joke", "user_id": "u1"}
        )
        assert made.status_code == 201, made.text
        again = await api.post(f"/v1/decisions/{did}/appeal", json={"reason": "again"})
        assert again.status_code == 409 and again.json()["error"]["code"]
        missing = await api.post("/v1/decisions/dec_nope/appeal", json={"reason": "x"})
        assert missing.status_code == 404
    appeal_id = made.json()["appeal_id"]
    console.store.create_webhook("acme", "http://hooks.test/", ["appeal.resolved"])

    page = await client.get(f"/review/appeals/{appeal_id}")
    assert "another reviewer rules" in page.text
    r = await client.post(
        f"/review/appeals/{appeal_id}", data={"outcome": "overturned", "reason": "x", "csrf": csrf}
    )
    assert r.status_code == 409 and "different reviewer" in r.text

    async with console.browser() as lena:
        lena_csrf = await login(lena, "lena")
        assert appeal_id in (await lena.get("/review/appeals")).text
        r = await lena.post(
            f"/review/appeals/{appeal_id}",
            data={"outcome": "overturned", "reason": "banter between friends", "csrf": lena_csrf},
        )
        assert r.status_code == 303

    async with console.api() as api:
        out = (await api.get(f"/v1/appeals/{appeal_id}")).json()
    assert out["status"] == "overturned" and out["outcome_reason"] == "banter between friends"
    [delivery] = console.store.list_deliveries("acme")
    assert delivery.event == "appeal.resolved"
    actions = [a.action for a in review_store(console.store).audit("acme", did)]
    assert actions == ["overturned", "remove"]


async def test_review_resolved_can_be_subscribed_through_the_api(console: Console) -> None:
    _, admin = console.store.create_key("acme", "admin", ["admin"], 0)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=console.app), base_url="http://winnow.test",
        headers={"Authorization": f"Bearer {admin}"},
    ) as api:  # fmt: skip
        r = await api.post(
            "/v1/webhooks",
            json={"url": "http://hooks.test/", "events": ["review.resolved", "appeal.resolved"]},
        )
    assert r.status_code == 201, r.text
    assert json.loads(r.text)["events"] == ["review.resolved", "appeal.resolved"]
