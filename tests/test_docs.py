"""Docs a test keeps honest: every setting, CLI command and detector is in README.md."""

from __future__ import annotations

from pathlib import Path

import click

from winnow.detectors.registry import BUILTIN_DETECTORS
from winnow.settings import Limits, Settings
from winnow.taxonomy import CATEGORY_KEYS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_exactly_two_commands() -> None:
    block = README.split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(commands) == 2, commands
    assert commands[0].startswith("make run") and commands[1].startswith("make test")


def test_every_setting_is_documented() -> None:
    missing = [f"WINNOW_{name.upper()}" for name in Settings.model_fields
               if f"WINNOW_{name.upper()}" not in README]  # fmt: skip
    missing += [f"WINNOW_LIMITS__{name.upper()}" for name in Limits.model_fields
                if f"WINNOW_LIMITS__{name.upper()}" not in README]  # fmt: skip
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    from winnow.cli.main import _register, cli

    _register()
    names: list[str] = []
    for name, cmd in cli.commands.items():
        if isinstance(cmd, click.Group):
            names += [f"winnow {name} {sub}" for sub in cmd.commands]
        else:
            names.append(f"winnow {name}")
    assert [n for n in names if n not in README] == []


def test_every_detector_and_category_is_documented() -> None:
    assert [d for d in BUILTIN_DETECTORS if f"`{d}`" not in README] == []
    assert [c for c in CATEGORY_KEYS if f"`{c}`" not in README] == []
