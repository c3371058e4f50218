"""The real ``winnow`` entry point, run as a subprocess, with the rule-based detectors only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import encode, photo_like

RULES_ONLY = {"WINNOW_DETECTORS": '["text.rules", "text.lists"]'}


def winnow(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **RULES_ONLY, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "winnow", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_check_flags_advertising_with_span() -> None:
    r = winnow("check", "add me on wechat: abc123 for cheap followers")
    assert r.returncode == 1, r.stderr
    assert "REVIEW" in r.stdout and "advertising" in r.stdout
    assert '"wechat: abc123"' in r.stdout and "chars=10-24" in r.stdout


def test_check_json_and_benign() -> None:
    r = winnow("check", "--json", "What a lovely day in the park")
    assert r.returncode == 0, r.stderr
    line = json.loads(r.stdout)
    assert line["verdict"] == "allow" and line["error"] is None


def test_check_corrupt_file_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(encode(photo_like(), "JPEG")[:300])
    r = winnow("check", str(bad))
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "cannot decode" in r.stderr


def test_usage_error_exit_2_and_config_error(tmp_path: Path) -> None:
    assert winnow("check").returncode == 2
    r = winnow("check", "--policy", str(tmp_path / "nope.toml"), "hi")
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    r = winnow("check", "hi", env={"WINNOW_DETECTORS": '["text.nope"]'})
    assert r.returncode == 2 and "unknown detector" in r.stderr


def test_detectors_lists_enabled() -> None:
    r = winnow("detectors", "--json")
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["text.rules"]["enabled"] is True
    assert rows["image.safety"]["enabled"] is False
    assert "advertising" in rows["text.rules"]["labels"]


def test_scan_resumes_after_interrupt(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    n = 60_000  # enough that a pooled scan is still running when the interrupt comes
    with src.open("w") as fh:
        for i in range(n):
            text = f"message {i}: add me on wechat: abc{i}" if i % 10 == 0 else f"hello number {i}"
            fh.write(json.dumps({"id": f"m{i}", "text": text}) + "\n")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, **RULES_ONLY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "winnow", "scan", "--input", str(src), "--output", str(out),
         "--chunk-size", "10", "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size == 0):
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    first = out.read_text().splitlines()
    if proc.returncode == 0:
        pytest.skip("scan finished before it could be interrupted")
    assert proc.returncode == 130 and "resume" in err
    assert 0 < len(first) < n
    r = winnow("scan", "--input", str(src), "--output", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert f"skipped {len(first):,}" in r.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == n
    assert len({x["id"] for x in lines}) == n
    assert sum(x["verdict"] == "review" for x in lines) == n // 10
