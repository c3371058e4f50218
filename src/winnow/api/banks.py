"""Hash banks per tenant (``admin``): known images by PDQ, MD5 or SHA-256, matched on upload.

A tenant's banks are matched against its own images only, next to the service-wide banks
(``winnow bank``), from the next request on. A match's evidence names the bank and entry id.
Large shared hash lists (millions of entries, video vPDQ) belong in the service-wide banks.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from winnow.api.auth import Principal, require
from winnow.api.errors import ApiError
from winnow.api.models import (
    BankIn,
    BankList,
    BankOut,
    EntriesAdded,
    EntriesIn,
    EntryPage,
    ErrorOut,
)
from winnow.api.state import configs_of, state_of
from winnow.banks.formats import check_entry
from winnow.banks.model import Bank, HashKind, validate_bank
from winnow.errors import ConfigError, InputError
from winnow.store import StoredBank

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["banks"])
Admin = Annotated[Principal, Depends(require("admin"))]
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", description="A bank.")]
MAX_ID = 2**31 - 1  # entry ids are 32-bit integers in the database
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 404, 409, 413, 422, 429, 503)
}


def _out(s: StoredBank) -> dict[str, Any]:
    b = s.bank
    return {
        "name": b.name, "category": b.category, "action": b.action,
        "pdq_threshold": b.pdq_threshold, "description": b.description,
        "created_at": s.created_at, "entries": s.entries,
    }  # fmt: skip


def _missing(name: str) -> ApiError:
    return ApiError(404, f"no bank {name!r} for this key's tenant; create it with POST /v1/banks")


@router.post("/banks", status_code=201, response_model=BankOut, responses=_ERRORS)
async def create_bank(body: BankIn, request: Request, principal: Admin) -> dict[str, Any]:
    """A new, empty bank."""
    state = state_of(request)
    try:
        bank = validate_bank(
            Bank(body.name, body.category, body.action, body.pdq_threshold, body.description)
        )
    except ConfigError as exc:
        raise ApiError(422, str(exc)) from None
    stored = await anyio.to_thread.run_sync(configs_of(state).create_bank, principal.tenant, bank)
    return _out(stored)


@router.get("/banks", response_model=BankList, responses=_ERRORS)
async def list_banks(request: Request, principal: Admin) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(configs_of(state_of(request)).banks, principal.tenant)
    return {"banks": [_out(s) for s in found]}


@router.get("/banks/{name}", response_model=BankOut, responses=_ERRORS)
async def get_bank(name: Name, request: Request, principal: Admin) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(
        configs_of(state_of(request)).get_bank, principal.tenant, name
    )
    if found is None:
        raise _missing(name)
    return _out(found)


@router.delete("/banks/{name}", status_code=204, responses=_ERRORS)
async def delete_bank(name: Name, request: Request, principal: Admin) -> Response:
    """Delete the bank and every entry in it."""
    state = state_of(request)
    if (
        await anyio.to_thread.run_sync(configs_of(state).delete_bank, principal.tenant, name)
        is None
    ):
        raise _missing(name)
    state.pipelines.invalidate(principal.tenant)
    return Response(status_code=204)


@router.post("/banks/{name}/entries", response_model=EntriesAdded, responses=_ERRORS)
async def add_entries(
    name: Name, body: EntriesIn, request: Request, principal: Admin
) -> dict[str, Any]:
    """Add up to 10,000 hashes a request; ones the bank holds already are skipped."""
    state = state_of(request)
    rows: list[tuple[HashKind, str, str]] = []
    try:
        for i, e in enumerate(body.entries):
            kind, value = check_entry(e.kind, e.value, f"entries[{i}]")
            rows.append((kind, value, e.metadata))
    except InputError as exc:
        raise ApiError(422, str(exc)) from None
    store = configs_of(state)
    added = await anyio.to_thread.run_sync(store.add_entries, principal.tenant, name, rows)
    if added is None:
        raise _missing(name)
    state.pipelines.invalidate(principal.tenant)
    bank = await anyio.to_thread.run_sync(store.get_bank, principal.tenant, name)
    total = bank.entries if bank is not None else added
    return {"added": added, "skipped": len(rows) - added, "entries": total}


@router.get("/banks/{name}/entries", response_model=EntryPage, responses=_ERRORS)
async def list_entries(
    name: Name,
    request: Request,
    principal: Admin,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Entries with larger ids.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The bank's entries by id, a page at a time."""
    store = configs_of(state_of(request))
    if await anyio.to_thread.run_sync(store.get_bank, principal.tenant, name) is None:
        raise _missing(name)
    found = await anyio.to_thread.run_sync(store.entries, principal.tenant, name, after, limit)
    return {
        "entries": [
            {"id": e.id, "kind": e.kind, "value": e.value, "metadata": e.metadata,
             "created_at": e.created_at}
            for e in found
        ],
        "next_after": found[-1].id if len(found) == limit else None,
    }  # fmt: skip


@router.delete("/banks/{name}/entries/{entry_id}", status_code=204, responses=_ERRORS)
async def remove_entry(
    name: Name,
    entry_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    principal: Admin,
) -> Response:
    state = state_of(request)
    store = configs_of(state)
    if not await anyio.to_thread.run_sync(store.remove_entry, principal.tenant, name, entry_id):
        raise ApiError(404, f"bank {name!r} of this key's tenant has no entry {entry_id}")
    state.pipelines.invalidate(principal.tenant)
    return Response(status_code=204)
