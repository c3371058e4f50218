"""The pipeline each tenant runs: the service's, with the tenant's own policy, lists and banks.

A tenant that configured nothing runs the service's pipeline as it is. One that did
(:mod:`winnow.store.config`, over HTTP) runs the same detectors (models are loaded once, shared
by every tenant) with its active policy (layered over the service's: categories it leaves out
keep the service's rules) in place of the service's, plus a ``tenant.lists`` detector over its term
lists and a ``tenant.hashes`` detector over its banks (kept in memory, indexed for PDQ): they work
as ``text.lists`` and ``image.hashes`` do, and their names tell a reviewer (and ``winnow rescan``)
that the tenant's own configuration matched.

Each process caches one pipeline per tenant and re-reads the tenant's configuration revision at
most every ``check_every_s`` seconds, rebuilding only when it changed: a change made through this
process applies at once (:meth:`TenantPipelines.invalidate`), one made through another process
within ``check_every_s``.

Service-wide banks (``winnow bank``) and lists (``WINNOW_LISTS``) apply to every tenant; a
tenant's ``allow`` bank suppresses matches of its own banks only.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from winnow.banks.model import Entry
from winnow.detectors.base import Detector
from winnow.detectors.image_hashes import ImageHashes
from winnow.detectors.text_lists import TermLists
from winnow.errors import ConfigError
from winnow.pipeline import Pipeline
from winnow.policy.model import Policy, parse_policy
from winnow.store.config import ConfigStore, TenantConfig
from winnow.text.lists import parse_list

__all__ = [
    "TenantHashes",
    "TenantLists",
    "TenantPipelines",
    "policies_of",
    "tenant_detectors",
    "tenant_policy",
]

Wrap = Callable[[Sequence[Detector]], Sequence[Detector]]


def tenant_policy(config: TenantConfig, service: Policy) -> Policy:
    """The tenant's active policy over the service's; the service's when none is active."""
    if config.policy is None:
        return service
    origin = f"tenant {config.tenant!r} policy {config.policy.version!r}"
    return parse_policy(config.policy.document, origin, base=service)


def policies_of(configs: ConfigStore, service: Policy) -> Callable[[str], Policy]:
    """Each tenant's policy in force (read once a tenant, then remembered)."""
    found: dict[str, Policy] = {}

    def policy_for(tenant: str) -> Policy:
        if tenant not in found:
            config = configs.snapshot(tenant) if configs.revision(tenant) else None
            found[tenant] = tenant_policy(config, service) if config is not None else service
        return found[tenant]

    return policy_for


class TenantLists(TermLists):
    name: ClassVar[str] = "tenant.lists"
    description: ClassVar[str] = "The tenant's own block/allow lists (set over HTTP)."


class TenantHashes(ImageHashes):
    name: ClassVar[str] = "tenant.hashes"
    description: ClassVar[str] = "The tenant's own hash banks (set over HTTP)."


def tenant_detectors(config: TenantConfig) -> list[Detector]:
    """Detectors over the tenant's lists and banks (none when it has neither)."""
    out: list[Detector] = []
    if config.lists:
        out.append(TenantLists([parse_list(s.document, f"list {s.name!r}") for s in config.lists]))
    if config.entries:
        from winnow.banks.matcher import BankMatcher
        from winnow.banks.storage import SqliteBankStore

        store = SqliteBankStore.in_memory(
            (b.bank for b in config.banks),
            (Entry(e.bank, e.kind, e.value, e.metadata, e.id) for e in config.entries),
        )
        out.append(TenantHashes(matcher=BankMatcher(store)))
    return out


@dataclass
class _Cached:
    revision: int
    checked_at: float
    pipeline: Pipeline


class TenantPipelines:
    """``get(tenant)``: the pipeline to moderate the tenant's content with (thread-safe)."""

    MAX_TENANTS = 1024
    """Pipelines cached at once (least recently used ones are dropped, and rebuilt on need)."""

    def __init__(
        self,
        base: Pipeline,
        configs: ConfigStore | None,
        *,
        check_every_s: float = 2.0,
        wrap: Wrap | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.configs = configs
        self.check_every_s = check_every_s
        self._wrap = wrap
        self._clock = clock
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tenant: str) -> Pipeline:
        if self.configs is None:
            return self.base
        now = self._clock()
        with self._lock:
            cached = self._cache.get(tenant)
            if cached is not None:
                self._cache.move_to_end(tenant)
                if now - cached.checked_at < self.check_every_s:
                    return cached.pipeline
        revision = self.configs.revision(tenant)
        if cached is not None and cached.revision == revision:
            cached.checked_at = now
            return cached.pipeline
        config = self.configs.snapshot(tenant) if revision else TenantConfig(tenant, 0)
        pipeline = self.build(config)
        with self._lock:
            self._cache[tenant] = _Cached(config.revision, now, pipeline)
            self._cache.move_to_end(tenant)
            while len(self._cache) > self.MAX_TENANTS:
                self._cache.popitem(last=False)
        return pipeline

    def build(self, config: TenantConfig) -> Pipeline:
        """The pipeline of ``config``: the base one when the tenant set nothing."""
        if config.policy is None and not config.lists and not config.entries:
            return self.base
        try:
            policy = tenant_policy(config, self.base.policy)
            extra = tenant_detectors(config)
        except ConfigError as exc:  # stored documents were validated: a bug or a hand edit
            raise ConfigError(
                f"tenant {config.tenant!r}'s configuration is invalid: {exc}"
            ) from exc
        if self._wrap is not None:
            extra = list(self._wrap(extra))
        return replace(self.base, policy=policy, detectors=[*self.base.detectors, *extra])

    def invalidate(self, tenant: str) -> None:
        """Forget the tenant's pipeline: the next :meth:`get` reads its configuration again."""
        with self._lock:
            self._cache.pop(tenant, None)
