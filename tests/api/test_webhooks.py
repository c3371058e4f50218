"""Signed webhooks from the outbox: a receiver on 127.0.0.1 that is down, then back, gets every
event exactly once (deduplicating on webhook-id); the delivery log and manual replay."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.api.conftest import Service
from winnow.webhooks import MAX_AGE_S, Deliverer, backoff

pytestmark = pytest.mark.anyio


class Receiver:
    """A webhook receiver that verifies signatures and processes each webhook-id once."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.secret = ""
        self.receipts: list[str] = []  # every request's webhook-id
        self.processed: dict[str, dict[str, Any]] = {}  # webhook-id -> payload, once each
        self.lose_ack_once: set[str] = set()  # answer 500 after processing (a lost ack)
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                payload = Webhook(receiver.secret).verify(body, headers)  # raises if forged
                msg_id = headers["webhook-id"]
                receiver.receipts.append(msg_id)
                receiver.processed.setdefault(msg_id, payload)
                status = 204
                if msg_id in receiver.lose_ack_once:
                    receiver.lose_ack_once.discard(msg_id)
                    status = 500
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(free_port())
    yield r
    r.stop()


async def test_down_then_back_loses_nothing_and_duplicates_nothing(
    service: Service, receiver: Receiver
) -> None:
    admin, c = service.client("acme/admin"), service.client()
    hook = await admin.create_webhook(
        f"http://127.0.0.1:{receiver.port}/hook", ["decision.flagged"]
    )
    receiver.secret = hook["secret"]
    flagged = set()
    for i in range(12):
        out = await c.moderate_text(f"post {i}" + (" HATEFUL" if i % 2 else ""), id=f"p{i}")
        if out["verdict"] != "allow":
            flagged.add(out["decision_id"])
    assert len(flagged) == 6
    now = [1e10]  # far after the events: clock under the test's control
    failures: list[int] = []
    async with httpx.AsyncClient() as http:
        d = Deliverer(service.store, http, timeout_s=2, on_failure=lambda: failures.append(1),
                      clock=lambda: now[0], jitter=lambda: 0.0)  # fmt: skip
        now[0] = (await admin.deliveries(hook["id"]))[0]["created_at"] + 1
        assert await d.run_once() == 6  # receiver down: connection refused
        assert len(failures) == 6 and receiver.receipts == []
        assert await d.run_once() == 0  # nothing due before the backoff
        receiver.start()
        deliveries = await admin.deliveries(hook["id"])
        receiver.lose_ack_once.add(deliveries[0]["id"])
        now[0] += backoff(1)
        assert await d.run_once() == 6
        now[0] += backoff(2)
        assert await d.run_once() == 1  # the lost ack is retried, same webhook-id
        now[0] += backoff(3)
        assert await d.run_once() == 0
    deliveries = await admin.deliveries(hook["id"])
    assert {x["status"] for x in deliveries} == {"delivered"}
    assert set(receiver.processed) == {x["id"] for x in deliveries}  # zero lost
    got = {p["data"]["decision_id"] for p in receiver.processed.values()}
    assert got == flagged and len(receiver.processed) == 6  # zero duplicated
    assert len(receiver.receipts) == 7  # one redelivery, deduplicated by webhook-id
    assert all(p["type"] == "decision.flagged" for p in receiver.processed.values())
    assert all(p["data"]["matches"][0]["evidence"][0]["snippet"] is None
               for p in receiver.processed.values())  # fmt: skip
    lost = next(x for x in deliveries if x["attempts"] == 3)
    detail = await admin.delivery(lost["id"])
    assert [a["status_code"] for a in detail["log"]] == [None, 500, 204]
    assert "ConnectError" in detail["log"][0]["error"]


async def test_manual_replay_resends_with_the_same_id(service: Service, receiver: Receiver) -> None:
    admin = service.client("acme/admin")
    hook = await admin.create_webhook(f"http://127.0.0.1:{receiver.port}/", ["decision.flagged"])
    receiver.secret = hook["secret"]
    receiver.start()
    await service.client().moderate_text("HATEFUL")
    async with httpx.AsyncClient() as http:
        d = Deliverer(service.store, http, timeout_s=2)
        assert await d.run_once() == 1
        (delivery,) = await admin.deliveries(hook["id"])
        replayed = await admin.replay(delivery["id"])
        assert replayed["status"] == "pending" and replayed["id"] == delivery["id"]
        assert await d.run_once() == 1
    assert receiver.receipts == [delivery["id"], delivery["id"]]
    assert len(receiver.processed) == 1
    assert (await admin.delivery(delivery["id"]))["status"] == "delivered"


async def test_gives_up_after_a_day(service: Service) -> None:
    admin = service.client("acme/admin")
    hook = await admin.create_webhook(f"http://127.0.0.1:{free_port()}/", ["decision.flagged"])
    await service.client().moderate_text("HATEFUL")
    (delivery,) = await admin.deliveries(hook["id"])
    now = [delivery["created_at"]]
    async with httpx.AsyncClient() as http:
        d = Deliverer(service.store, http, timeout_s=1, clock=lambda: now[0], jitter=lambda: 0.0)
        tries = 0
        while await d.run_once():
            tries += 1
            now[0] += backoff(tries)
    got = await admin.delivery(delivery["id"])
    assert got["status"] == "failed" and got["attempts"] == tries
    assert got["log"][-1]["attempted_at"] - got["created_at"] <= MAX_AGE_S
    assert 20 <= tries <= 40  # 5 s doubling to 1 h apart, for a day


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert backoff(30) == 3600.0


async def test_events_reach_the_metrics(service: Service) -> None:
    admin = service.client("acme/admin")
    await admin.create_webhook(f"http://127.0.0.1:{free_port()}/", ["decision.flagged"])
    await service.client().moderate_text("HATEFUL")
    text = (await admin.http.get("/metrics")).text
    assert "winnow_webhook_outbox_pending 1.0" in text
