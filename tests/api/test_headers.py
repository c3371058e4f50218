"""Every API response, errors and 500s included, carries the security headers."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service
from winnow.api.headers import API_HEADERS

pytestmark = pytest.mark.anyio


async def test_security_headers_on_every_api_response(service: Service) -> None:
    h = service.client().http
    responses = [
        await h.get("/healthz"),
        await h.post("/v1/moderate", json={"text": "hello"}),
        await h.post("/v1/moderate", json={"txt": "hello"}),
        await h.get("/v1/nothing-here"),
        await service.client(None).http.get("/v1/decisions"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 422, 404, 401]
    for r in responses:
        for name, value in API_HEADERS:
            assert r.headers.get(name.decode()) == value.decode(), (r.request.url, name)
