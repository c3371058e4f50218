"""Tenants' policies, lists and banks over HTTP: CRUD, and moderation using them at once."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable

import anyio
import pytest

from tests.api.conftest import Service
from tests.conftest import encode, shapes_image
from tests.fakes import ImageCounter, KeywordDetector
from winnow.banks.hashing import pdq_variants
from winnow.pipeline import Pipeline
from winnow.policy import default_policy

pytestmark = pytest.mark.anyio

V1 = {"version": "strict-1", "description": "hate to people",
      "categories": {"hate": {"review": 0.5, "block": 0.99}}}  # fmt: skip


async def test_a_policy_version_is_used_from_the_next_request_and_named(service: Service) -> None:
    admin, mod = service.client("acme/admin"), service.client("acme/moderate")
    other = service.client("evil/moderate")
    assert (await mod.moderate_text("so HATEFUL"))["verdict"] == "block"  # service: block ≥ 0.9
    created = await admin.create_policy(V1)
    assert created["active"] is True and created["document"]["categories"]["hate"]["block"] == 0.99
    now = await mod.moderate_text("so HATEFUL")
    assert now["verdict"] == "review" and now["policy_version"] == "strict-1"
    stored = await mod.decision(now["decision_id"])
    assert stored["policy_version"] == "strict-1"
    assert (await other.moderate_text("so HATEFUL"))["verdict"] == "block"  # evil is untouched
    effective = await admin.policy()
    assert effective["version"] == "strict-1" and effective["source"] == "tenant"
    assert effective["rules"]["hate"] == {"enabled": True, "review": 0.5, "block": 0.99}
    sexual = default_policy().rule("sexual")  # left out: the service's rule
    assert effective["rules"]["sexual"] == {
        "enabled": sexual.enabled,
        "review": sexual.review,
        "block": sexual.block,
    }
    # a second version, not in force until activated
    off = {"version": "no-hate", "categories": {"hate": {"enabled": False}}}
    assert (await admin.create_policy(off, activate=False))["active"] is False
    assert (await mod.moderate_text("so HATEFUL"))["policy_version"] == "strict-1"
    assert (await admin.activate_policy("no-hate"))["version"] == "no-hate"
    allowed = await mod.moderate_text("so HATEFUL")
    assert allowed["verdict"] == "allow" and allowed["policy_version"] == "no-hate"
    versions = await admin.policies()
    assert [(p["version"], p["active"]) for p in versions] == [
        ("no-hate", True),
        ("strict-1", False),
    ]
    # back to the service's policy
    back = await admin.activate_policy(None)
    assert back["source"] == "service" and back["version"] == default_policy().version
    assert (await mod.moderate_text("so HATEFUL"))["verdict"] == "block"


async def test_policy_versions_never_change_and_the_active_one_stays(service: Service) -> None:
    h = service.client("acme/admin").http
    assert (await h.post("/v1/policies", json=V1)).status_code == 201
    again = await h.post("/v1/policies", json={**V1, "description": "changed"})
    assert again.status_code == 409 and "new version" in again.json()["error"]["message"]
    busy = await h.delete("/v1/policies/strict-1")
    assert busy.status_code == 409 and "PUT /v1/policy" in busy.json()["error"]["message"]
    assert (await h.put("/v1/policy", json={"version": None})).status_code == 200
    assert (await h.delete("/v1/policies/strict-1")).status_code == 204
    assert (await h.get("/v1/policies/strict-1")).status_code == 404
    assert (await h.delete("/v1/policies/strict-1")).status_code == 404
    service = await h.post("/v1/policies", json={"version": default_policy().version})
    assert service.status_code == 409 and "service policy" in service.json()["error"]["message"]
    nul = await h.put("/v1/policy", json={"version": "a\x00b"})
    assert nul.status_code == 422  # never reaches PostgreSQL, which refuses NUL in text
    missing = await h.put("/v1/policy", json={"version": "nope"})
    assert missing.status_code == 404 and "create it first" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"version": "x", "categories": {"hats": {"review": 0.5}}}, "unknown category 'hats'"),
        ({"version": "x", "categories": {"hate": {"review": 0.9, "block": 0.5}}}, "above block"),
        ({"version": "x", "categories": {"hate": {"review": 1.5}}}, "less than or equal to 1"),
        ({"version": "has space"}, "version"),
        ({"version": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_policies_say_what_is_wrong(service: Service, body: dict, says: str) -> None:
    r = await service.client("acme/admin").http.post("/v1/policies", json=body)
    assert r.status_code == 422
    assert says in str(r.json()["error"])


async def test_a_policy_sets_review_retention(service: Service) -> None:
    admin, mod = service.client("acme/admin"), service.client("acme/moderate")
    await admin.create_policy({**V1, "retention": {"review_content_days": 0}})
    assert (await admin.policy())["review_content_days"] == 0
    dec = await mod.moderate_text("so HATEFUL")
    from winnow.store import review_store

    item = review_store(service.store).get_item("acme", dec["decision_id"])
    assert item is not None and item.expires_at is None  # 0 days: no content kept


async def test_a_list_applies_to_its_tenant_with_spans(service: Service) -> None:
    admin, mod = service.client("acme/admin"), service.client("acme/moderate")
    other = service.client("evil/moderate")
    made = await admin.http.put(
        "/v1/lists/brand-safety",
        json={"category": "spam", "action": "block", "terms": ["acme widget"]},
    )
    assert made.status_code == 201 and made.json()["terms"] == ["acme widget"]
    hit = await mod.moderate_text("buy an ACME  w1dget today")
    assert hit["verdict"] == "block"
    (match,) = hit["matches"]
    assert match["detector"] == "tenant.lists" and match["category"] == "spam"
    assert match["evidence"][0]["snippet"] == "ACME  w1dget"
    assert match["evidence"][0]["detail"] == "list:brand-safety"
    assert (await other.moderate_text("buy an ACME widget today"))["verdict"] == "allow"
    replaced = await admin.http.put(
        "/v1/lists/brand-safety",
        json={"category": "spam", "action": "review", "regex": ["g[a@]dget"]},
    )
    assert replaced.status_code == 200
    assert (await mod.moderate_text("buy an ACME widget today"))["verdict"] == "allow"
    assert (await mod.moderate_text("a g@dget"))["verdict"] == "review"
    assert await admin.lists() == [
        {"name": "brand-safety", "kind": "block", "category": "spam", "action": "review",
         "terms": 0, "regex": 1, "updated_at": replaced.json()["updated_at"]}
    ]  # fmt: skip
    allow = await admin.http.put(
        "/v1/lists/ok", json={"kind": "allow", "terms": ["my g@dget shop"]}
    )
    assert allow.status_code == 201
    assert (await mod.moderate_text("visit my g@dget shop"))["verdict"] == "allow"
    assert (await admin.http.get("/v1/lists/ok")).json()["kind"] == "allow"
    for name in ("ok", "brand-safety"):
        assert (await admin.http.delete(f"/v1/lists/{name}")).status_code == 204
    assert (await mod.moderate_text("a g@dget"))["verdict"] == "allow"
    assert (await admin.http.get("/v1/lists/ok")).status_code == 404


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"terms": ["x"]}, "needs 'category'"),
        ({"category": "spam", "regex": ["(unclosed"]}, "regex"),
        ({"category": "spam", "terms": ["x" * 201]}, "at most 200 characters"),
        ({"category": "spam", "terms": "not a list"}, "list"),
    ],
)
async def test_bad_lists_say_what_is_wrong(service: Service, body: dict, says: str) -> None:
    r = await service.client("acme/admin").http.put("/v1/lists/l1", json=body)
    assert r.status_code == 422
    assert says in str(r.json()["error"])


@pytest.fixture
async def images(make_service: Callable[..., Service]) -> AsyncIterator[Service]:
    svc = make_service(Pipeline([KeywordDetector(), ImageCounter()], default_policy()))
    yield svc
    for c in svc.clients:
        await c.aclose()


async def test_a_bank_matches_its_tenants_images_by_pdq_and_sha256(images: Service) -> None:
    admin, mod = images.client("acme/admin"), images.client("acme/moderate")
    other = images.client("evil/moderate")
    pixels = shapes_image(seed=3)
    original = encode(pixels)
    resaved = encode(pixels, "JPEG", quality=70)  # other bytes, the same picture
    mirrored = encode(pixels[:, ::-1].copy())
    exact = encode(shapes_image(seed=9))
    bank = await admin.create_bank("known-bad", "violence", action="block")
    assert bank["entries"] == 0 and bank["pdq_threshold"] == 31
    pdq = pdq_variants(pixels)[0].hex
    added = await admin.add_bank_entries(
        "known-bad",
        [{"kind": "pdq", "value": pdq, "metadata": "case 17"},
         {"kind": "sha256", "value": hashlib.sha256(exact).hexdigest()},
         {"kind": "pdq", "value": pdq.upper()}],  # the same hash again: skipped
    )  # fmt: skip
    assert added == {"added": 2, "skipped": 1, "entries": 2}
    for data in (original, resaved, mirrored, exact):
        dec = await mod.moderate_image(data)
        assert dec["verdict"] == "block", dec
        (match,) = dec["matches"]
        assert match["detector"] == "tenant.hashes" and match["category"] == "violence"
        assert "bank known-bad entry" in match["evidence"][0]["detail"]
    assert (await other.moderate_image(original))["verdict"] == "allow"
    assert (await mod.moderate_image(encode(shapes_image(seed=4))))["verdict"] == "allow"
    page = await admin.bank_entries("known-bad", limit=1)
    assert page["entries"][0]["metadata"] == "case 17" and page["next_after"] is not None
    rest = await admin.bank_entries("known-bad", after=page["next_after"])
    assert rest["next_after"] is None and rest["entries"][0]["kind"] == "sha256"
    entry = page["entries"][0]["id"]
    assert (
        f"entry {entry}"
        in (await mod.moderate_image(original))["matches"][0]["evidence"][0]["detail"]
    )
    h = admin.http
    assert (await h.delete(f"/v1/banks/known-bad/entries/{entry}")).status_code == 204
    assert (await mod.moderate_image(original))["verdict"] == "allow"
    assert (await mod.moderate_image(exact))["verdict"] == "block"
    assert (await h.delete("/v1/banks/known-bad")).status_code == 204
    assert (await mod.moderate_image(exact))["verdict"] == "allow"
    assert await admin.banks() == []


async def test_an_allow_bank_suppresses_the_tenants_other_banks(images: Service) -> None:
    admin, mod = images.client("acme/admin"), images.client("acme/moderate")
    pixels = shapes_image(seed=5)
    entry = [{"kind": "pdq", "value": pdq_variants(pixels)[0].hex}]
    await admin.create_bank("bad", "sexual", action="block")
    await admin.create_bank("fine", "sexual", action="allow")
    await admin.add_bank_entries("bad", entry)
    assert (await mod.moderate_image(encode(pixels)))["verdict"] == "block"
    await admin.add_bank_entries("fine", entry)
    assert (await mod.moderate_image(encode(pixels)))["verdict"] == "allow"


async def test_bad_bank_requests_say_what_is_wrong(service: Service) -> None:
    h = service.client("acme/admin").http
    assert (
        await h.post("/v1/banks", json={"name": "b", "category": "violence"})
    ).status_code == 201
    dup = await h.post("/v1/banks", json={"name": "b", "category": "violence"})
    assert dup.status_code == 409
    cat = await h.post("/v1/banks", json={"name": "c", "category": "weather"})
    assert cat.status_code == 422 and "unknown category" in cat.json()["error"]["message"]
    bad = await h.post("/v1/banks/b/entries", json={"entries": [{"kind": "pdq", "value": "abc"}]})
    assert bad.status_code == 422 and "entries[0]" in bad.json()["error"]["message"]
    assert "64 hex digits" in bad.json()["error"]["message"]
    none = await h.post(
        "/v1/banks/nope/entries", json={"entries": [{"kind": "md5", "value": "0" * 32}]}
    )
    assert none.status_code == 404 and "POST /v1/banks" in none.json()["error"]["message"]
    assert (await h.get("/v1/banks/nope/entries")).status_code == 404
    assert (await h.delete("/v1/banks/b/entries/999")).status_code == 404
    huge = await h.delete("/v1/banks/b/entries/71304416699")  # over 32 bits: PostgreSQL's integer
    assert huge.status_code == 422
    assert (await h.get("/v1/banks/b/entries", params={"after": 2**40})).status_code == 422
    nul = {"entries": [{"kind": "md5", "value": "0" * 32, "metadata": "a\x00b"}]}
    assert (await h.post("/v1/banks/b/entries", json=nul)).status_code == 422  # PostgreSQL: no NUL


async def test_configuration_needs_the_admin_scope(service: Service) -> None:
    for scope in ("moderate", "review"):
        h = service.client(f"acme/{scope}").http
        for method, path, body in (
            ("POST", "/v1/policies", V1), ("GET", "/v1/policy", None),
            ("PUT", "/v1/lists/x", {"category": "spam"}), ("GET", "/v1/banks", None),
        ):  # fmt: skip
            r = await h.request(method, path, json=body)
            assert r.status_code == 403, (scope, method, path)


async def test_a_change_through_another_process_applies_within_the_check_interval(
    service: Service,
) -> None:
    """Another process writes the configuration: this one sees it after ``check_every_s``."""
    from winnow.store import config_store

    mod = service.client("acme/moderate")
    pipelines = service.app.state.winnow.pipelines
    pipelines.check_every_s = 0.2
    assert (await mod.moderate_text("so HATEFUL"))["verdict"] == "block"
    elsewhere = config_store(service.store)  # not through this app: no invalidation here
    doc = {"version": "quiet", "categories": {"hate": {"enabled": False}}}
    await anyio.to_thread.run_sync(elsewhere.create_policy, "acme", "quiet", doc, True)
    await anyio.sleep(0.3)
    assert (await mod.moderate_text("so HATEFUL"))["policy_version"] == "quiet"
