"""``POST /v1/moderate``: text or an image, moderated now; the decision is stored and returned.

The pipeline is CPU-bound and synchronous: requests in flight together run through it together
(:mod:`winnow.api.batcher`), in worker threads, each through its tenant's pipeline. The decision is stored without evidence snippets (no raw content is
kept) and, when flagged, a ``decision.flagged`` event goes to the outbox in the same transaction.
A ``review`` decision also opens a review item (:mod:`winnow.review.intake`): its text or image
is the one content kept, for ``review_retention_days``, so a reviewer can see it.
"""

from __future__ import annotations

import base64
import binascii
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from winnow.api.auth import Principal, require
from winnow.api.bodies import form_id, parse_json, read_body
from winnow.api.errors import ApiError
from winnow.api.models import DecisionOut, ErrorOut, ModerateJson
from winnow.api.state import AppState, state_of
from winnow.errors import WinnowError
from winnow.fingerprint import HASHES_DETECTOR, content_hashes
from winnow.pipeline import Pipeline
from winnow.policy import Policy
from winnow.review.intake import review_item
from winnow.serialize import outcome_to_json, stored_body
from winnow.store import DecisionRecord, Event, review_store
from winnow.types import Content, Outcome, Verdict

__all__ = ["router", "stored_body"]

router = APIRouter(prefix="/v1", tags=["moderation"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (400, 401, 403, 413, 415, 422, 429, 500, 503)
}
_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": ModerateJson.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "An image."},
                    "text": {"type": "string", "description": "Or text instead of a file."},
                    "id": {"type": "string", "description": "Your id for the content."},
                },
            }
        },
    },
}


@router.post(
    "/moderate",
    response_model=DecisionOut,
    responses=_ERRORS,
    openapi_extra={"requestBody": _BODY},
    summary="Moderate text or an image now",
)
async def moderate(
    request: Request, principal: Annotated[Principal, Depends(require("moderate"))]
) -> JSONResponse:
    """JSON ``{"id"?, "text"}`` or ``{"id"?, "image_base64"}``, or a multipart upload (``file``).

    Returns the decision in the ``winnow scan`` line shape plus ``decision_id``: fetch it later
    at ``GET /v1/decisions/{decision_id}``.
    """
    state = state_of(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > state.max_body:
        raise ApiError(413, f"request body of {int(declared):,} bytes is over the limit of "
                       f"{state.max_body:,}; send a smaller text or image")  # fmt: skip
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        content = _from_json(await read_body(request, state.max_body))
    elif ctype == "multipart/form-data":
        content = await _from_form(request, state)
    else:
        raise ApiError(
            415,
            f"content type {ctype or '(none)'!r} is not accepted: send application/json "
            '{"text": "..."} or {"image_base64": "..."}, or multipart/form-data with a "file"',
        )
    state.metrics.queue.inc()
    try:
        return await state.batcher.check(
            principal.tenant, content, partial(_store, state, principal, content)
        )
    finally:
        state.metrics.queue.dec()


def _store(
    state: AppState, principal: Principal, content: Content, pipeline: Pipeline, outcome: Outcome
) -> JSONResponse:
    if outcome.decision is None:
        raise outcome.error or WinnowError("moderation failed for an unknown reason")
    pdq = any(d.name == HASHES_DETECTOR for d in pipeline.detectors)
    hashes = content_hashes(
        content, outcome.decision.ref.media_type.value, state.settings.limits, pdq
    )
    record = DecisionRecord.of(outcome, principal.tenant, hashes)
    events = []
    if outcome.decision.verdict in (Verdict.REVIEW, Verdict.BLOCK):
        events.append(Event("decision.flagged", record.to_json()))
    state.store.save_decision(record, events)
    if outcome.decision.verdict is Verdict.REVIEW:
        _queue_for_review(state, principal, record, content, pipeline.policy)
    body = outcome_to_json(outcome)
    body["id"] = record.content_id  # None when the caller gave no id
    body["decision_id"] = record.id
    body["created_at"] = record.created_at
    return JSONResponse(body)


def _queue_for_review(
    state: AppState, principal: Principal, record: DecisionRecord, content: Content, policy: Policy
) -> None:
    """Open a review item, keeping the content for the retention time (privacy: only then)."""
    settings = state.settings
    item, text, data = review_item(
        record,
        content,
        source=principal.key.name,
        retention_s=policy.review_retention_s(settings.review_retention_days),
        max_bytes=settings.limits.max_image_bytes,
    )
    review_store(state.store).open_item(item, text, data)


def _from_json(raw: bytes) -> Content:
    req = parse_json(
        ModerateJson, raw, '{"text": "..."} or {"image_base64": "..."}, with an optional "id"'
    )
    content_id = req.id or ""
    if req.text is not None:
        return Content(content_id, text=req.text)
    try:
        data = base64.b64decode(req.image_base64 or "", validate=True)
    except (binascii.Error, ValueError):  # ValueError: characters outside ASCII
        raise ApiError(
            422, "image_base64 is not valid base64 (standard alphabet, with padding)"
        ) from None
    return Content(content_id, data=data)


async def _from_form(request: Request, state: AppState) -> Content:
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=state.max_body)
    except Exception as exc:  # multipart parse errors surface as several types
        if isinstance(exc, ApiError):
            raise
        raise ApiError(400, f"cannot read the multipart body: {exc}") from None
    try:
        content_id = form_id(form.get("id")) or ""
        upload, text = form.get("file"), form.get("text")
        if isinstance(upload, UploadFile) and text is None:
            return Content(content_id, data=await upload.read())
        if isinstance(text, str) and upload is None:
            return Content(content_id, text=text)
    finally:
        await form.close()
    raise ApiError(422, "a multipart request needs exactly one of a 'file' part or a 'text' field")
