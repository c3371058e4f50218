"""What the app holds for its lifetime (on ``app.state.winnow``): no module-level globals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    import anyio

    from winnow.api.auth import Authenticator
    from winnow.api.metrics import Metrics
    from winnow.jobs.engine import JobEngine
    from winnow.pipeline import Pipeline
    from winnow.settings import Settings
    from winnow.store import Store

__all__ = ["AppState", "state_of"]


@dataclass
class AppState:
    settings: Settings
    pipeline: Pipeline
    store: Store
    auth: Authenticator
    metrics: Metrics
    limiter: anyio.CapacityLimiter
    max_body: int
    jobs: JobEngine | None = None  # asynchronous jobs (POST /v1/jobs); None: not offered


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.winnow
    return state
