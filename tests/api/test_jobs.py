"""Asynchronous jobs (POST /v1/jobs) in-process, on each database backend: a batch of texts and a
video run to completion through the DBOS job engine, tenants are isolated, and a step that runs
again (as after a crash) writes no second decision or event."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.api.conftest import Service
from tests.avmedia import encode_video, with_qr_between
from tests.fakes import ImageCounter, KeywordDetector
from winnow.client import ApiError, JobTimeoutError
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.store import review_store
from winnow.store.jobs_sql import SqlJobStore
from winnow.store.sql import SqlStore

pytestmark = pytest.mark.anyio

HOOK = "http://127.0.0.1:9/hook"  # nothing listens: deliveries stay in the outbox to be counted


@pytest.fixture
async def jobs(make_service: Callable[..., Service]) -> AsyncIterator[Service]:
    """A service whose job engine runs (and works jobs) in this process."""
    from winnow.detectors.image_qr import QrCodes
    from winnow.detectors.video_frames import VideoFrames

    pipeline = Pipeline(
        [KeywordDetector(), ImageCounter(), QrCodes()], default_policy(),
        extractors=[VideoFrames()],
    )  # fmt: skip
    svc = make_service(pipeline, job_chunk_items=2)
    engine = svc.app.state.winnow.jobs
    await anyio.to_thread.run_sync(engine.start)
    try:
        yield svc
    finally:
        await anyio.to_thread.run_sync(engine.stop)
        for c in svc.clients:
            await c.aclose()


def outbox(store: Any, tenant: str, event: str) -> list[dict[str, Any]]:
    import json

    import sqlalchemy as sa

    from winnow.store.schema import deliveries

    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.payload).where(
                deliveries.c.tenant == tenant, deliveries.c.event == event
            )
        ).scalars()
        return [json.loads(r)["data"] for r in rows]


def decision_count(store: Any, tenant: str) -> int:
    import sqlalchemy as sa

    from winnow.store.schema import decisions

    with store.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(decisions.c.tenant == tenant)
        return int(conn.execute(query).scalar_one())


async def test_a_batch_of_texts_runs_to_one_decision_per_item(jobs: Service) -> None:
    admin = jobs.client("acme/admin")
    await admin.create_webhook(HOOK, ["job.completed", "decision.flagged"])
    c = jobs.client()
    texts = [("p1", "hello there"), ("p2", "so HATEFUL"), (None, "third"), ("p4", "CRASH now"),
             ("p5", "fine")]  # fmt: skip
    queued = await c.submit_job(texts)
    assert queued["status"] == "queued" and queued["progress"]["total"] == 5
    assert "results" not in queued
    job = await c.wait_job(queued["job_id"], timeout=60, poll=0.1)
    assert job["status"] == "completed", job
    assert job["progress"] == {"total": 5, "done": 5, "flagged": 1, "failed": 1}
    results = job["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["id"] for r in results] == ["p1", "p2", None, "p4", "p5"]
    assert [r["verdict"] for r in results] == ["allow", "block", "allow", None, "allow"]
    assert "model exploded" in results[3]["error"] and results[3]["decision_id"] is None
    decision = await c.decision(results[1]["decision_id"])
    assert decision["id"] == "p2" and decision["verdict"] == "block"
    assert all(m["evidence"][0]["snippet"] is None for m in decision["matches"])
    assert decision_count(jobs.store, "acme") == 4
    stored = jobs.store.get_decision("acme", results[1]["decision_id"])
    assert stored is not None and stored.results  # what `winnow rescan` re-evaluates
    (done,) = outbox(jobs.store, "acme", "job.completed")
    assert done["job_id"] == job["job_id"] and done["status"] == "completed"
    (flagged,) = outbox(jobs.store, "acme", "decision.flagged")
    assert (
        flagged["job_id"] == job["job_id"] and flagged["decision_id"] == results[1]["decision_id"]
    )
    engine = jobs.app.state.winnow.jobs
    assert not engine.spool.folder(job["job_id"]).exists()  # the texts are gone with the job


async def test_a_video_upload_is_decoded_by_the_pipeline(jobs: Service, tmp_path: Path) -> None:
    clip = encode_video(with_qr_between(1.0, 2.0), 3, fps=5)
    c = jobs.client()
    queued = await c.submit_job(clip, id="clip-1", filename="clip.mp4")
    engine = jobs.app.state.winnow.jobs
    job = await c.wait_job(queued["job_id"], timeout=60, poll=0.1)
    assert job["status"] == "completed" and job["kind"] == "media", job
    (result,) = job["results"]
    assert result["id"] == "clip-1" and result["verdict"] == "review"
    decision = await c.decision(result["decision_id"])
    assert decision["media_type"] == "video"
    assert {m["category"] for m in decision["matches"]} == {"advertising"}
    assert not engine.spool.folder(job["job_id"]).exists()  # the upload is deleted
    reviews = review_store(jobs.store)
    item = reviews.get_item("acme", result["decision_id"])  # in the console's queue
    assert item is not None and item.status == "open" and item.media_type == "video"
    assert reviews.item_content("acme", item.decision_id, 0.0) == (None, None)  # video: not kept


async def test_an_image_flagged_for_review_reaches_the_console_with_its_bytes(
    jobs: Service,
) -> None:
    from tests.avmedia import qr_code
    from tests.conftest import encode

    png = encode(qr_code("https://cheap-pills.example.com/buy"))
    c = jobs.client()
    job = await c.wait_job((await c.submit_job(png))["job_id"], timeout=60, poll=0.1)
    (result,) = job["results"]
    assert result["verdict"] == "review", job
    reviews = review_store(jobs.store)
    item = reviews.get_item("acme", result["decision_id"])
    assert item is not None and item.source != ""
    assert reviews.item_content("acme", item.decision_id, 0.0) == (None, png)


async def test_an_image_and_an_audio_file_are_jobs_too(jobs: Service, benign_png: bytes) -> None:
    import numpy as np

    from tests.avmedia import encode_audio

    tone = 0.2 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    c = jobs.client()
    for data, media_type in ((benign_png, "image"), (encode_audio(tone), "audio")):
        job = await c.wait_job((await c.submit_job(data))["job_id"], timeout=60, poll=0.1)
        assert job["status"] == "completed", job
        decision = await c.decision(job["results"][0]["decision_id"])
        assert decision["media_type"] == media_type and decision["verdict"] == "allow"


async def test_an_undecodable_upload_fails_the_job(jobs: Service) -> None:
    c = jobs.client()
    queued = await c.submit_job(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, id="bad")
    job = await c.wait_job(queued["job_id"], timeout=60, poll=0.1)
    assert job["status"] == "failed" and job["error"], job
    assert job["progress"]["failed"] == 1 and job["results"][0]["decision_id"] is None


async def test_jobs_are_per_tenant(jobs: Service) -> None:
    mine = await jobs.client("acme/moderate").submit_job(["hello"])
    other = jobs.client("globex/moderate")
    with pytest.raises(ApiError) as err:
        await other.job(mine["job_id"])
    assert err.value.status == 404 and err.value.code == "not_found"
    job = await jobs.client("acme/moderate").wait_job(mine["job_id"], timeout=60, poll=0.1)
    with pytest.raises(ApiError) as err:
        await other.decision(job["results"][0]["decision_id"])
    assert err.value.status == 404
    assert (await jobs.client("acme/review").job(mine["job_id"]))["status"] == "completed"


async def test_a_job_runs_under_its_tenants_policy_and_lists(jobs: Service) -> None:
    admin = jobs.client("acme/admin")
    await admin.create_policy(
        {"version": "lenient", "categories": {"hate": {"review": 0.5, "block": 1.0}}}
    )
    await admin.put_list("words", ["forbidden phrase"], category="spam", action="block")
    texts = [("a", "so HATEFUL"), ("b", "a forbidden phrase"), ("c", "fine")]
    mine = await jobs.client().submit_job(texts)
    theirs = await jobs.client("globex/moderate").submit_job(texts)
    job = await jobs.client().wait_job(mine["job_id"], timeout=60, poll=0.1)
    assert [r["verdict"] for r in job["results"]] == ["review", "block", "allow"]
    decision = await jobs.client().decision(job["results"][1]["decision_id"])
    assert decision["policy_version"] == "lenient"
    assert decision["matches"][0]["detector"] == "tenant.lists"
    other = await jobs.client("globex/moderate").wait_job(theirs["job_id"], timeout=60, poll=0.1)
    assert [r["verdict"] for r in other["results"]] == ["block", "allow", "allow"]


async def test_bad_job_requests_say_what_to_send(jobs: Service) -> None:
    http = jobs.client().http
    cases = [
        (http.post("/v1/jobs", json={"items": []}), 422),
        (http.post("/v1/jobs", json={"items": [{"txt": "x"}]}), 422),
        (http.post("/v1/jobs", content=b"{", headers={"content-type": "application/json"}), 400),
        (http.post("/v1/jobs", content=b"x", headers={"content-type": "text/plain"}), 415),
        (http.post("/v1/jobs", data={"id": "x"}, files={"other": ("a", b"1")}), 422),
        (http.post("/v1/jobs", files={"file": ("a", b"")}), 422),
        (http.get("/v1/jobs/job_nope"), 404),
        (http.get("/v1/jobs/job_%00"), 404),
        (http.post("/v1/jobs", json={"items": [{"id": "a\x00", "text": "x"}]}), 422),
        (http.post("/v1/jobs", data={"id": "a\x00"}, files={"file": ("a", b"1")}), 422),
    ]
    for request, status in cases:
        response = await request
        assert response.status_code == status, response.text
        assert response.json()["error"]["message"]
    assert (await jobs.client("acme/review").http.post("/v1/jobs", json={})).status_code == 403


async def test_without_a_running_engine_jobs_are_unavailable(service: Service) -> None:
    response = await service.client().http.post("/v1/jobs", json={"items": [{"text": "x"}]})
    assert response.status_code == 503 and "job engine" in response.json()["error"]["message"]


async def test_a_step_run_again_writes_no_second_decision_or_event(
    make_service: Callable[..., Service],
) -> None:
    """What DBOS does after a crash between a step's writes and its checkpoint: run it again."""
    from winnow.jobs import workflow

    svc = make_service(job_chunk_items=3)
    state = svc.app.state.winnow
    state.jobs.work = False  # queue only: this test runs the steps by hand
    await anyio.to_thread.run_sync(state.jobs.start)
    try:
        svc.store.create_webhook("acme", HOOK, ["job.completed", "decision.flagged"])
        c = svc.client()
        queued = await c.submit_job(["a HATEFUL one", "two", "two", "four"])
        job_id = queued["job_id"]
        with pytest.raises(JobTimeoutError):  # nobody works jobs here
            await c.wait_job(job_id, timeout=0.3, poll=0.1)
        for _ in range(2):
            plan = workflow.start_step(job_id)
            assert plan == {"total": 4, "kind": "items", "chunk": 3}
            workflow.chunk_step(job_id, 0, 3)
            workflow.chunk_step(job_id, 3, 4)
            assert workflow.finish_step(job_id, None) == "completed"
        job = await c.job(job_id)
        assert job["progress"] == {"total": 4, "done": 4, "flagged": 1, "failed": 0}
        ids = [r["decision_id"] for r in job["results"]]
        assert ids[1] == ids[2] and len(set(ids)) == 3  # same text, same job: one decision
        assert decision_count(svc.store, "acme") == 3
        assert len(outbox(svc.store, "acme", "job.completed")) == 1
        assert len(outbox(svc.store, "acme", "decision.flagged")) == 1
    finally:
        await anyio.to_thread.run_sync(state.jobs.stop)
        for client in svc.clients:
            await client.aclose()


async def test_a_job_whose_workflow_was_cancelled_reads_as_failed(
    make_service: Callable[..., Service],
) -> None:
    from dbos import DBOS

    svc = make_service()
    engine = svc.app.state.winnow.jobs
    engine.work = False  # queue only: the job stays queued until cancelled
    await anyio.to_thread.run_sync(engine.start)
    try:
        svc.store.create_webhook("acme", HOOK, ["job.completed"])
        c = svc.client()
        job_id = (await c.submit_job(["hello"]))["job_id"]
        assert (await c.job(job_id))["status"] == "queued"
        await anyio.to_thread.run_sync(DBOS.cancel_workflow, job_id)
        for _ in range(2):
            job = await c.job(job_id)
            assert job["status"] == "failed" and "CANCELLED" in job["error"], job
        (done,) = outbox(svc.store, "acme", "job.completed")
        assert done["status"] == "failed"
        assert not engine.spool.folder(job_id).exists()
    finally:
        await anyio.to_thread.run_sync(engine.stop)
        for client in svc.clients:
            await client.aclose()


def test_dead_workers_are_claimed_once(tmp_path: Path) -> None:
    from winnow.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/w.db")
    assert isinstance(store, SqlStore)
    jobs = SqlJobStore(store)
    jobs.heartbeat("a", 100.0, 100.0)
    jobs.heartbeat("b", 100.0, 200.0)
    assert jobs.claim_dead(cutoff=150.0, now=210.0) == ["a"]
    assert jobs.claim_dead(cutoff=150.0, now=220.0) == []  # claimed once
    jobs.heartbeat("a", 300.0, 300.0)  # it came back: it can die again
    assert jobs.claim_dead(cutoff=350.0, now=360.0) == ["a", "b"]
    store.close()
