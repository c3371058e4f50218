"""``POST /v1/jobs`` and ``GET /v1/jobs/{id}``: moderation that runs later, durably.

A job is a batch of texts (JSON ``{"items": [{"id", "text"}, ...]}``) or one uploaded file
(multipart ``file``: a video, an audio file, an image or a text file). The answer is 202 with the
job's id at once; a worker (:mod:`winnow.jobs`) moderates it, storing one decision per item, and
``GET /v1/jobs/{id}`` shows its status and progress, and once it has ended, each item's
decision id and verdict (fetch the decisions at ``GET /v1/decisions/{id}``). An uploaded file is
kept on disk only until its job ends.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from winnow.api.auth import Principal, require
from winnow.api.bodies import form_id, parse_json, read_body
from winnow.api.errors import ApiError
from winnow.api.models import ErrorOut
from winnow.api.state import AppState, state_of
from winnow.store.jobs import Job

if TYPE_CHECKING:
    from winnow.jobs.engine import JobEngine

__all__ = ["MAX_JOB_ITEMS", "router"]

router = APIRouter(prefix="/v1", tags=["jobs"])

_JOB_ID = re.compile(r"^job_[0-9a-f]{32}$")

MAX_JOB_ITEMS = 10_000
"""The most texts one batch job takes."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (400, 401, 403, 404, 413, 415, 422, 429, 500, 503)
}


class JobText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None, max_length=512, pattern="^[^\x00]*$", description="Your id for the text."
    )
    text: str = Field(description="Text to moderate (UTF-8).")


class JobItemsIn(BaseModel):
    """A batch of texts, moderated as one job."""

    model_config = ConfigDict(extra="forbid")

    items: list[JobText] = Field(min_length=1, max_length=MAX_JOB_ITEMS)


class JobProgress(BaseModel):
    total: int = Field(description="Items in the job.")
    done: int = Field(description="Items moderated (with a decision or an error).")
    flagged: int = Field(description="Items whose verdict is review or block.")
    failed: int = Field(description="Items that could not be moderated.")


class JobResult(BaseModel):
    index: int = Field(description="The item's position in the job (0 for an upload).")
    id: str | None = Field(description="Your id for the item, as sent.")
    decision_id: str | None = Field(description="Its decision: GET /v1/decisions/{decision_id}.")
    verdict: Literal["allow", "review", "block"] | None
    sha256: str | None
    error: str | None = Field(description="Why the item has no decision.")


class JobOut(BaseModel):
    job_id: str
    kind: Literal["items", "media"] = Field(description="A batch of texts, or one upload.")
    status: Literal["queued", "running", "completed", "failed"]
    progress: JobProgress
    policy_version: str | None
    worker_id: str | None = Field(description="The worker that ran (or runs) the job.")
    error: str | None = Field(description="Why the job failed.")
    created_at: float = Field(description="Unix time.")
    started_at: float | None
    finished_at: float | None
    results: list[JobResult] | None = Field(
        None, description="Each item's result, in order, once the job has ended."
    )


_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {  # inline: a $ref to pydantic's $defs would dangle in the OpenAPI document
                "title": "JobItemsIn",
                "description": JobItemsIn.__doc__,
                "type": "object",
                "properties": {
                    "items": {
                        "type": "array",
                        "items": JobText.model_json_schema(),
                        "minItems": 1,
                        "maxItems": MAX_JOB_ITEMS,
                    }
                },
                "required": ["items"],
                "additionalProperties": False,
            }
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A video, audio file, image or text file.",
                    },
                    "id": {"type": "string", "description": "Your id for the content."},
                },
                "required": ["file"],
            }
        },
    },
}


def _engine(state: AppState) -> JobEngine:
    engine = state.jobs
    if engine is None or not engine.started:
        raise ApiError(503, "the job engine is not running here; try again in a moment")
    return engine


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobOut,
    responses=_ERRORS,
    openapi_extra={"requestBody": _BODY},
    summary="Submit a batch of texts or a file to moderate later",
)
async def submit_job(
    request: Request, principal: Annotated[Principal, Depends(require("moderate"))]
) -> JSONResponse:
    """JSON ``{"items": [{"id"?, "text"}, ...]}`` (up to 10,000 texts), or a multipart upload of
    one ``file`` (video, audio, image or text) with an optional ``id``.

    Answers 202 with the job (status ``queued``); poll ``GET /v1/jobs/{job_id}``, or subscribe a
    webhook to ``job.completed``.
    """
    state = state_of(request)
    engine = _engine(state)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length")
    cap = _cap(state, ctype)
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise ApiError(413, f"request body of {int(declared):,} bytes is over the limit of "
                       f"{cap:,}")  # fmt: skip
    source = principal.key.name
    if ctype == "application/json":
        items = _items(await read_body(request, cap))
        job = await anyio.to_thread.run_sync(engine.submit_items, principal.tenant, items, source)
    elif ctype == "multipart/form-data":
        job = await _upload(request, state, engine, principal, source)
    else:
        raise ApiError(
            415,
            f"content type {ctype or '(none)'!r} is not accepted: send application/json "
            '{"items": [{"id": "...", "text": "..."}]}, or multipart/form-data with a "file"',
        )
    return JSONResponse(job.to_json(), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


@router.get("/jobs/{job_id}", response_model=JobOut, responses=_ERRORS, summary="A job")
async def get_job(
    job_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require("moderate", "review"))],
) -> dict[str, Any]:
    """The job's status and progress; once it has ended, ``results``: each item's decision."""
    engine = state_of(request).jobs
    if engine is None:
        raise ApiError(503, "jobs need the SQL store")
    job: Job | None = None
    if _JOB_ID.match(job_id):  # anything else is no job (and PostgreSQL refuses NUL bytes)
        job = await anyio.to_thread.run_sync(engine.get, principal.tenant, job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id!r} for this key's tenant")
    body = job.to_json()
    if job.finished:
        items = await anyio.to_thread.run_sync(engine.jobs.items, principal.tenant, job_id)
        body["results"] = [it.to_json() for it in items]
    return body


def _cap(state: AppState, ctype: str) -> int:
    limits = state.settings.limits
    if ctype == "multipart/form-data":
        return max(limits.max_media_bytes, limits.max_image_bytes) + 64 * 1024
    return min(MAX_JOB_ITEMS * (limits.max_text_chars * 4 + 600), 256 * 1024**2)


def _items(raw: bytes) -> list[tuple[str | None, str]]:
    req = parse_json(JobItemsIn, raw, '{"items": [{"id": "...", "text": "..."}]}')
    return [(it.id, it.text) for it in req.items]


async def _upload(
    request: Request, state: AppState, engine: JobEngine, principal: Principal, source: str
) -> Job:
    limit = max(state.settings.limits.max_media_bytes, state.settings.limits.max_image_bytes)
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=64 * 1024)
    except Exception as exc:  # multipart parse errors surface as several types
        if isinstance(exc, ApiError):
            raise
        raise ApiError(400, f"cannot read the multipart body: {exc}") from None
    try:
        upload, content_id = form.get("file"), form_id(form.get("id"))
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "a multipart job needs a 'file' part")
        job_id = engine.new_job_id()
        await anyio.to_thread.run_sync(_spool_upload, engine, job_id, upload, limit)
    finally:
        await form.close()
    return await anyio.to_thread.run_sync(
        engine.submit_upload, job_id, principal.tenant, content_id, source
    )


def _spool_upload(engine: JobEngine, job_id: str, upload: UploadFile, limit: int) -> None:
    engine.spool.create(job_id)
    size = 0
    try:
        upload.file.seek(0)
        with engine.spool.upload_path(job_id).open("wb") as out:
            while chunk := upload.file.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, f"the file is over the limit of {limit:,} bytes")
                out.write(chunk)
        if size == 0:
            raise ApiError(422, "the file is empty (0 bytes)")
    except BaseException:
        shutil.rmtree(engine.spool.folder(job_id), ignore_errors=True)
        raise
