"""Request bodies: read with a size cap, parse JSON into a model with errors that say what to send."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from winnow.api.errors import MAX_DETAILS, ApiError, error_body

__all__ = ["MAX_BODY", "BodyLimit", "form_id", "parse_json", "read_body"]

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, cap: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``cap`` bytes (never read whole first)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise ApiError(413, f"request body is over the limit of {cap:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(model: type[M], raw: bytes, expected: str) -> M:
    """``raw`` as ``model``: 400 for broken JSON, 422 listing the problems (or only counting
    them past ``MAX_DETAILS``: listing 100,000 costs a second of CPU); ``expected`` says what
    to send instead."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if exc.error_count() > MAX_DETAILS:
            raise ApiError(
                422,
                f"the body has {exc.error_count():,} problems (unknown fields or wrong types); "
                f"send {expected}",
                code="invalid_request",
            ) from None
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, f"the body is not valid JSON: send {expected}") from None
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def form_id(value: object) -> str | None:
    """The ``id`` field of a multipart form (None when absent or empty), held to the rules the
    JSON bodies' ``id`` has: at most 512 characters, no NUL (PostgreSQL refuses it in text)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) > 512 or "\x00" in value:
        raise ApiError(422, "id: at most 512 characters, and no NUL characters")
    return value


MAX_BODY = 16 * 1024 * 1024
"""Largest request body on every route that does not bound its own (16 MiB: a list of 50,000
terms or 10,000 bank entries fits)."""


class BodyLimit:
    """Refuses request bodies over ``cap`` bytes with a 413, before the app buffers them: by the
    declared ``Content-Length`` at once, and while a chunked body streams in. Paths in
    ``exempt`` bound their own (uploads to ``/v1/moderate`` and ``/v1/jobs``)."""

    def __init__(self, app: ASGIApp, cap: int = MAX_BODY, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.cap = cap
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.cap:
                response = _too_large(self.cap, int(value))
                await response(scope, receive, send)
                return
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if (
                    seen > self.cap
                ):  # FastAPI passes HTTPExceptions from body reading on as they are
                    raise HTTPException(413, _too_large_text(self.cap, seen))
            return message

        await self.app(scope, capped, send)


def _too_large_text(cap: int, size: int) -> str:
    return (
        f"request body of {size:,} bytes or more is over the limit of {cap:,}; "
        "send less at a time (split a list or the bank entries over several requests)"
    )


def _too_large(cap: int, size: int) -> JSONResponse:
    return JSONResponse(error_body(413, "too_large", _too_large_text(cap, size)), 413)
