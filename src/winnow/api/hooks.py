"""Webhook subscriptions, their deliveries, the delivery log and manual replay (``admin``)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request, Response

from winnow.api.auth import Principal, require
from winnow.api.errors import ApiError
from winnow.api.models import (
    DeliveryDetail,
    DeliveryList,
    DeliveryOut,
    ErrorOut,
    WebhookCreated,
    WebhookIn,
    WebhookList,
)
from winnow.api.state import state_of
from winnow.store import Delivery, Webhook

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["webhooks"])
Admin = Annotated[Principal, Depends(require("admin"))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (400, 401, 403, 404, 409, 422, 429, 503)
}


def _hook(h: Webhook) -> dict[str, Any]:
    return {"id": h.id, "url": h.url, "events": list(h.events), "created_at": h.created_at}


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id, "webhook_id": d.webhook_id, "event": d.event, "status": d.status,
        "attempts": d.attempts, "created_at": d.created_at, "next_attempt_at": d.next_attempt_at,
        "delivered_at": d.delivered_at, "last_error": d.last_error,
    }  # fmt: skip


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, responses=_ERRORS)
async def create_webhook(body: WebhookIn, request: Request, principal: Admin) -> dict[str, Any]:
    """Subscribe a URL to events. The signing secret is in this response only."""
    store = state_of(request).store
    hook = await anyio.to_thread.run_sync(
        store.create_webhook, principal.tenant, str(body.url), list(body.events)
    )
    return {**_hook(hook), "secret": hook.secret}


@router.get("/webhooks", response_model=WebhookList, responses=_ERRORS)
async def list_webhooks(request: Request, principal: Admin) -> dict[str, Any]:
    store = state_of(request).store
    hooks = await anyio.to_thread.run_sync(store.list_webhooks, principal.tenant)
    return {"webhooks": [_hook(h) for h in hooks]}


@router.delete("/webhooks/{webhook_id}", status_code=204, responses=_ERRORS)
async def delete_webhook(webhook_id: str, request: Request, principal: Admin) -> Response:
    """Unsubscribe; its pending deliveries are marked failed."""
    store = state_of(request).store
    if not await anyio.to_thread.run_sync(store.delete_webhook, principal.tenant, webhook_id):
        raise ApiError(404, f"no webhook {webhook_id!r} for this key's tenant")
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryList, responses=_ERRORS)
async def list_deliveries(webhook_id: str, request: Request, principal: Admin) -> dict[str, Any]:
    """The webhook's deliveries, newest first (100 at most)."""
    store = state_of(request).store
    hooks = await anyio.to_thread.run_sync(store.list_webhooks, principal.tenant)
    if webhook_id not in {h.id for h in hooks}:
        raise ApiError(404, f"no webhook {webhook_id!r} for this key's tenant")
    found = await anyio.to_thread.run_sync(store.list_deliveries, principal.tenant, webhook_id)
    return {"deliveries": [_delivery(d) for d in found]}


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, responses=_ERRORS)
async def get_delivery(delivery_id: str, request: Request, principal: Admin) -> dict[str, Any]:
    """A delivery and its log: one line per attempt."""
    store = state_of(request).store
    found = await anyio.to_thread.run_sync(store.get_delivery, principal.tenant, delivery_id)
    if found is None:
        raise ApiError(404, f"no delivery {delivery_id!r} for this key's tenant")
    log = await anyio.to_thread.run_sync(store.list_attempts, principal.tenant, delivery_id)
    return {
        **_delivery(found),
        "log": [
            {"attempted_at": a.attempted_at, "status_code": a.status_code, "error": a.error,
             "duration_ms": a.duration_ms}
            for a in log
        ],
    }  # fmt: skip


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryOut,
    responses=_ERRORS,
)
async def replay_delivery(delivery_id: str, request: Request, principal: Admin) -> dict[str, Any]:
    """Send a delivery again now, with the same webhook-id (receivers deduplicate on it)."""
    store = state_of(request).store
    ok = await anyio.to_thread.run_sync(
        store.replay_delivery, principal.tenant, delivery_id, time.time()
    )
    found = await anyio.to_thread.run_sync(store.get_delivery, principal.tenant, delivery_id)
    if not ok or found is None:
        raise ApiError(
            404, f"no delivery {delivery_id!r} with a live webhook for this key's tenant"
        )
    return _delivery(found)
