"""The app factory. ``create_app(settings)`` builds everything the app holds; nothing is global.

With no ``pipeline`` or ``store`` given, it builds the pipeline from the settings (loading models
once) and opens (and migrates) the store the settings name. The lifespan runs the webhook
deliverer in the background, the loop that drops review content past its retention, and the job
engine (:mod:`winnow.jobs`: DBOS; with ``job_worker``, it also runs jobs in this process).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import anyio
from fastapi import Depends, FastAPI, Request, Response

from winnow import __version__
from winnow.api import (
    appeals,
    banks,
    decisions,
    hooks,
    jobs,
    lists,
    moderate,
    policies,
    privacy,
)
from winnow.api.auth import Authenticator, RateLimiter
from winnow.api.batcher import Batcher
from winnow.api.bodies import BodyLimit
from winnow.api.errors import ApiError, CatchAll, install_error_handlers
from winnow.api.headers import ApiHeaders
from winnow.api.logs import AccessLog
from winnow.api.metrics import Metrics, TimingMiddleware, timed
from winnow.api.models import ErrorOut
from winnow.api.state import AppState, state_of
from winnow.pipeline import Pipeline
from winnow.settings import Settings
from winnow.store import Store, config_store, open_store
from winnow.store.sql import SqlStore
from winnow.tenancy import TenantPipelines

__all__ = ["create_api_app_from_env", "create_app", "create_app_from_env"]

_DESCRIPTION = """Self-hosted content moderation. Every `/v1` endpoint needs an API key
(`Authorization: Bearer <key>`, from `winnow keys create`) whose scope allows it; every error
has the body `{"error": {"status", "code", "message"}}`."""


def create_app(
    settings: Settings,
    pipeline: Pipeline | None = None,
    store: Store | None = None,
    *,
    key_cache_s: float = 5.0,
    deliver_webhooks: bool = True,
    workers: int | None = None,
    review_console: bool = True,
    run_jobs: bool = True,
    job_worker: bool = True,
) -> FastAPI:
    """Build the app. ``workers``: moderation batches (and store writes) at once (default: the
    number of cores);
    ``review_console``: serve the review console at ``/review`` (:mod:`winnow.web`);
    ``run_jobs``: start the job engine with the app (its lifespan; tests start
    ``app.state.winnow.jobs`` themselves); ``job_worker``: that engine also runs jobs, not only
    queues them for ``winnow worker`` processes."""
    store = store if store is not None else open_store(settings)
    pipeline = pipeline if pipeline is not None else Pipeline.from_settings(settings)
    metrics = Metrics(lambda: float(store.pending_deliveries()))
    pipeline = replace(pipeline, detectors=timed(pipeline.detectors, metrics))
    configs = config_store(store) if isinstance(store, SqlStore) else None
    pipelines = TenantPipelines(pipeline, configs, wrap=lambda ds: timed(ds, metrics))
    runners = workers or os.cpu_count() or 2
    limits = settings.limits
    max_body = max(limits.max_text_chars * 4, limits.max_image_bytes * 4 // 3 + 4) + 64 * 1024
    state = AppState(
        settings=settings,
        pipeline=pipeline,
        store=store,
        auth=Authenticator(store, RateLimiter(settings.api_rate_limit), key_cache_s),
        metrics=metrics,
        max_body=max_body,
        pipelines=pipelines,
        batcher=Batcher(pipelines, runners, settings.api_batch_size, metrics.batch_size.observe),
        configs=configs,
    )
    if isinstance(store, SqlStore):
        from winnow.jobs.engine import JobEngine

        state.jobs = JobEngine(settings, store, pipelines, work=job_worker)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        engine = state.jobs if run_jobs else None
        if engine is not None:
            await anyio.to_thread.run_sync(engine.start)
        try:
            async with _background(state, deliver_webhooks):
                yield
        finally:
            if engine is not None:
                await anyio.to_thread.run_sync(engine.stop)

    @asynccontextmanager
    async def _background(state: AppState, deliver_webhooks: bool) -> AsyncIterator[None]:
        if not deliver_webhooks:
            yield
            return
        import httpx

        from winnow.review.retention import purge_loop
        from winnow.store import review_store
        from winnow.webhooks import Deliverer

        async with httpx.AsyncClient() as client, anyio.create_task_group() as group:
            deliverer = Deliverer(store, client, on_failure=metrics.webhook_failures.inc)
            group.start_soon(deliverer.run)
            group.start_soon(purge_loop, review_store(store))
            yield
            group.cancel_scope.cancel()

    app = FastAPI(
        title="winnow",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        responses={422: {"model": ErrorOut}},
        dependencies=[Depends(_refuse_nul)],
    )
    app.state.winnow = state
    install_error_handlers(app)
    app.add_middleware(TimingMiddleware, metrics=metrics)
    app.add_middleware(BodyLimit, exempt=("/v1/moderate", "/v1/jobs"))  # they bound their own
    app.add_middleware(AccessLog)
    app.add_middleware(CatchAll)
    app.add_middleware(ApiHeaders)  # outermost: the 500s of CatchAll get the headers too
    for module in (moderate, decisions, jobs, hooks, appeals, privacy, policies, lists, banks):
        app.include_router(module.router)
    _ops_routes(app)
    if review_console:
        from winnow.web import mount

        mount(app, settings, store)
    return app


async def _refuse_nul(request: Request) -> None:
    """No id winnow issues or stores holds a NUL character (PostgreSQL refuses them in text), so
    a path with one names nothing, and a query value with one is invalid."""
    if "\x00" in request.scope.get("path", ""):
        raise ApiError(404, "nothing here: ids never contain NUL characters")
    if any("\x00" in v for v in request.query_params.values()):
        raise ApiError(422, "query parameters must not contain NUL characters")


def _ops_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"model": ErrorOut}})
    async def readyz(request: Request) -> dict[str, Any]:
        """Readiness: the pipeline is built and the database answers."""
        state = state_of(request)
        await anyio.to_thread.run_sync(state.store.ping)
        return {
            "status": "ready",
            "policy_version": state.pipeline.policy.version,
            "detectors": [d.name for d in state.pipeline.detectors],
        }

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics (text format)."""
        from prometheus_client import CONTENT_TYPE_LATEST

        body = await anyio.to_thread.run_sync(state_of(request).metrics.render)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and several worker processes: settings from WINNOW_*."""
    from winnow.settings import load_settings

    return create_app(load_settings())


def create_api_app_from_env() -> FastAPI:
    """As :func:`create_app_from_env`, but jobs are only queued here: ``winnow worker``
    processes run them (``winnow serve --workers N`` and ``--no-worker``)."""
    from winnow.settings import load_settings

    return create_app(load_settings(), job_worker=False)
