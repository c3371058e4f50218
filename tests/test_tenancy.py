"""Each tenant's pipeline: the service's when it set nothing, rebuilt only when it changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import KeywordDetector
from winnow.errors import ConfigError
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.store import config_store, open_store
from winnow.store.config import StoredPolicy, TenantConfig
from winnow.tenancy import TenantPipelines


@pytest.fixture
def base() -> Pipeline:
    return Pipeline([KeywordDetector()], default_policy())


def test_without_a_store_or_a_configuration_every_tenant_runs_the_base(
    base: Pipeline, tmp_path: Path
) -> None:
    assert TenantPipelines(base, None).get("acme") is base
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        assert TenantPipelines(base, config_store(store)).get("acme") is base
    finally:
        store.close()


def test_a_pipeline_is_rebuilt_only_when_the_revision_moves(base: Pipeline, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        configs = config_store(store)
        now = [0.0]
        pipelines = TenantPipelines(base, configs, check_every_s=1.0, clock=lambda: now[0])
        configs.create_policy("acme", "a1", {"version": "a1"}, activate=True)
        first = pipelines.get("acme")
        assert first.policy.version == "a1" and first.detectors == base.detectors
        now[0] = 5.0
        assert pipelines.get("acme") is first  # checked again: same revision, same pipeline
        configs.create_policy("acme", "a2", {"version": "a2"}, activate=True)
        assert pipelines.get("acme") is first  # within check_every_s of the last check
        now[0] = 6.5
        assert pipelines.get("acme").policy.version == "a2"
        configs.activate_policy("acme", None)
        pipelines.invalidate("acme")
        assert pipelines.get("acme") is base
    finally:
        store.close()


def test_a_broken_stored_policy_names_the_tenant(base: Pipeline) -> None:
    bad = StoredPolicy("acme", "x", {"version": "x", "categories": {"nope": {}}}, 0.0, True)
    with pytest.raises(ConfigError, match="tenant 'acme'"):
        TenantPipelines(base, None).build(TenantConfig("acme", 1, bad))
