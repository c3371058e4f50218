"""The review console in-process: sign-in, CSRF, headers, queue, evidence, decisions, feedback."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Console, csrf_of, login
from tests.web.fakes import as_jpeg, textured_png
from winnow.policy import default_policy
from winnow.store import review_store

pytestmark = pytest.mark.anyio


async def moderate_text(console: Console, text: str) -> dict[str, object]:
    async with console.api() as api:
        r = await api.post("/v1/moderate", json={"text": text})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def moderate_image(console: Console, data: bytes) -> dict[str, object]:
    async with console.api() as api:
        r = await api.post("/v1/moderate", json={"image_base64": base64.b64encode(data).decode()})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/review", "/review/audit", "/review/items/dec_x"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/review/login"


async def test_wrong_password_and_missing_csrf_are_refused(client: httpx.AsyncClient) -> None:
    page = await client.get("/review/login")
    r = await client.post(
        "/review/login",
        data={"username": "alice", "password": "wrong password!", "csrf": csrf_of(page.text)},
    )
    assert r.status_code == 401 and "wrong password" in r.text
    r = await client.post("/review/login", data={"username": "alice", "password": "x"})
    assert r.status_code == 403


async def test_session_cookie_and_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/review/login")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    r = await client.post(
        "/review/login",
        data={"username": "alice", "password": "correct horse battery", "csrf": csrf_of(page.text)},
    )
    cookie = r.headers["set-cookie"].lower()
    assert "winnow_review=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_a_review_text_is_queued_with_its_span_highlighted(
    console: Console, client: httpx.AsyncClient
) -> None:
    decision = await moderate_text(console, "you are a jerk, friend")
    assert decision["verdict"] == "review"
    await moderate_text(console, "a fine day")  # allowed: not queued
    await login(client)
    queue = await client.get("/review")
    assert str(decision["decision_id"]) in queue.text and queue.text.count('name="ids"') == 1
    page = await client.get(f"/review/items/{decision['decision_id']}")
    assert '<mark title="harassment">jerk</mark>' in page.text


async def test_queue_filters_by_category_and_age(
    console: Console, client: httpx.AsyncClient
) -> None:
    text = await moderate_text(console, "jerk")
    image = await moderate_image(console, textured_png())
    await login(client)
    only_text = await client.get("/review", params={"category": "harassment"})
    assert str(text["decision_id"]) in only_text.text
    assert str(image["decision_id"]) not in only_text.text
    old = await client.get("/review", params={"age": "old"})
    assert 'name="ids"' not in old.text
    by_source = await client.get("/review", params={"source": "uploads"})
    assert by_source.text.count('name="ids"') == 2


async def test_other_tenants_see_nothing(console: Console, client: httpx.AsyncClient) -> None:
    decision = await moderate_text(console, "jerk")
    await login(client, "oscar")
    assert str(decision["decision_id"]) not in (await client.get("/review")).text
    page = await client.get(f"/review/items/{decision['decision_id']}")
    assert page.status_code == 404
    image = await client.get(f"/review/items/{decision['decision_id']}/image")
    assert image.status_code == 404


async def test_a_post_without_the_session_csrf_changes_nothing(
    console: Console, client: httpx.AsyncClient
) -> None:
    decision = await moderate_text(console, "jerk")
    await login(client)
    r = await client.post(
        f"/review/items/{decision['decision_id']}", data={"outcome": "remove", "csrf": "forged"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/review/login"
    item = review_store(console.store).get_item("acme", str(decision["decision_id"]))
    assert item is not None and item.status == "open"


async def test_removing_an_image_banks_its_hashes_and_a_reupload_is_blocked(
    console: Console, client: httpx.AsyncClient
) -> None:
    console.store.create_webhook("acme", "http://hooks.test/", ["review.resolved"])
    png = textured_png()
    decision = await moderate_image(console, png)
    assert decision["verdict"] == "review"
    csrf = await login(client)
    page = await client.get(f"/review/items/{decision['decision_id']}")
    assert 'class="reveal blurred"' in page.text and "data-box=" in page.text
    assert "flips <strong>1</strong> of 1" in page.text  # dry run: the one stored decision
    image = await client.get(f"/review/items/{decision['decision_id']}/image")
    assert image.content == png and image.headers["content-type"] == "image/png"

    r = await client.post(
        f"/review/items/{decision['decision_id']}",
        data={"outcome": "remove", "category": "violence", "reason": "weapon", "teach": "on",
              "csrf": csrf},
    )  # fmt: skip
    assert r.status_code == 303
    assert str(decision["decision_id"]) not in (await client.get("/review")).text

    reviews = review_store(console.store)
    [entry] = reviews.audit("acme", str(decision["decision_id"]))
    assert entry.action == "remove" and entry.before["status"] == "open"
    assert entry.after["status"] == "resolved" and entry.after["bank"] == "review-violence"
    assert entry.after["bank_entries_added"] == 3  # sha256, md5, pdq
    [delivery] = console.store.list_deliveries("acme")
    assert delivery.event == "review.resolved"

    again = await moderate_image(console, png)
    assert again["verdict"] == "block"
    reencoded = await moderate_image(console, as_jpeg(png))  # other bytes: PDQ matches
    assert reencoded["verdict"] == "block"


async def test_escalated_items_go_to_a_lead(console: Console, client: httpx.AsyncClient) -> None:
    decision = await moderate_text(console, "jerk")
    did = str(decision["decision_id"])
    csrf = await login(client)
    await client.post(f"/review/items/{did}", data={"outcome": "escalate", "csrf": csrf})
    r = await client.post(f"/review/items/{did}", data={"outcome": "allow", "csrf": csrf})
    assert r.status_code == 409 and "lead" in r.text
    async with console.browser() as lead:
        lead_csrf = await login(lead, "lena")
        assert did in (await lead.get("/review", params={"status": "escalated"})).text
        r = await lead.post(f"/review/items/{did}", data={"outcome": "allow", "csrf": lead_csrf})
        assert r.status_code == 303
    actions = [a.action for a in review_store(console.store).audit("acme", did)]
    assert actions == ["allow", "escalate"]


async def test_bulk_allow(console: Console, client: httpx.AsyncClient) -> None:
    ids = [str((await moderate_text(console, f"jerk {i}"))["decision_id"]) for i in range(3)]
    csrf = await login(client)
    r = await client.post(
        "/review/bulk", data={"outcome": "allow", "ids": ids[:2], "csrf": csrf, "reason": "ok"}
    )
    assert r.status_code == 303 and "Allowed%202%20items" in r.headers["location"]
    queue = (await client.get("/review")).text
    assert ids[2] in queue and ids[0] not in queue and ids[1] not in queue


async def test_content_is_dropped_after_the_retention_time(console: Console) -> None:
    decision = await moderate_text(console, "jerk")
    reviews = review_store(console.store)
    did = str(decision["decision_id"])
    assert reviews.item_content("acme", did, time.time()) == ("jerk", None)
    later = time.time() + 8 * 86400
    assert reviews.item_content("acme", did, later) == (None, None)
    assert reviews.purge_expired(later) == 1
    assert reviews.item_content("acme", did, time.time()) == (None, None)


@pytest.mark.parametrize(("days", "kept_at_8_days"), [(0, False), (30, True)])
async def test_a_policy_sets_how_long_review_content_is_kept(
    tmp_path: Path, database_url: str, days: int, kept_at_8_days: bool
) -> None:
    from tests.web.conftest import build
    from winnow.policy import parse_policy

    policy = parse_policy(
        {"version": "t@1", "retention": {"review_content_days": days}}, "t", default_policy()
    )
    app, store, secret = build(tmp_path, database_url, policy=policy)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://winnow.test",
            headers={"Authorization": f"Bearer {secret}"},
        ) as api:  # fmt: skip
            did = (await api.post("/v1/moderate", json={"text": "jerk"})).json()["decision_id"]
        reviews = review_store(store)
        assert reviews.get_item("acme", did) is not None  # queued either way
        expected = ("jerk", None) if kept_at_8_days else (None, None)
        assert reviews.item_content("acme", did, time.time() + 8 * 86400) == expected
    finally:
        store.close()


async def test_insight_shows_volumes_throughput_and_precision(
    console: Console, client: httpx.AsyncClient
) -> None:
    ids = [str((await moderate_text(console, f"jerk {i}"))["decision_id"]) for i in range(3)]
    await moderate_text(console, "a fine day")
    csrf = await login(client)
    await client.post(f"/review/items/{ids[0]}", data={"outcome": "remove", "csrf": csrf})
    await client.post(f"/review/items/{ids[1]}", data={"outcome": "allow", "csrf": csrf})
    page = await client.get("/review/insight")
    assert page.status_code == 200
    text = page.text
    assert "<title>" in text and "harassment: 3" in text  # items sent to review, by category
    assert "alice: 2" in text  # throughput
    assert "50%" in text and "(few)" in text  # precision with its small sample flagged
    assert "<strong>1</strong> waiting" in text
