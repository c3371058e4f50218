"""What the app holds for its lifetime (on ``app.state.winnow``): no module-level globals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    from winnow.api.auth import Authenticator
    from winnow.api.batcher import Batcher
    from winnow.api.metrics import Metrics
    from winnow.jobs.engine import JobEngine
    from winnow.pipeline import Pipeline
    from winnow.settings import Settings
    from winnow.store import ConfigStore, Store
    from winnow.tenancy import TenantPipelines

__all__ = ["AppState", "configs_of", "state_of"]


@dataclass
class AppState:
    settings: Settings
    pipeline: Pipeline
    store: Store
    auth: Authenticator
    metrics: Metrics
    max_body: int
    pipelines: TenantPipelines  # each tenant's pipeline, over ``pipeline``
    batcher: Batcher  # runs concurrent moderation requests together
    configs: ConfigStore | None = None  # tenants' policies, lists and banks
    jobs: JobEngine | None = None  # asynchronous jobs (POST /v1/jobs); None: not offered


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.winnow
    return state


def configs_of(state: AppState) -> ConfigStore:
    """The tenants' configuration store; 503 when the service has none."""
    from winnow.api.errors import ApiError

    if state.configs is None:
        raise ApiError(503, "this service keeps no tenant configuration: it needs a SQL store")
    return state.configs
