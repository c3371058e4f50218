"""`winnow keys create|list|revoke`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from winnow.cli.main import _register, cli
from winnow.settings import load_settings
from winnow.store import open_store


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WINNOW_DATA_DIR", str(tmp_path))
    _register()
    return CliRunner()


def test_create_list_revoke(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["keys", "create", "--tenant", "acme", "--name", "ci",
                              "--scopes", "moderate,review", "--rate-limit", "5"])  # fmt: skip
    assert out.exit_code == 0, out.output
    secret = out.stdout.strip().splitlines()[-1]
    store = open_store(load_settings())
    key = store.key_for_secret(secret)
    assert key is not None and key.scopes == ("moderate", "review") and key.rate_limit == 5
    listed = runner.invoke(cli, ["keys", "list", "--json"])
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["id"] == key.id and row["state"] == "live" and secret not in listed.output
    assert runner.invoke(cli, ["keys", "revoke", key.id]).exit_code == 0
    assert store.key_for_secret(secret) is None
    assert "revoked" in runner.invoke(cli, ["keys", "list"]).stdout
    store.close()


def test_bad_scope_is_a_usage_error(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["keys", "create", "--tenant", "a", "--name", "n", "--scopes", "root"])
    assert out.exit_code != 0 and "scopes must be some of" in str(out.exception)
