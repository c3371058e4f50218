"""Stored decisions, by id and by content hash or your content id (the caller's tenant only)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request

from winnow.api.auth import Principal, require
from winnow.api.errors import ApiError
from winnow.api.models import DecisionList, DecisionOut, ErrorOut
from winnow.api.state import state_of

__all__ = ["router"]

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])
Reader = Annotated[Principal, Depends(require("review", "moderate"))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 404, 422, 429, 503)
}


@router.get("/{decision_id}", response_model=DecisionOut, responses=_ERRORS)
async def get_decision(decision_id: str, request: Request, principal: Reader) -> dict[str, Any]:
    """One decision, as stored (evidence locators without snippets)."""
    store = state_of(request).store
    record = await anyio.to_thread.run_sync(store.get_decision, principal.tenant, decision_id)
    if record is None:
        raise ApiError(404, f"no decision {decision_id!r} for this key's tenant")
    return record.to_json()


@router.get("", response_model=DecisionList, responses=_ERRORS)
async def find_decisions(
    request: Request,
    principal: Reader,
    sha256: Annotated[
        str | None, Query(pattern="^[0-9a-f]{64}$", description="Content sha256 (hex).")
    ] = None,
    content_id: Annotated[str | None, Query(max_length=512, description="Your id.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Decisions of this tenant, newest first, filtered by content hash and/or your id."""
    store = state_of(request).store
    records = await anyio.to_thread.run_sync(
        lambda: store.find_decisions(principal.tenant, sha256, content_id, limit)
    )
    return {"decisions": [r.to_json() for r in records]}
