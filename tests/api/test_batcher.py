"""Concurrent moderation requests run through the pipeline together, each tenant through its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import ClassVar

import anyio
import pytest

from winnow.api.batcher import Batcher
from winnow.detectors.base import Detector
from winnow.errors import StoreError
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.tenancy import TenantPipelines
from winnow.types import Content, DetectorResult, Item, MediaType, Outcome, Signal, TextItem

pytestmark = pytest.mark.anyio


class SlowEcho(Detector):
    """Scores ``spam`` with the number in the text /100, after 20 ms a batch; records batches."""

    name: ClassVar[str] = "test.slow"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = ("spam",)

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        with self.lock:
            self.batches.append(len(items))
        time.sleep(0.02)
        out = []
        for item in items:
            assert isinstance(item, TextItem)
            out.append(self.result([Signal("spam", int(item.text) / 100)]))
        return out


class PerTenant(TenantPipelines):
    """'broken' cannot get a pipeline; every other tenant gets the base one."""

    def get(self, tenant: str) -> Pipeline:
        if tenant == "broken":
            raise StoreError("database down")
        return self.base


def both(pipeline: Pipeline, outcome: Outcome) -> tuple[Pipeline, Outcome]:
    return pipeline, outcome


def batcher(runners: int = 1, max_batch: int = 16) -> tuple[Batcher, SlowEcho]:
    det = SlowEcho()
    return Batcher(PerTenant(Pipeline([det], default_policy()), None), runners, max_batch), det


async def test_a_lone_request_runs_at_once_and_a_crowd_runs_in_batches() -> None:
    b, det = batcher(runners=1, max_batch=8)
    _, alone = await b.check("acme", Content("x", text="5"), both)
    assert alone.decision is not None and alone.decision.scores["spam"] == 0.05
    assert det.batches == [1]
    results: dict[int, float] = {}

    async def one(n: int) -> None:
        _, outcome = await b.check("acme", Content(str(n), text=str(n)), both)
        assert outcome.decision is not None
        results[n] = outcome.decision.scores["spam"]

    async with anyio.create_task_group() as tg:
        for n in range(20):
            tg.start_soon(one, n)
    assert results == {n: n / 100 for n in range(20)}  # every caller got its own answer
    assert sum(det.batches[1:]) == 20 and max(det.batches) == 8 and len(det.batches) <= 5


async def test_tenants_in_one_batch_each_run_their_own_and_a_failure_stays_in_its_group() -> None:
    b, _ = batcher(runners=1)
    got: dict[str, object] = {}

    async def one(tenant: str, n: int) -> None:
        try:
            _, outcome = await b.check(tenant, Content(f"{tenant}{n}", text=str(n)), both)
            got[f"{tenant}{n}"] = outcome.decision.verdict.value if outcome.decision else None
        except StoreError as exc:
            got[f"{tenant}{n}"] = str(exc)

    async with anyio.create_task_group() as tg:
        for n in range(4):
            tg.start_soon(one, "acme", n)
            tg.start_soon(one, "broken", n)
    assert {k: v for k, v in got.items() if k.startswith("acme")} == {
        f"acme{n}": "allow" for n in range(4)
    }
    assert {v for k, v in got.items() if k.startswith("broken")} == {"database down"}


async def test_what_follows_runs_per_item_and_its_failure_is_that_items_own() -> None:
    b, _ = batcher(runners=1)
    threads: set[int] = set()

    def store(pipeline: Pipeline, outcome: Outcome) -> str:
        threads.add(threading.get_ident())
        if outcome.content_id == "bad":
            raise StoreError("disk full")
        return outcome.content_id

    got: dict[str, str] = {}

    async def one(cid: str) -> None:
        try:
            got[cid] = await b.check("acme", Content(cid, text="1"), store)
        except StoreError as exc:
            got[cid] = f"error: {exc}"

    async with anyio.create_task_group() as tg:
        for cid in ("a", "bad", "c"):
            tg.start_soon(one, cid)
    assert got == {"a": "a", "bad": "error: disk full", "c": "c"}
    assert threading.get_ident() not in threads  # never on the event loop


async def test_a_cancelled_caller_does_not_lose_the_others_answers() -> None:
    b, det = batcher(runners=1, max_batch=4)
    done: list[int] = []
    scope = anyio.CancelScope()

    async def one(n: int) -> None:
        await b.check("acme", Content(str(n), text=str(n)), both)
        done.append(n)

    async def doomed() -> None:
        with scope:
            await one(0)  # runs the first batch, and is cancelled while it runs

    async with anyio.create_task_group() as tg:
        tg.start_soon(doomed)
        await anyio.sleep(0.005)
        for n in range(1, 6):
            tg.start_soon(one, n)
        await anyio.sleep(0.005)
        scope.cancel()
    assert {1, 2, 3, 4, 5} <= set(done)  # (0 may finish too: its answer was ready first)
    assert sum(det.batches) == 6 and det.batches[0] == 1  # its batch ran to the end, shielded
