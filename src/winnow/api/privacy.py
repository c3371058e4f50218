"""Erasure: everything about one of your content ids, or one of your users' ids (``admin``)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from winnow.api.auth import Principal, require
from winnow.api.models import ErrorOut
from winnow.api.state import state_of

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["privacy"])
Admin = Annotated[Principal, Depends(require("admin"))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 404, 422, 429, 503)
}
_ID = Path(min_length=1, max_length=512)


class Deleted(BaseModel):
    deleted: dict[str, int] = Field(
        description="Rows deleted per table; empty when nothing was held about the id."
    )


@router.delete("/content/{content_id}", response_model=Deleted, responses=_ERRORS)
async def forget_content(
    content_id: Annotated[str, _ID], request: Request, principal: Admin
) -> dict[str, Any]:
    """Delete everything this tenant holds about your content id: its decisions (and the ones a
    rescan made from them), their review items and retained content, audit entries and appeals,
    job results, and the webhook deliveries that carry them. Irreversible; idempotent."""
    store = state_of(request).store
    counts = await anyio.to_thread.run_sync(
        lambda: store.forget(principal.tenant, content_id=content_id)
    )
    return {"deleted": counts}


@router.delete("/users/{user_id}", response_model=Deleted, responses=_ERRORS)
async def forget_user(
    user_id: Annotated[str, _ID], request: Request, principal: Admin
) -> dict[str, Any]:
    """Delete everything this tenant holds about your user id: the appeals filed with it.
    Decisions are about content, not people: erase a user's posts by their content ids."""
    store = state_of(request).store
    counts = await anyio.to_thread.run_sync(lambda: store.forget(principal.tenant, user_id=user_id))
    return {"deleted": counts}
