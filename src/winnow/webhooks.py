"""Signed webhook delivery from the outbox, with exponential backoff for up to a day.

A decision and its events are written in one transaction (:meth:`Store.save_decision`); this
module sends what the outbox holds. Each delivery keeps one id, sent as the ``webhook-id``
header on every attempt (receivers deduplicate on it), and is signed per the Standard Webhooks
spec (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``). A failed attempt is retried
after 5 s, 10 s, 20 s ... (at most an hour apart) until the delivery is a day old, when it is
marked ``failed``; every attempt is logged, and a delivery can be replayed by hand.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio

from winnow.store import Attempt, DeliveryTask, Store

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_AGE_S", "Deliverer", "backoff", "sign"]

MAX_AGE_S = 24 * 3600.0
"""A delivery still failing this long after its event is given up (status ``failed``)."""

FIRST_DELAY_S = 5.0
MAX_DELAY_S = 3600.0


def backoff(attempts: int, jitter: float = 0.0) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: 5, 10, 20 ... capped at 1 h."""
    delay: float = min(FIRST_DELAY_S * 2.0 ** max(attempts - 1, 0), MAX_DELAY_S)
    return delay * (1 + jitter)


def sign(secret: str, msg_id: str, timestamp: float, payload: str) -> dict[str, str]:
    """The Standard Webhooks headers for ``payload``."""
    from standardwebhooks.webhooks import Webhook

    when = datetime.fromtimestamp(int(timestamp), UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": Webhook(secret).sign(msg_id, when, payload),
        "content-type": "application/json",
    }


@dataclass
class Deliverer:
    """Sends due deliveries. ``run_once`` is one pass (tests drive it); ``run`` loops."""

    store: Store
    client: httpx.AsyncClient
    timeout_s: float = 10.0
    batch: int = 50
    on_failure: Callable[[], None] = lambda: None
    clock: Callable[[], float] = time.time
    jitter: Callable[[], float] = field(default=lambda: random.uniform(0, 0.1))

    async def run_once(self) -> int:
        """Send every delivery due now; returns how many were attempted."""
        now = self.clock()
        lease = self.timeout_s * 3 + 30
        tasks = await anyio.to_thread.run_sync(self.store.claim_deliveries, now, self.batch, lease)
        if not tasks:
            return 0
        async with anyio.create_task_group() as group:
            for task in tasks:
                group.start_soon(self._send, task)
        return len(tasks)

    async def run(self, interval_s: float = 1.0) -> None:
        """Deliver forever, every ``interval_s`` (or at once while there is more to send)."""
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # the database went away: keep trying, the outbox keeps the work
                import logging

                logging.getLogger("winnow.webhooks").exception("webhook delivery pass failed")
                sent = 0
            if sent < self.batch:
                await anyio.sleep(interval_s)

    async def _send(self, task: DeliveryTask) -> None:
        import httpx

        start = self.clock()
        headers = sign(task.secret, task.id, start, task.payload)
        status: int | None = None
        error: str | None = None
        t0 = time.perf_counter()
        try:
            response = await self.client.post(
                task.url, content=task.payload.encode("utf-8"), headers=headers,
                timeout=self.timeout_s, follow_redirects=False,
            )  # fmt: skip
            status = response.status_code
            if not 200 <= status < 300:
                error = f"receiver answered HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = (time.perf_counter() - t0) * 1000
        delivered = error is None
        next_at: float | None = None
        if not delivered:
            self.on_failure()
            next_at = start + backoff(task.attempts + 1, self.jitter())
            if next_at - task.created_at > MAX_AGE_S:
                next_at = None
        attempt = Attempt(task.id, start, status, error, duration_ms)
        await anyio.to_thread.run_sync(self.store.record_attempt, attempt, delivered, next_at)
