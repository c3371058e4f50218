"""Block and allow lists per tenant (``admin``): terms and regular expressions with spans.

A list works as a list file does (:mod:`winnow.text.lists`) for this tenant's text only, next to
the service's lists, from the next request on.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse

from winnow.api.auth import Principal, require
from winnow.api.errors import ApiError
from winnow.api.models import NAME_PATTERN, ErrorOut, ListIn, ListList, ListOut
from winnow.api.state import configs_of, state_of
from winnow.errors import ConfigError
from winnow.store import StoredList
from winnow.text.lists import parse_list

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["lists"])
Admin = Annotated[Principal, Depends(require("admin"))]
Name = Annotated[str, Path(pattern=NAME_PATTERN, description="The list's name.")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 404, 413, 422, 429, 503)
}
MAX_TERM_CHARS = 200
MAX_REGEX_CHARS = 500


def _out(s: StoredList) -> dict[str, Any]:
    d = s.document
    return {
        "name": s.name, "kind": d.get("kind", "block"), "category": d.get("category"),
        "action": d.get("action"), "terms": list(d.get("terms", [])),
        "regex": list(d.get("regex", [])), "created_at": s.created_at, "updated_at": s.updated_at,
    }  # fmt: skip


@router.put(
    "/lists/{name}",
    response_model=ListOut,
    responses={**_ERRORS, 201: {"model": ListOut, "description": "Created."}},
)
async def put_list(name: Name, body: ListIn, request: Request, principal: Admin) -> JSONResponse:
    """Create (201) or replace (200) the list ``name``."""
    state = state_of(request)
    long = [t for t in body.terms if len(t) > MAX_TERM_CHARS or "\x00" in t]
    long += [r for r in body.regex if len(r) > MAX_REGEX_CHARS or "\x00" in r]
    if long:
        raise ApiError(
            422, f"terms hold at most {MAX_TERM_CHARS} characters and regexes {MAX_REGEX_CHARS}, "
            f"without NUL; {len(long)} do not, the first: {long[0][:60]!r}",
        )  # fmt: skip
    document = {"name": name, **body.model_dump(exclude_none=True)}
    try:
        parse_list(document, f"list {name!r}")
    except ConfigError as exc:
        raise ApiError(422, str(exc)) from None
    stored, created = await anyio.to_thread.run_sync(
        configs_of(state).put_list, principal.tenant, name, document
    )
    state.pipelines.invalidate(principal.tenant)
    return JSONResponse(_out(stored), status_code=201 if created else 200)


@router.get("/lists", response_model=ListList, responses=_ERRORS)
async def list_lists(request: Request, principal: Admin) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(configs_of(state_of(request)).lists, principal.tenant)
    return {
        "lists": [
            {**_out(s), "terms": len(s.document.get("terms", [])),
             "regex": len(s.document.get("regex", []))}
            for s in found
        ]
    }  # fmt: skip


@router.get("/lists/{name}", response_model=ListOut, responses=_ERRORS)
async def get_list(name: Name, request: Request, principal: Admin) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(
        configs_of(state_of(request)).get_list, principal.tenant, name
    )
    if found is None:
        raise ApiError(404, f"no list {name!r} for this key's tenant")
    return _out(found)


@router.delete("/lists/{name}", status_code=204, responses=_ERRORS)
async def delete_list(name: Name, request: Request, principal: Admin) -> Response:
    state = state_of(request)
    if not await anyio.to_thread.run_sync(configs_of(state).delete_list, principal.tenant, name):
        raise ApiError(404, f"no list {name!r} for this key's tenant")
    state.pipelines.invalidate(principal.tenant)
    return Response(status_code=204)
