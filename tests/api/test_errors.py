"""Every error path answers with the one error body: {"error": {"status", "code", "message"}}."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import pytest

from tests.api.conftest import Service, fake_pipeline
from winnow.errors import StoreError
from winnow.pipeline import Pipeline
from winnow.types import Content, Outcome

pytestmark = pytest.mark.anyio


def assert_error(r: httpx.Response, status: int, code: str, says: str = "") -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) <= {"status", "code", "message", "details"}
    assert (err["status"], err["code"]) == (status, code)
    assert isinstance(err["message"], str) and len(err["message"]) > 10
    assert says.lower() in err["message"].lower()
    return dict(err)


async def test_client_errors(service: Service, benign_png: bytes) -> None:
    c = service.client()
    h = c.http
    cases: list[tuple[httpx.Response, int, str, str]] = [
        (await h.post("/v1/moderate", content=b"{nope", headers={"content-type": "application/json"}),
         400, "bad_request", "not valid JSON"),
        (await h.post("/v1/moderate", content=b"--x\r\n", headers={"content-type": "multipart/form-data"}),
         400, "bad_request", "multipart"),
        (await h.get("/v1/decisions/dec_nope"), 404, "not_found", "no decision"),
        (await h.get("/v1/nothing-here"), 404, "not_found", "no such endpoint"),
        (await h.delete("/v1/moderate"), 405, "method_not_allowed", "not allowed"),
        (await h.post("/v1/moderate", json={"text": "x" * 100_001}), 413, "too_large", "limit"),
        (await h.post("/v1/moderate", content=b"hi", headers={"content-type": "text/plain"}),
         415, "unsupported_media_type", "application/json"),
        (await h.post("/v1/moderate", json={"image_base64": base64.b64encode(b"%PDF-1.4 x" * 10).decode()}),
         415, "unsupported_media_type", "winnow does not moderate"),
        (await h.post("/v1/moderate", json={"text": "a", "image_base64": "AA=="}),
         422, "invalid_request", "exactly one"),
        (await h.post("/v1/moderate", json={"txt": "a"}), 422, "invalid_request", "body"),
        (await h.post("/v1/moderate", json={"image_base64": "not base64!"}),
         422, "invalid_request", "base64"),
        (await h.post("/v1/moderate", json={"image_base64": "é€AA=="}),  # was a 500 (schemathesis)
         422, "invalid_request", "base64"),
        (await h.post("/v1/moderate", json={"image_base64": base64.b64encode(benign_png[:300]).decode()}),
         422, "undecodable", ""),
        (await h.post("/v1/moderate", files={"file": ("a", b"x"), "text": (None, "y")}),
         422, "invalid_request", "exactly one"),
        (await h.get("/v1/decisions", params={"sha256": "xyz"}), 422, "invalid_request", "sha256"),
        # PostgreSQL refuses NUL in text: these were 500s there
        (await h.get("/v1/decisions/dec%00x"), 404, "not_found", "NUL"),
        (await h.get("/v1/decisions", params={"content_id": "a\x00b"}), 422, "invalid_request", "NUL"),
        (await h.post("/v1/moderate", json={"id": "a\x00b", "text": "hi"}), 422, "invalid_request", "body"),
        (await h.post("/v1/moderate", files={"text": (None, "hi"), "id": (None, "a\x00b")}),
         422, "invalid_request", "NUL"),
        (await h.post("/v1/moderate", content=b"x", headers={"content-type": "application/json",
                                                             "content-length": str(10**9)}),
         413, "too_large", "over the limit"),
    ]  # fmt: skip
    for response, status, code, says in cases:
        assert_error(response, status, code, says)


async def test_auth_errors(service: Service) -> None:
    r = await service.client(None).http.post("/v1/moderate", json={"text": "x"})
    assert_error(r, 401, "unauthorized", "missing API key")
    bad = service.client(None)
    bad.http.headers["Authorization"] = "Bearer wnw_nope_nope"
    r = await bad.http.post("/v1/moderate", json={"text": "x"})
    assert_error(r, 401, "unauthorized", "winnow keys create")
    assert r.headers["www-authenticate"] == "Bearer"
    r = await service.client("acme/review").http.post("/v1/moderate", json={"text": "x"})
    assert_error(r, 403, "forbidden", "'moderate'")


async def test_conflict(service: Service) -> None:
    h = service.client("acme/admin").http
    body = {"url": "http://127.0.0.1:9/h", "events": ["decision.flagged"]}
    assert (await h.post("/v1/webhooks", json=body)).status_code == 201
    assert_error(await h.post("/v1/webhooks", json=body), 409, "conflict", "already exists")


async def test_rate_limited(service: Service) -> None:
    secret = service.key("acme/moderate", rate_limit=None)  # the default: 1 request/s here
    service.app.state.winnow.auth.limiter.default_rate = 1
    c = service.client(None)
    c.http.headers["Authorization"] = f"Bearer {secret}"
    assert (await c.http.post("/v1/moderate", json={"text": "x"})).status_code == 200
    r = await c.http.post("/v1/moderate", json={"text": "x"})
    assert_error(r, 429, "rate_limited", "retry in")
    assert int(r.headers["retry-after"]) >= 1


async def test_server_errors(make_service: Callable[..., Service]) -> None:
    class Exploding(Pipeline):
        def run(self, contents: Sequence[Content]) -> list[Outcome]:
            raise RuntimeError("boom")

    svc = make_service()
    h = svc.client().http
    assert_error(
        await h.post("/v1/moderate", json={"text": "CRASH"}),
        500,
        "detector_failed",
        "model exploded",
    )
    base = fake_pipeline()
    svc = make_service(Exploding(base.detectors, base.policy))
    r = await svc.client().http.post("/v1/moderate", json={"text": "x"})
    assert_error(r, 500, "internal_error", "server log")
    assert "boom" not in r.text  # no internals leak


async def test_store_down(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_: object) -> None:
        raise StoreError("database sqlite:///x failed: disk I/O error")

    h = service.client("acme/review").http
    monkeypatch.setattr(service.store, "ping", down)
    monkeypatch.setattr(service.store, "get_decision", down)
    for r in (await h.get("/readyz"), await h.get("/v1/decisions/dec_x")):
        assert_error(r, 503, "store_unavailable", "retry later")
        assert (
            "sqlite" not in r.text and "disk I/O" not in r.text
        )  # the URL and driver text: log only


async def test_every_documented_error_uses_the_shape(service: Service) -> None:
    spec = service.app.openapi()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, resp in op.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    ref = resp["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, status)


async def test_bodies_over_the_cap_are_refused_before_they_are_buffered(service: Service) -> None:
    """Every JSON route gets a 413 for a body over MAX_BODY: declared, or streamed in chunks
    without a length (unauthenticated too: the body is refused before it is read)."""
    from winnow.api.bodies import MAX_BODY

    h = service.client("acme/admin").http
    big = b'{"url": "http://127.0.0.1:9/", "events": ["' + b"x" * MAX_BODY + b'"]}'
    r = await h.post("/v1/webhooks", content=big, headers={"content-type": "application/json"})
    assert_error(r, 413, "too_large", "split a list")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    r = await h.put("/v1/lists/big", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "too_large", "over the limit")
    anonymous = service.client(None).http
    r = await anonymous.post("/v1/banks", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    ok = await h.put("/v1/lists/small", json={"category": "spam", "terms": ["x" * 100] * 1000})
    assert ok.status_code == 201  # 100 kB is fine
