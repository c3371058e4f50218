"""No request reads or changes another tenant's data, on every /v1 endpoint; scopes hold."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service

pytestmark = pytest.mark.anyio

# Every /v1 endpoint, and what the other tenant's admin key gets there (tested below).
COVERED = {
    ("POST", "/v1/moderate"),
    ("GET", "/v1/decisions/{decision_id}"),
    ("GET", "/v1/decisions"),
    ("POST", "/v1/webhooks"),
    ("GET", "/v1/webhooks"),
    ("DELETE", "/v1/webhooks/{webhook_id}"),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"),
    ("GET", "/v1/deliveries/{delivery_id}"),
    ("POST", "/v1/deliveries/{delivery_id}/replay"),
    ("POST", "/v1/decisions/{decision_id}/appeal"),
    ("GET", "/v1/appeals/{appeal_id}"),
    ("POST", "/v1/jobs"),  # jobs: tests/api/test_jobs.py::test_jobs_are_per_tenant
    ("GET", "/v1/jobs/{job_id}"),
    ("DELETE", "/v1/content/{content_id}"),  # tests/api/test_privacy.py
    ("DELETE", "/v1/users/{user_id}"),
    ("POST", "/v1/policies"),  # configuration: test_configuration_is_per_tenant below
    ("GET", "/v1/policies"),
    ("GET", "/v1/policies/{version}"),
    ("DELETE", "/v1/policies/{version}"),
    ("GET", "/v1/policy"),
    ("PUT", "/v1/policy"),
    ("PUT", "/v1/lists/{name}"),
    ("GET", "/v1/lists"),
    ("GET", "/v1/lists/{name}"),
    ("DELETE", "/v1/lists/{name}"),
    ("POST", "/v1/banks"),
    ("GET", "/v1/banks"),
    ("GET", "/v1/banks/{name}"),
    ("DELETE", "/v1/banks/{name}"),
    ("POST", "/v1/banks/{name}/entries"),
    ("GET", "/v1/banks/{name}/entries"),
    ("DELETE", "/v1/banks/{name}/entries/{entry_id}"),
}


async def test_every_v1_endpoint_is_covered(service: Service) -> None:
    paths = service.app.openapi()["paths"]
    routes = {(m.upper(), p) for p, ops in paths.items() if p.startswith("/v1") for m in ops}
    assert routes == COVERED


async def test_tenants_are_isolated_on_every_endpoint(service: Service) -> None:
    acme, evil = service.client("acme/admin"), service.client("evil/admin")
    hook = await acme.create_webhook("http://127.0.0.1:9/acme", ["decision.flagged"])
    dec = await acme.moderate_text("HATEFUL words", id="acme-post")
    (delivery,) = await acme.deliveries(hook["id"])

    # moderate: the decision is the caller's, stored under the caller's tenant only
    own = await evil.moderate_text("HATEFUL words", id="acme-post")
    assert (await evil.decision(own["decision_id"]))["decision_id"] == own["decision_id"]
    h = evil.http
    assert (await h.get(f"/v1/decisions/{dec['decision_id']}")).status_code == 404
    assert [d["decision_id"] for d in await evil.decisions(sha256=dec["sha256"])] == [
        own["decision_id"]
    ]
    assert [d["decision_id"] for d in await evil.decisions(content_id="acme-post")] == [
        own["decision_id"]
    ]
    assert (await h.get("/v1/decisions")).json()["decisions"][0]["decision_id"] == own[
        "decision_id"
    ]
    assert len((await h.get("/v1/decisions")).json()["decisions"]) == 1
    # webhooks: the same URL is another tenant's own subscription, and gets only its events
    mine = await evil.create_webhook("http://127.0.0.1:9/acme", ["decision.flagged"])
    assert [w["id"] for w in await evil.webhooks()] == [mine["id"]]
    assert (await h.delete(f"/v1/webhooks/{hook['id']}")).status_code == 404
    assert (await h.get(f"/v1/webhooks/{hook['id']}/deliveries")).status_code == 404
    assert (await h.get(f"/v1/deliveries/{delivery['id']}")).status_code == 404
    assert (await h.post(f"/v1/deliveries/{delivery['id']}/replay")).status_code == 404
    assert await evil.deliveries(mine["id"]) == []  # acme's flagged decision is not evil's event
    # appeals: another tenant's decision cannot be appealed, nor its appeal read
    appeal = await acme.http.post(
        f"/v1/decisions/{dec['decision_id']}/appeal", json={"reason": "r"}
    )
    assert appeal.status_code == 201
    assert (
        await h.post(f"/v1/decisions/{dec['decision_id']}/appeal", json={"reason": "r"})
    ).status_code == 404
    assert (await h.get(f"/v1/appeals/{appeal.json()['appeal_id']}")).status_code == 404
    # and acme still has all of its own
    assert [w["id"] for w in await acme.webhooks()] == [hook["id"]]
    assert len(await acme.deliveries(hook["id"])) == 2 - 1  # only acme's decision
    assert (await acme.decision(dec["decision_id"]))["id"] == "acme-post"


async def test_configuration_is_per_tenant(service: Service) -> None:
    """Another tenant's admin sees none of acme's policies, lists or banks, cannot change them,
    and its own of the same names are its own."""
    acme, evil = service.client("acme/admin"), service.client("evil/admin")
    policy = {"version": "p1", "categories": {"hate": {"enabled": False}}}
    await acme.create_policy(policy)
    await acme.put_list("words", ["acme secret word"], category="spam", action="block")
    await acme.create_bank("bank", "violence", action="block")
    await acme.add_bank_entries("bank", [{"kind": "md5", "value": "a" * 32}])
    entry = (await acme.bank_entries("bank"))["entries"][0]["id"]
    h = evil.http
    assert await evil.policies() == [] and await evil.lists() == [] and await evil.banks() == []
    assert (await evil.policy())["source"] == "service"
    for path in ("/v1/policies/p1", "/v1/lists/words", "/v1/banks/bank", "/v1/banks/bank/entries"):
        assert (await h.get(path)).status_code == 404, path
    assert (await h.put("/v1/policy", json={"version": "p1"})).status_code == 404
    for path in ("/v1/policies/p1", "/v1/lists/words", "/v1/banks/bank",
                 f"/v1/banks/bank/entries/{entry}"):  # fmt: skip
        assert (await h.delete(path)).status_code == 404, path
    add = await h.post(
        "/v1/banks/bank/entries", json={"entries": [{"kind": "md5", "value": "b" * 32}]}
    )
    assert add.status_code == 404
    # the same names are free for evil, and independent
    assert (await evil.create_policy(policy))["version"] == "p1"
    assert (await evil.create_bank("bank", "spam"))["entries"] == 0
    assert (await evil.put_list("words", ["other"], category="spam"))["terms"] == ["other"]
    # acme's are intact and in force for acme only
    assert (await acme.policy())["version"] == "p1"
    assert [b["entries"] for b in await acme.banks()] == [1]
    mod = service.client("acme/moderate")
    assert (await mod.moderate_text("the acme secret word"))["verdict"] == "block"
    other = service.client("evil/moderate")
    assert (await other.moderate_text("the acme secret word"))["verdict"] == "allow"


async def test_scopes(service: Service) -> None:
    mod, rev, adm = (service.client(f"acme/{s}") for s in ("moderate", "review", "admin"))
    dec = await mod.moderate_text("hello")
    for c in (mod, rev, adm):  # all may read decisions
        assert (await c.decision(dec["decision_id"]))["verdict"] == "allow"
    assert (await rev.http.post("/v1/moderate", json={"text": "x"})).status_code == 403
    assert (await adm.http.post("/v1/moderate", json={"text": "x"})).status_code == 200
    for c in (mod, rev):
        assert (await c.http.get("/v1/webhooks")).status_code == 403
        assert (
            await c.http.post(
                "/v1/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["decision.flagged"]}
            )
        ).status_code == 403


async def test_a_revoked_key_is_refused(service: Service) -> None:
    c = service.client()
    assert (await c.http.post("/v1/moderate", json={"text": "x"})).status_code == 200
    (key,) = service.store.list_keys("acme")
    service.store.revoke_key(key.id)
    assert (await c.http.post("/v1/moderate", json={"text": "x"})).status_code == 401
