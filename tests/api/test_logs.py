"""Structured logs: an access record per request with ids only; keys and content never logged."""

from __future__ import annotations

import json
import logging

import pytest

from tests.api.conftest import Service
from winnow.api.logs import JsonFormatter, TextFormatter

pytestmark = pytest.mark.anyio

SECRET_TEXT = "my neighbour's phone is 555-0199, call her tonight zq7x"


async def test_access_records_carry_ids_and_never_keys_or_content(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    c = service.client("acme/moderate")
    key = service.key("acme/moderate")
    moderated = await c.moderate_text(SECRET_TEXT, id="user-4711-post")
    decision_id = moderated["decision_id"]
    r = await c.http.get(f"/v1/decisions/{decision_id}", headers={"x-request-id": "req-42"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-42"
    bad = service.client(None)
    bad.http.headers["Authorization"] = "Bearer wnw_bogus_zq8y_secret"
    assert (await bad.http.post("/v1/moderate", json={"text": SECRET_TEXT})).status_code == 401

    server = [r for r in caplog.records if r.name != "httpx"]  # httpx: this test's own client
    lines = [JsonFormatter().format(rec) for rec in server]
    lines += [TextFormatter().format(rec) for rec in server]
    for line in lines:
        for secret in (key, "wnw_bogus_zq8y_secret", "zq7x", "555-0199", "user-4711", decision_id):
            assert secret not in line, line
    access = [json.loads(JsonFormatter().format(r)) for r in caplog.records
              if r.name == "winnow.access"]  # fmt: skip
    by_route = {(a["method"], a["route"], a["status"]): a for a in access}
    post = by_route[("POST", "/v1/moderate", 200)]
    assert post["tenant"] == "acme" and post["key_id"] and post["ms"] >= 0
    get = by_route[("GET", "/v1/decisions/{decision_id}", 200)]
    assert get["request_id"] == "req-42"
    assert by_route[("POST", "/v1/moderate", 401)]["tenant"] is None


def test_configure_logging_sends_everything_through_one_formatter() -> None:
    from winnow.api.logs import configure_logging

    root, httpx_log = logging.getLogger(), logging.getLogger("httpx")
    saved = (root.handlers[:], root.level, httpx_log.level)
    try:
        configure_logging("json", "info")
        (handler,) = root.handlers
        assert isinstance(handler.formatter, JsonFormatter) and root.level == logging.INFO
        assert httpx_log.getEffectiveLevel() == logging.WARNING  # its INFO lines hold full URLs
        record = logging.LogRecord(
            "winnow.jobs", logging.WARNING, __file__, 1, "job %s", ("j1",), None
        )
        assert json.loads(handler.format(record))["msg"] == "job j1"
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        httpx_log.setLevel(saved[2])
