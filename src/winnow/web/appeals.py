"""The appeals queue: a reviewer other than the one who decided an item rules on its appeal."""

from __future__ import annotations

import time
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from winnow.errors import WinnowError
from winnow.store import APPEAL_OUTCOMES, Reviewer
from winnow.web.context import console_of
from winnow.web.pages import page, signed_in, to_login

__all__ = ["router"]

router = APIRouter(prefix="/review/appeals", include_in_schema=False)


@router.get("")
async def appeals(request: Request, status: str = "open", notice: str = "") -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    status = status if status in ("open", *APPEAL_OUTCOMES) else "open"
    found = await anyio.to_thread.run_sync(
        console_of(request).reviews.appeals, who[0].tenant, status
    )
    return page(request, "appeals.html", who, appeals=found, status=status, notice=notice,
                now=time.time())  # fmt: skip


@router.get("/{appeal_id}")
async def appeal(request: Request, appeal_id: str) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    return await anyio.to_thread.run_sync(_appeal_page, request, who, appeal_id, "", 200)


def _appeal_page(
    request: Request, who: tuple[Reviewer, str], appeal_id: str, error: str, status: int
) -> Response:
    console = console_of(request)
    tenant = who[0].tenant
    found = console.reviews.get_appeal(tenant, appeal_id)
    decision = console.store.get_decision(tenant, found.decision_id) if found else None
    if found is None or decision is None:
        return page(request, "missing.html", who, http_status=404, decision_id=appeal_id)
    item = console.reviews.get_item(tenant, found.decision_id)
    return page(
        request, "appeal.html", who, http_status=status, appeal=found, decision=decision,
        item=item, error=error, own=found.decided_by == who[0].id,
    )  # fmt: skip


@router.post("/{appeal_id}")
async def rule(request: Request, appeal_id: str) -> Response:
    form = await request.form()
    who = await signed_in(request, form)
    if who is None:
        return to_login()
    outcome = str(form.get("outcome", ""))
    console = console_of(request)
    try:
        if outcome not in APPEAL_OUTCOMES:
            raise WinnowError("choose uphold or overturn")
        await anyio.to_thread.run_sync(
            console.reviewing.rule_on_appeal, who[0], appeal_id, outcome,
            str(form.get("reason", "")),
        )  # fmt: skip
    except WinnowError as exc:
        return await anyio.to_thread.run_sync(_appeal_page, request, who, appeal_id, str(exc), 409)
    notice = f"Appeal {appeal_id} {outcome}"
    return RedirectResponse(f"/review/appeals?notice={quote(notice)}", status_code=303)
