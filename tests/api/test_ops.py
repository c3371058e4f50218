"""Health, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service

pytestmark = pytest.mark.anyio


async def test_health_ready_and_metrics(service: Service) -> None:
    h = service.client(None).http
    assert (await h.get("/healthz")).json() == {"status": "ok"}
    ready = (await h.get("/readyz")).json()
    assert ready["status"] == "ready" and ready["detectors"] == ["test.keyword", "test.image"]
    await service.client().moderate_text("HATEFUL")
    text = (await h.get("/metrics")).text
    assert (
        'winnow_http_request_duration_seconds_count{method="POST",route="/v1/moderate",status="200"} 1.0'
        in text
    )
    assert 'winnow_detector_duration_seconds_count{detector="test.keyword"} 1.0' in text
    assert "winnow_moderation_queue_depth 0.0" in text
    assert 'winnow_moderation_batch_size_bucket{le="1.0"} 1.0' in text  # one request, alone
    assert "winnow_webhook_failures_total 0.0" in text


async def test_openapi_is_versioned_and_secured(service: Service) -> None:
    spec = (await service.client(None).http.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["type"] == "http"
    body = spec["paths"]["/v1/moderate"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert spec["paths"]["/v1/moderate"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "DecisionOut" in spec["components"]["schemas"]
