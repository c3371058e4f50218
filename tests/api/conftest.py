"""An in-process service (httpx ASGITransport) on each database backend, with fake detectors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.dbs import database_url
from tests.fakes import ImageCounter, KeywordDetector
from winnow.api import create_app
from winnow.client import AsyncClient
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.settings import Settings
from winnow.store import Store, open_store

__all__ = ["Service", "anyio_backend", "database_url", "service"]

BASE = "http://winnow.test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Service:
    app: FastAPI
    store: Store
    keys: dict[str, str] = field(default_factory=dict)  # "tenant/scope" -> secret
    clients: list[AsyncClient] = field(default_factory=list)

    def client(self, who: str | None = "acme/moderate") -> AsyncClient:
        """A client of the app in-process, with the key ``tenant/scope`` (None: no key)."""
        secret = self.key(who) if who else None
        c = AsyncClient(BASE, secret, transport=httpx.ASGITransport(app=self.app))
        self.clients.append(c)
        return c

    def key(self, who: str, rate_limit: float | None = 0) -> str:
        if who not in self.keys:
            tenant, scope = who.split("/")
            name = f"{scope}-{len(self.store.list_keys())}"
            _, self.keys[who] = self.store.create_key(tenant, name, [scope], rate_limit)
        return self.keys[who]


def make_settings(tmp_path: Path, url: str, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path, database_url=url, detectors=[], **kw)  # type: ignore[arg-type]


def fake_pipeline() -> Pipeline:
    return Pipeline([KeywordDetector(), ImageCounter()], default_policy())


@pytest.fixture
def make_service(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Service]]:
    stores: list[Store] = []

    def make(pipeline: Pipeline | None = None, **settings: object) -> Service:
        store = open_store(database_url)
        stores.append(store)
        app = create_app(
            make_settings(tmp_path, database_url, **settings),
            pipeline or fake_pipeline(),
            store,
            key_cache_s=0,
            deliver_webhooks=False,
        )
        return Service(app, store)

    yield make
    for s in stores:
        s.close()


@pytest.fixture
async def service(make_service: Callable[..., Service]) -> AsyncIterator[Service]:
    svc = make_service()
    yield svc
    for c in svc.clients:
        await c.aclose()
