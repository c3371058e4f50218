"""The console's pages: the queue, an item with its evidence, decisions (one or in bulk), audit."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from winnow.errors import WinnowError
from winnow.review.decide import Action
from winnow.review.feedback import dry_run
from winnow.store import OUTCOMES, QueueFilter, Reviewer
from winnow.taxonomy import CATEGORIES
from winnow.web.context import console_of
from winnow.web.evidence import image_boxes, image_size, text_spans
from winnow.web.security import SESSION_COOKIE, current_reviewer

__all__ = ["page", "router", "signed_in", "to_login"]

router = APIRouter(prefix="/review", include_in_schema=False)
_PAST = {"allow": "Allowed", "remove": "Removed", "escalate": "Escalated"}
AGES = {"": (None, None), "1h": (3600.0, None), "24h": (86400.0, None), "old": (None, 86400.0)}


async def signed_in(request: Request, form: FormData | None = None) -> tuple[Reviewer, str] | None:
    """The reviewer, when signed in and (for a POST) the form carries their CSRF token."""
    found = await current_reviewer(request)
    if found is None:
        return None
    if form is not None and not console_of(request).signer.check_csrf(
        found[1], str(form.get("csrf", ""))
    ):
        return None
    return found


def to_login() -> Response:
    return RedirectResponse("/review/login", status_code=303)


def page(request: Request, name: str, who: tuple[Reviewer, str], http_status: int = 200,
          **context: Any) -> Response:  # fmt: skip
    console = console_of(request)
    context.update(reviewer=who[0], csrf=console.signer.csrf(who[1]), categories=CATEGORIES)
    return console.templates.TemplateResponse(request, name, context, status_code=http_status)


@router.get("")
async def queue(request: Request, status: str = "open", category: str = "", source: str = "",
                age: str = "", notice: str = "") -> Response:  # fmt: skip
    who = await signed_in(request)
    if who is None:
        return to_login()
    console = console_of(request)
    status = status if status in ("open", "escalated", "resolved") else "open"
    max_age, min_age = AGES.get(age, (None, None))
    filt = QueueFilter(status, category or None, source or None, max_age, min_age)
    now = time.time()
    items = await anyio.to_thread.run_sync(console.reviews.queue, who[0].tenant, filt, now)
    return page(request, "queue.html", who, items=items, now=now, status=status,
                 category=category, source=source, age=age, notice=notice)  # fmt: skip


@router.get("/items/{decision_id}")
async def item(request: Request, decision_id: str, error: str = "") -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    return await anyio.to_thread.run_sync(_item_page, request, who, decision_id, error)


def _item_page(request: Request, who: tuple[Reviewer, str], decision_id: str, error: str,
               status: int = 200) -> Response:  # fmt: skip
    console = console_of(request)
    tenant = who[0].tenant
    found = console.reviews.get_item(tenant, decision_id)
    decision = console.store.get_decision(tenant, decision_id)
    if found is None or decision is None:
        return page(request, "missing.html", who, http_status=404, decision_id=decision_id)
    now = time.time()
    text, data = console.reviews.item_content(tenant, decision_id, now)
    matches: list[dict[str, Any]] = decision.body.get("matches", [])
    size = image_size(data) if data is not None else None
    category = found.category or (found.categories[0] if found.categories else "")
    runs = [dry_run(console.reviews, tenant, found.sha256, o, category)
            for o in ("remove", "allow")] if category and found.media_type == "image" else []  # fmt: skip
    return page(
        request, "item.html", who, http_status=status, item=found, decision=decision, now=now,
        spans=text_spans(text, matches) if text is not None else None, has_image=data is not None,
        boxes=image_boxes(size, matches) if size else [], matches=matches, category=category,
        scores=sorted(((k, v) for k, v in decision.body.get("scores", {}).items() if v >= 0.01),
                      key=lambda kv: -kv[1])[:6],
        runs=runs, audit=console.reviews.audit(tenant, decision_id), error=error,
        names=_names(console.reviews.list_reviewers(tenant)),
    )  # fmt: skip


@router.get("/items/{decision_id}/image")
async def image(request: Request, decision_id: str) -> Response:
    who = await signed_in(request)
    if who is None:
        return Response(status_code=401)
    console = console_of(request)
    _, data = await anyio.to_thread.run_sync(
        console.reviews.item_content, who[0].tenant, decision_id, time.time()
    )
    if data is None:
        return Response(status_code=404)
    from winnow.media.sniff import sniff

    return Response(data, media_type=sniff(data).mime)


@router.post("/items/{decision_id}")
async def decide(request: Request, decision_id: str) -> Response:
    form = await request.form()
    who = await signed_in(request, form)
    if who is None:
        return to_login()
    outcome = str(form.get("outcome", ""))
    if outcome not in OUTCOMES:
        return await anyio.to_thread.run_sync(
            _item_page, request, who, decision_id, "Choose allow, remove or escalate.", 400
        )
    action = Action(outcome, str(form.get("category", "")) or None, str(form.get("reason", "")),
                    teach=form.get("teach") == "on")  # fmt: skip
    console = console_of(request)
    try:
        await anyio.to_thread.run_sync(console.reviewing.act, who[0], decision_id, action)
    except WinnowError as exc:
        return await anyio.to_thread.run_sync(_item_page, request, who, decision_id, str(exc), 409)
    notice = f"{_PAST[outcome]} {decision_id}"
    return RedirectResponse(f"/review?notice={quote(notice)}", status_code=303)


@router.post("/bulk")
async def bulk(request: Request) -> Response:
    form = await request.form()
    who = await signed_in(request, form)
    if who is None:
        return to_login()
    outcome = str(form.get("outcome", ""))
    ids = [str(v) for v in form.getlist("ids")]
    if outcome not in OUTCOMES or not ids:
        return RedirectResponse("/review?notice=Select+items+and+an+action.", status_code=303)
    action = Action(outcome, None, str(form.get("reason", "")))
    console = console_of(request)
    done, failed = 0, 0
    for decision_id in ids[:200]:
        try:
            await anyio.to_thread.run_sync(console.reviewing.act, who[0], decision_id, action)
            done += 1
        except WinnowError:
            failed += 1
    notice = f"{_PAST[outcome]} {done} item{'' if done == 1 else 's'}" + (
        f", {failed} skipped (already decided)" if failed else ""
    )
    return RedirectResponse(f"/review?notice={quote(notice)}", status_code=303)


@router.get("/audit")
async def audit(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    reviews = console_of(request).reviews
    entries = await anyio.to_thread.run_sync(reviews.audit, who[0].tenant)
    names = _names(await anyio.to_thread.run_sync(reviews.list_reviewers, who[0].tenant))
    return page(request, "audit.html", who, entries=entries, names=names)


def _names(reviewers: list[Reviewer]) -> dict[str, str]:
    return {r.id: r.username for r in reviewers}


@router.post("/signout")
async def signout(request: Request) -> Response:
    form = await request.form()
    response = to_login()
    if await signed_in(request, form) is not None:
        response.delete_cookie(SESSION_COOKIE, path="/review")
    return response
