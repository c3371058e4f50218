"""Sign in and out of the console."""

from __future__ import annotations

import time

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from winnow.review.passwords import verify_password
from winnow.web.context import console_of
from winnow.web.security import NONCE_COOKIE, SESSION_COOKIE, login_nonce, set_cookie

__all__ = ["router"]

router = APIRouter(prefix="/review", include_in_schema=False)
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _form(request: Request, error: str | None = None, status: int = 200) -> Response:
    console = console_of(request)
    nonce = login_nonce(request)
    response = console.templates.TemplateResponse(
        request, "login.html", {"csrf": console.signer.csrf(nonce), "error": error},
        status_code=status,
    )  # fmt: skip
    set_cookie(request, response, NONCE_COOKIE, nonce, 3600)
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    return _form(request)


@router.post("/login")
async def login(request: Request) -> Response:
    console = console_of(request)
    form = await request.form()
    nonce = request.cookies.get(NONCE_COOKIE, "")
    if not nonce or not console.signer.check_csrf(nonce, str(form.get("csrf", ""))):
        return _form(request, "Your sign-in form expired; please try again.", 403)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    found = await anyio.to_thread.run_sync(console.reviews.reviewer_login, username)
    stored = found[1] if found else _DUMMY  # same work for unknown names: no user enumeration
    ok = await anyio.to_thread.run_sync(verify_password, password, stored)
    if found is None or not ok:
        return _form(request, "Unknown username or wrong password.", 401)
    response = RedirectResponse("/review", status_code=303)
    token = console.signer.session(found[0].id, time.time())
    set_cookie(request, response, SESSION_COOKIE, token, int(console.signer.ttl_s))
    response.delete_cookie(NONCE_COOKIE, path="/review")
    return response
