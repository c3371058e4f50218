"""Versioned policies per tenant (``admin``): create a version, list them, pick the one in force.

``/v1/policies`` holds the tenant's versions, which never change once created (a change is a new
version, so every decision's ``policy_version`` says exactly what made it); ``/v1/policy`` is the
policy in force: the tenant's active version, layered over the service's, or the service's.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from winnow.api.auth import Principal, require
from winnow.api.errors import ApiError
from winnow.api.models import (
    NAME_PATTERN,
    ActivateIn,
    EffectivePolicy,
    ErrorOut,
    PolicyIn,
    PolicyList,
    PolicyOut,
)
from winnow.api.state import configs_of, state_of
from winnow.errors import PolicyError
from winnow.policy.model import Policy, parse_policy
from winnow.store import StoredPolicy
from winnow.taxonomy import CATEGORY_KEYS

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["policies"])
Admin = Annotated[Principal, Depends(require("admin"))]
Version = Annotated[str, Path(pattern=NAME_PATTERN, description="A policy version.")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 403, 404, 409, 422, 429, 503)
}


def _out(p: StoredPolicy) -> dict[str, Any]:
    return {
        "version": p.version,
        "description": str(p.document.get("description", "")),
        "document": p.document,
        "created_at": p.created_at,
        "active": p.active,
    }


def _effective(policy: Policy, source: str) -> dict[str, Any]:
    rules = {}
    for key in CATEGORY_KEYS:
        rule = policy.rule(key)
        rules[key] = {"enabled": rule.enabled, "review": rule.review, "block": rule.block}
    return {
        "version": policy.version,
        "source": source,
        "rules": rules,
        "review_content_days": policy.review_content_days,
    }


@router.post("/policies", status_code=201, response_model=PolicyOut, responses=_ERRORS)
async def create_policy(
    body: PolicyIn,
    request: Request,
    principal: Admin,
    activate: Annotated[bool, Query(description="Put it in force now.")] = True,
) -> dict[str, Any]:
    """Store a new policy version (the policy file's keys as JSON); by default it is in force
    from the next request on. Categories it leaves out keep the service's rules."""
    state = state_of(request)
    if body.version == state.pipelines.base.policy.version:
        raise ApiError(409, f"{body.version!r} is the service policy's version; pick another")
    document = body.model_dump(exclude_none=True, exclude_defaults=False)
    document["categories"] = {
        k: r.model_dump(exclude_none=True) for k, r in body.categories.items()
    }
    try:  # the checks a policy file gets: category names, review <= block
        parse_policy(document, f"policy {body.version!r}", base=state.pipelines.base.policy)
    except PolicyError as exc:
        raise ApiError(422, str(exc)) from None
    stored = await anyio.to_thread.run_sync(
        configs_of(state).create_policy, principal.tenant, body.version, document, activate
    )
    state.pipelines.invalidate(principal.tenant)
    return _out(stored)


@router.get("/policies", response_model=PolicyList, responses=_ERRORS)
async def list_policies(request: Request, principal: Admin) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(configs_of(state_of(request)).policies, principal.tenant)
    return {"policies": [_out(p) for p in found]}


@router.get("/policies/{version}", response_model=PolicyOut, responses=_ERRORS)
async def get_policy(version: Version, request: Request, principal: Admin) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(
        configs_of(state_of(request)).policy, principal.tenant, version
    )
    if found is None:
        raise ApiError(404, f"no policy version {version!r} for this key's tenant")
    return _out(found)


@router.delete("/policies/{version}", status_code=204, responses=_ERRORS)
async def delete_policy(version: Version, request: Request, principal: Admin) -> Response:
    """Delete a version that is not in force (409 if it is). Decisions keep naming it."""
    state = state_of(request)
    if not await anyio.to_thread.run_sync(
        configs_of(state).delete_policy, principal.tenant, version
    ):
        raise ApiError(404, f"no policy version {version!r} for this key's tenant")
    state.pipelines.invalidate(principal.tenant)
    return Response(status_code=204)


@router.get("/policy", response_model=EffectivePolicy, responses=_ERRORS)
async def effective_policy(request: Request, principal: Admin) -> dict[str, Any]:
    """The policy this tenant's content is moderated with now, every category's rule."""
    state = state_of(request)
    configs_of(state)
    pipeline = await anyio.to_thread.run_sync(state.pipelines.get, principal.tenant)
    source = "service" if pipeline.policy is state.pipelines.base.policy else "tenant"
    return _effective(pipeline.policy, source)


@router.put("/policy", response_model=EffectivePolicy, responses=_ERRORS)
async def activate_policy(body: ActivateIn, request: Request, principal: Admin) -> dict[str, Any]:
    """Put one of this tenant's versions in force (``{"version": "v3"}``), or the service's
    policy again (``{"version": null}``)."""
    state = state_of(request)
    ok = await anyio.to_thread.run_sync(
        configs_of(state).activate_policy, principal.tenant, body.version
    )
    if not ok:
        raise ApiError(
            404, f"no policy version {body.version!r} for this key's tenant; create it first"
        )
    state.pipelines.invalidate(principal.tenant)
    return await effective_policy(request, principal)
