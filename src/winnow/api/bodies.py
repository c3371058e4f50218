"""Request bodies: read with a size cap, parse JSON into a model with errors that say what to send."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from winnow.api.errors import MAX_DETAILS, ApiError

__all__ = ["form_id", "parse_json", "read_body"]

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
