"""One JSON error body for every error the API returns, and the handlers that produce it::

    {"error": {"status": 404, "code": "not_found", "message": "what happened and what to do"}}

A request validation error adds ``details`` (one ``{"where", "message"}`` per problem).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from winnow.errors import (
    ConfigError,
    ConflictError,
    DecodeError,
    DetectorError,
    InputError,
    LimitExceededError,
    StoreError,
    UnsupportedMediaError,
    WinnowError,
)

__all__ = ["MAX_DETAILS", "ApiError", "CatchAll", "error_body", "install_error_handlers"]

log = logging.getLogger("winnow.api")

MAX_DETAILS = 20
"""The most ``details`` entries an error body lists."""

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An HTTP error with a code and a message that says what to fix."""

    def __init__(
        self, status: int, message: str, code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.code = code or _HTTP_CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def _respond(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, details: Any = None
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, details), status, headers=headers)


def winnow_status(exc: WinnowError) -> tuple[int, str]:
    """The HTTP status and code of a winnow error."""
    for cls, status, code in (
        (LimitExceededError, 413, "too_large"),
        (UnsupportedMediaError, 415, "unsupported_media_type"),
        (DecodeError, 422, "undecodable"),
        (ConflictError, 409, "conflict"),
        (InputError, 400, "bad_input"),
        (ConfigError, 400, "bad_request"),
        (StoreError, 503, "store_unavailable"),
        (DetectorError, 500, "detector_failed"),
    ):
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(WinnowError)
    async def _winnow(_: Request, exc: WinnowError) -> JSONResponse:
        status, code = winnow_status(exc)
        if status >= 500:
            log.error("%s: %s", code, exc)
        if isinstance(exc, StoreError):  # names the database URL and the driver's text: log only
            return _respond(
                status, code, "the database is unavailable (details in the server log); retry later"
            )
        return _respond(status, code, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"no such endpoint: {request.method} {request.url.path}; see /docs"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /docs"
        else:
            message = str(exc.detail)
        code = _HTTP_CODES.get(exc.status_code, "error")
        return _respond(exc.status_code, code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        # A hostile body can hold 100,000 problems: answer with the first few, not all of them.
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in errors[:MAX_DETAILS]
        ]
        first = details[0] if details else {"where": "request", "message": "invalid"}
        message = f"{first['where']}: {first['message']}"
        if len(errors) > 1:
            shown = (
                "in details"
                if len(errors) <= MAX_DETAILS
                else f"the first {MAX_DETAILS} in details"
            )
            message += f" (and {len(errors) - 1} more problems, {shown})"
        return _respond(422, "invalid_request", message, details=details)


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a logged 500 in the error shape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def _send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = _respond(
                500, "internal_error", "internal error; the server log has the details"
            )
            await response(scope, receive, send)
