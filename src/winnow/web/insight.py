"""The insight page: charts (inline SVG, no script) of volumes, queue age, throughput, precision."""

from __future__ import annotations

import time

import anyio
from fastapi import APIRouter, Request, Response

from winnow.review.insight import build_insight
from winnow.web.context import console_of
from winnow.web.pages import page, signed_in, to_login

__all__ = ["router"]

router = APIRouter(prefix="/review", include_in_schema=False)


@router.get("/insight")
async def insight(request: Request, days: int = 14) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    reviews = console_of(request).reviews
    days = max(1, min(days, 90))
    tenant = who[0].tenant

    def build() -> object:
        names = {r.id: r.username for r in reviews.list_reviewers(tenant)}
        return build_insight(reviews, tenant, time.time(), days, names)

    data = await anyio.to_thread.run_sync(build)
    return page(request, "insight.html", who, insight=data)
