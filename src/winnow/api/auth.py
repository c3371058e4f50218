"""API keys on every request: ``Authorization: Bearer <key>``, scopes, tenants, rate limits.

A key is looked up by the sha256 of its secret (cached for a few seconds, so a revocation takes
effect within ``key_cache_s``); its tenant scopes every read and write of the request. Each key
has a token bucket of ``rate_limit`` requests per second (burst as large); past it, 429 with
``Retry-After``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from winnow.api.errors import ApiError
from winnow.store import ApiKey, Store
from winnow.store.sql import hash_secret

__all__ = ["Authenticator", "Principal", "RateLimiter", "require"]

_bearer = HTTPBearer(auto_error=False, description="An API key from `winnow keys create`.")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key, hence the tenant every query is scoped to."""

    key: ApiKey

    @property
    def tenant(self) -> str:
        return self.key.tenant


@dataclass
class RateLimiter:
    """Per-key token buckets (in this process)."""

    default_rate: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def check(self, key: ApiKey) -> None:
        rate = key.rate_limit if key.rate_limit is not None else self.default_rate
        if rate <= 0:
            return
        burst = max(rate, 1.0)
        now = self.clock()
        tokens, last = self._buckets.get(key.id, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[key.id] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / rate)
            raise ApiError(
                429,
                f"rate limit of {rate:g} requests/s for key {key.id} exceeded; retry in {wait} s "
                "or ask an admin for a key with a higher limit",
                headers={"Retry-After": str(wait)},
            )
        self._buckets[key.id] = (tokens - 1.0, now)


@dataclass
class Authenticator:
    store: Store
    limiter: RateLimiter
    cache_s: float = 5.0
    _cache: dict[str, tuple[ApiKey | None, float]] = field(default_factory=dict)

    async def principal(self, secret: str) -> Principal:
        digest = hash_secret(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            key = cached[0]
        else:
            key = await anyio.to_thread.run_sync(self.store.key_for_secret, secret)
            if self.cache_s > 0:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (key, now + self.cache_s)
        if key is None:
            raise ApiError(
                401,
                "unknown or revoked API key; create one with `winnow keys create`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Principal(key)


def require(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller's key must hold one of ``scopes`` (``admin`` holds all)."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or not credentials.credentials:
            raise ApiError(
                401,
                "missing API key: send the header 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        auth: Authenticator = request.app.state.winnow.auth
        principal = await auth.principal(credentials.credentials)
        if not any(principal.key.allows(s) for s in scopes):
            raise ApiError(
                403,
                f"key {principal.key.id} lacks the scope for this endpoint: it needs "
                f"{' or '.join(repr(s) for s in scopes)} and has {', '.join(principal.key.scopes)}",
            )
        auth.limiter.check(principal.key)
        request.state.tenant = principal.tenant  # for the access log: ids only, never the key
        request.state.key_id = principal.key.id
        return principal

    return dependency
