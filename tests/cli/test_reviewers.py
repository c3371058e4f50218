"""``winnow reviewers``: create (password from stdin), list, disable."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from winnow.cli.main import _register, cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WINNOW_DATA_DIR", str(tmp_path))
    _register()
    return CliRunner()


def test_create_list_disable(runner: CliRunner) -> None:
    args = ["reviewers", "create", "alice", "--tenant", "acme", "--password-stdin"]
    out = runner.invoke(cli, args, input="correct horse battery\n")
    assert out.exit_code == 0, out.output
    assert "created reviewer 'alice'" in out.output
    again = runner.invoke(cli, args, input="correct horse battery\n")
    assert again.exit_code != 0 and "exists already" in str(again.exception)
    listed = runner.invoke(cli, ["reviewers", "list"])
    assert "alice  acme  reviewer  active" in listed.output
    assert runner.invoke(cli, ["reviewers", "disable", "alice"]).exit_code == 0
    assert "disabled" in runner.invoke(cli, ["reviewers", "list"]).output


def test_a_short_password_is_refused(runner: CliRunner) -> None:
    out = runner.invoke(
        cli, ["reviewers", "create", "bob", "--tenant", "acme", "--password-stdin"], input="x\n"
    )
    assert out.exit_code != 0 and "12 characters" in str(out.exception)
