"""``POST /v1/moderate`` (in-process, fake detectors) over the hostile corpus: every item gets a
decision or a 4xx in the one error shape; never a 5xx."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from tests.api.conftest import Service
from tests.hostile.conftest import Corpus

pytestmark = pytest.mark.anyio


def problem(r: httpx.Response, expect: str, what: str) -> str | None:
    """Why ``r`` is wrong for an item expected to give ``expect``; None when it is right."""
    if r.status_code == 200 and expect == "any":
        return None
    if not 400 <= r.status_code < 500:
        return f"{what}: HTTP {r.status_code}: {r.text[:300]}"
    try:
        err = r.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"{what}: HTTP {r.status_code} without the error shape: {r.text[:300]}"
    if len(r.content) > 16 * 1024:
        return f"{what}: a {len(r.content):,}-byte error body"
    if (
        err.get("status") != r.status_code
        or not err.get("code")
        or len(err.get("message", "")) < 15
    ):
        return f"{what}: unclear error {err}"
    return None


async def test_every_hostile_upload_and_body_gets_a_clear_answer(
    make_service: Callable[..., Service], corpus: Corpus
) -> None:
    service = make_service()
    http = service.client().http
    wrong = []
    for f in corpus.files:
        as_json = await http.post(
            "/v1/moderate", json={"image_base64": base64.b64encode(f.data).decode()}
        )
        as_file = await http.post("/v1/moderate", files={"file": (f.name, f.data)})
        wrong += [
            problem(as_json, f.expect, f"{f.name} (JSON)"),
            problem(as_file, f.expect, f"{f.name} (multipart)"),
        ]
    for b in corpus.bodies:
        r = await http.post(
            "/v1/moderate", content=b.data, headers={"content-type": b.content_type}
        )
        wrong.append(problem(r, b.expect, b.name))
    for raw in (
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\n" + b"A" * 1000,
        b"\x00" * 100,
    ):
        r = await http.post(
            "/v1/moderate", content=raw, headers={"content-type": "multipart/form-data; boundary=x"}
        )
        wrong.append(problem(r, "error", f"broken multipart {raw[:10]!r}"))
    assert [w for w in wrong if w] == []
    assert (await http.get("/healthz")).status_code == 200  # still answering
