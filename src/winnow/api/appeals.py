"""Appeals: a user contests a decision; a reviewer other than the one who decided it rules on it
in the console (``/review/appeals``), and ``appeal.resolved`` tells your webhook the outcome."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from winnow.api.auth import Principal, require
from winnow.api.errors import ApiError
from winnow.api.models import ErrorOut
from winnow.api.state import state_of
from winnow.store import review_store

__all__ = ["AppealIn", "AppealOut", "router"]

router = APIRouter(prefix="/v1", tags=["appeals"])
Mod = Annotated[Principal, Depends(require("moderate"))]
Reader = Annotated[Principal, Depends(require("review", "moderate"))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 404, 409, 422, 429, 503)
}


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="The user's words.")
    user_id: str | None = Field(None, max_length=512, description="Your id for the user.")


class AppealOut(BaseModel):
    appeal_id: str
    decision_id: str
    status: Literal["open", "upheld", "overturned"]
    reason: str
    user_id: str | None
    created_at: float
    outcome_reason: str | None = None
    decided_at: float | None = None


@router.post(
    "/decisions/{decision_id}/appeal", status_code=201, response_model=AppealOut,
    responses=_ERRORS,
)  # fmt: skip
async def appeal(decision_id: str, body: AppealIn, request: Request, principal: Mod) -> Any:
    """Appeal a decision (one appeal per decision)."""
    import time

    from winnow.errors import ConflictError

    state = state_of(request)
    found = await anyio.to_thread.run_sync(state.store.get_decision, principal.tenant, decision_id)
    if found is None:
        raise ApiError(404, f"no decision {decision_id!r} for this key's tenant")
    reviews = review_store(state.store)
    try:
        made = await anyio.to_thread.run_sync(
            reviews.create_appeal, principal.tenant, decision_id, body.reason, body.user_id,
            time.time(),
        )  # fmt: skip
    except ConflictError as exc:
        raise ApiError(409, str(exc)) from None
    return made.to_json()


@router.get("/appeals/{appeal_id}", response_model=AppealOut, responses=_ERRORS)
async def get_appeal(appeal_id: str, request: Request, principal: Reader) -> Any:
    """An appeal and, once decided, its outcome."""
    reviews = review_store(state_of(request).store)
    found = await anyio.to_thread.run_sync(reviews.get_appeal, principal.tenant, appeal_id)
    if found is None:
        raise ApiError(404, f"no appeal {appeal_id!r} for this key's tenant")
    return found.to_json()
