"""POST /v1/moderate and the stored decisions it leaves, read back by id, hash and content id."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest

from tests.api.conftest import Service
from winnow.pipeline import Pipeline
from winnow.serialize import outcome_to_json
from winnow.settings import Settings
from winnow.types import Content

pytestmark = pytest.mark.anyio


async def test_text_is_moderated_stored_and_read_back(service: Service) -> None:
    c = service.client()
    out = await c.moderate_text("a HATEFUL thing", id="post-1")
    expected = outcome_to_json(
        service.app.state.winnow.pipeline.check(Content("post-1", text="a HATEFUL thing"))
    )
    assert {k: out[k] for k in expected} == expected  # the scan line shape, exactly
    assert out["verdict"] == "block" and out["id"] == "post-1"
    assert out["matches"][0]["evidence"][0]["snippet"] == "HATEFUL"
    assert out["decision_id"].startswith("dec_")
    stored = await c.decision(out["decision_id"])
    assert stored["verdict"] == "block" and stored["scores"] == out["scores"]
    assert stored["matches"][0]["evidence"][0]["locator"] == {"kind": "chars", "start": 2, "end": 9}
    assert stored["matches"][0]["evidence"][0]["snippet"] is None  # no raw content kept
    sha = hashlib.sha256(b"a HATEFUL thing").hexdigest()
    assert stored["sha256"] == sha
    assert [d["decision_id"] for d in await c.decisions(sha256=sha)] == [out["decision_id"]]
    assert [d["decision_id"] for d in await c.decisions(content_id="post-1")] == [
        out["decision_id"]
    ]


async def test_raw_text_is_not_in_the_database(service: Service) -> None:
    import sqlalchemy as sa

    from winnow.store.sql import SqlStore

    await service.client().moderate_text("a HATEFUL secretword here")
    assert isinstance(service.store, SqlStore)
    with service.store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM decisions")).all()
    assert len(rows) == 1 and "secretword" not in repr(rows)


async def test_images_as_base64_and_as_upload(service: Service, benign_png: bytes) -> None:
    c = service.client()
    a = await c.moderate_image(benign_png, id="img-1")
    b = await c.moderate_upload(benign_png, id="img-2", filename="x.txt")  # the name is ignored
    for out in (a, b):
        assert out["media_type"] == "image" and out["verdict"] == "allow"
        assert out["detectors"] == {"test.image": "1"}
        assert out["sha256"] == hashlib.sha256(benign_png).hexdigest()
    assert (a["id"], b["id"]) == ("img-1", "img-2")
    assert len(await c.decisions(sha256=a["sha256"])) == 2


async def test_multipart_text_field(service: Service) -> None:
    c = service.client()
    r = await c.http.post("/v1/moderate", files={"text": (None, "HATEFUL"), "id": (None, "m")})
    assert r.status_code == 200 and r.json()["verdict"] == "block" and r.json()["id"] == "m"


async def test_json_image_base64_decodes(service: Service, benign_jpeg: bytes) -> None:
    r = await service.client().http.post(
        "/v1/moderate", json={"image_base64": base64.b64encode(benign_jpeg).decode()}
    )
    assert r.status_code == 200 and r.json()["media_type"] == "image" and r.json()["id"] is None


async def test_real_rules_detectors(make_service: Callable[..., Service]) -> None:
    settings = Settings(detectors=["text.rules", "text.lists"])
    svc = make_service(Pipeline.from_settings(settings))
    c = svc.client()
    out = await c.moderate_text("add me on wechat: abc123 for cheap followers")
    assert out["verdict"] in ("review", "block")
    assert any(m["category"] == "advertising" for m in out["matches"])
    assert set(out["detectors"]) == {"text.rules", "text.lists"}
    await c.aclose()
