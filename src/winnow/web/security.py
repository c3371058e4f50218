"""Sessions, CSRF and security headers of the console.

Every page needs a signed session cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure`` over
HTTPS); every POST needs the session's CSRF token in its ``csrf`` field (the login form uses a
token bound to a pre-login nonce cookie). Responses under ``/review`` carry a strict CSP (no
inline script), ``X-Frame-Options: DENY``, ``nosniff``, ``no-referrer`` and ``no-store``.
"""

from __future__ import annotations

import secrets
import time

import anyio
from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from winnow.store import Reviewer
from winnow.web.context import console_of

__all__ = [
    "NONCE_COOKIE",
    "SESSION_COOKIE",
    "SecurityHeaders",
    "current_reviewer",
    "login_nonce",
    "set_cookie",
]

SESSION_COOKIE = "winnow_review"
NONCE_COOKIE = "winnow_login"
_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; "
     b"img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
]  # fmt: skip


class SecurityHeaders:
    """Adds the console's security headers to every response under ``/review``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/review"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/review", httponly=True, samesite="lax",
        secure=request.url.scheme == "https",
    )  # fmt: skip


async def current_reviewer(request: Request) -> tuple[Reviewer, str] | None:
    """The signed-in reviewer and their session token, or None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    console = console_of(request)
    reviewer_id = console.signer.reviewer_of(token, time.time()) if token else None
    if reviewer_id is None:
        return None
    reviewer = await anyio.to_thread.run_sync(console.reviews.get_reviewer, reviewer_id)
    return (reviewer, token) if reviewer is not None else None


def login_nonce(request: Request) -> str:
    return request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(24)
