"""A service with the review console in-process, fake detectors that send content to review,
the real ``image.hashes`` detector over the data dir's banks, and a signed-in reviewer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.dbs import database_url
from tests.web.fakes import ReviewImage, ReviewText
from winnow.api import create_app
from winnow.detectors.image_hashes import ImageHashes
from winnow.pipeline import Pipeline
from winnow.policy import Policy, default_policy
from winnow.review.passwords import hash_password
from winnow.settings import Settings
from winnow.store import Store, open_store, review_store

__all__ = ["Console", "anyio_backend", "console", "csrf_of", "database_url", "login"]

BASE = "http://winnow.test"
PASSWORD = "correct horse battery"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Console:
    app: FastAPI
    store: Store
    data_dir: Path
    api_key: str

    def browser(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE)

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url=BASE,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )


def build(
    tmp_path: Path, url: str, policy: Policy | None = None, **settings: object
) -> tuple[FastAPI, Store, str]:
    store = open_store(url)
    pipeline = Pipeline(
        [ReviewText(), ReviewImage(), ImageHashes(tmp_path)], policy or default_policy()
    )
    config = Settings(data_dir=tmp_path, database_url=url, detectors=[], **settings)  # type: ignore[arg-type]
    app = create_app(config, pipeline, store, key_cache_s=0, deliver_webhooks=False)
    reviews = review_store(store)
    reviews.create_reviewer("acme", "alice", hash_password(PASSWORD), "reviewer")
    reviews.create_reviewer("acme", "lena", hash_password(PASSWORD), "lead")
    reviews.create_reviewer("other", "oscar", hash_password(PASSWORD), "reviewer")
    _, secret = store.create_key("acme", "uploads", ["moderate"], 0)
    return app, store, secret


@pytest.fixture
def console(tmp_path: Path, database_url: str) -> Iterator[Console]:
    app, store, secret = build(tmp_path, database_url)
    yield Console(app, store, tmp_path, secret)
    store.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


async def login(client: httpx.AsyncClient, username: str = "alice") -> str:
    """Sign in; returns the CSRF token of the session (from the queue page)."""
    page = await client.get("/review/login")
    r = await client.post(
        "/review/login",
        data={"username": username, "password": PASSWORD, "csrf": csrf_of(page.text)},
    )
    assert r.status_code == 303, r.text
    queue = await client.get("/review")
    assert queue.status_code == 200
    return csrf_of(queue.text)


@pytest.fixture
async def client(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    async with console.browser() as c:
        yield c
