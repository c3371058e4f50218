"""Mount the console on an app: state, static files, headers, and the pages' routers."""

from __future__ import annotations

import time

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from winnow.review.decide import Reviewing
from winnow.review.feedback import BankFeedback
from winnow.review.sessions import Signer, load_secret
from winnow.settings import Settings
from winnow.store import Store, review_store
from winnow.web import appeals, insight, login, pages
from winnow.web.context import HERE, ConsoleState
from winnow.web.security import SecurityHeaders

__all__ = ["mount"]


def _age(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{int(seconds // 60)} min"
    if seconds < 172800:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def mount(app: FastAPI, settings: Settings, store: Store) -> None:
    """Serve the review console at ``/review`` from ``app``."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["age"] = _age
    templates.env.filters["utc"] = _utc
    reviews = review_store(store)
    app.state.review = ConsoleState(
        settings=settings,
        store=store,
        reviews=reviews,
        reviewing=Reviewing(reviews, BankFeedback(settings.data_dir), settings.limits),
        signer=Signer(load_secret(settings.session_secret, settings.data_dir)),
        templates=templates,
    )
    app.mount("/review/static", StaticFiles(directory=HERE / "static"), name="review-static")
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(appeals.router)
    app.include_router(insight.router)
    app.add_middleware(SecurityHeaders)
