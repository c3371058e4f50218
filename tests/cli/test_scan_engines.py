"""``winnow scan --workers`` and ``--engine``, through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import winnow


def write_input(path: Path, n: int) -> Path:
    with path.open("w") as fh:
        for i in range(n):
            text = f"add me on wechat: abc{i}" if i % 5 == 0 else f"hello number {i}"
            fh.write(json.dumps({"id": f"m{i}", "text": text}) + "\n")
        fh.write("{broken\n")
    return path


def test_workers_give_the_same_file_as_one_process(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 300)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    r1 = winnow("scan", "--input", str(src), "--output", str(one), "--workers", "1",
                "--chunk-size", "32", "--no-progress")  # fmt: skip
    r2 = winnow("scan", "--input", str(src), "--output", str(two), "--workers", "2",
                "--chunk-size", "32", "--no-progress")  # fmt: skip
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    assert one.read_text() == two.read_text()
    assert "60 flagged, 1 errors" in r2.stderr


def test_worker_setup_error_is_a_one_line_message(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 3)
    r = winnow("scan", "--input", str(src), "--output", str(tmp_path / "o.jsonl"),
               "--workers", "2", env={"WINNOW_DETECTORS": '["no.such"]'})  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("winnow: ") and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "out.parquet"], "need --engine ray"),
        (["--workers", "0"], "--workers"),
        (["--engine", "spark"], "--engine"),
    ],
)
def test_bad_options_are_user_errors(tmp_path: Path, args: list[str], message: str) -> None:
    src = write_input(tmp_path / "in.jsonl", 1)
    base = ["scan", "--input", str(src), "--output", str(tmp_path / "o.jsonl")]
    r = winnow(*base[:3], *([] if args[0] == "--output" else base[3:]), *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_missing_input_is_a_user_error(tmp_path: Path) -> None:
    r = winnow("scan", "--input", str(tmp_path / "nope.jsonl"), "--output", "o.jsonl",
               cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "no such file" in r.stderr
