"""Prometheus metrics of one app (its own registry: no globals), and the middleware timing requests.

- ``winnow_http_request_duration_seconds{method, route, status}``: request latency.
- ``winnow_detector_duration_seconds{detector}``: time per detector batch.
- ``winnow_moderation_queue_depth``: moderation requests waiting for or holding a worker thread.
- ``winnow_moderation_batch_size``: requests moderated together in one pipeline batch.
- ``winnow_webhook_outbox_pending``: deliveries waiting in the outbox.
- ``winnow_webhook_failures_total``: failed delivery attempts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from winnow.detectors.base import Detector
from winnow.types import DetectorResult, Item, MediaType

__all__ = ["Metrics", "TimingMiddleware", "timed"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, outbox_depth: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "winnow_http_request_duration_seconds", "HTTP request latency.",
            ["method", "route", "status"], registry=self.registry, buckets=_BUCKETS,
        )  # fmt: skip
        self.detector = Histogram(
            "winnow_detector_duration_seconds", "Time per detector batch.", ["detector"],
            registry=self.registry, buckets=_BUCKETS,
        )  # fmt: skip
        self.queue = Gauge(
            "winnow_moderation_queue_depth",
            "Moderation requests waiting for or holding a worker thread.",
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "winnow_moderation_batch_size", "Requests moderated together in one pipeline batch.",
            registry=self.registry, buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        )  # fmt: skip
        self.outbox = Gauge(
            "winnow_webhook_outbox_pending", "Webhook deliveries waiting in the outbox.",
            registry=self.registry,
        )  # fmt: skip
        self.outbox.set_function(outbox_depth)
        self.webhook_failures = Counter(
            "winnow_webhook_failures", "Failed webhook delivery attempts.", registry=self.registry
        )

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


def timed(detectors: Sequence[Detector], metrics: Metrics) -> list[Detector]:
    """The same detectors, each timing its batches into ``metrics``."""
    return [_timed(d, metrics) for d in detectors]


def _timed(inner: Detector, metrics: Metrics) -> Detector:
    hist = metrics.detector.labels(inner.name)

    class Timed(Detector):
        name: ClassVar[str] = inner.name
        version: ClassVar[str] = inner.version
        media_types: ClassVar[frozenset[MediaType]] = inner.media_types
        labels: ClassVar[tuple[str, ...]] = inner.labels

        def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
            start = time.perf_counter()
            try:
                return inner.detect_batch(items)
            finally:
                hist.observe(time.perf_counter() - start)

    return Timed()


class TimingMiddleware:
    """Observes every HTTP request's latency, labelled by route template (not raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.latency.labels(scope.get("method", ""), path, str(status)).observe(
                time.perf_counter() - start
            )
