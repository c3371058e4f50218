"""``winnow scan`` (a real process, rules only) over the hostile corpus: it exits 0 and writes one
line per input, an ``error`` line for every hostile one, including JSONL lines built to break the
JSON parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.conftest import Corpus

pytestmark = pytest.mark.slow  # a CLI process: a few seconds

BAD_LINES = {
    "deep-arrays": b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep-objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "huge-int": b'{"text": "a", "n": ' + b"9" * 5000 + b"}",
    "bad-utf8": b'{"text": "\xff\xfe"}',
    "not-an-object": b"[1, 2, 3]",
    "both": b'{"text": "a", "path": "b"}',
    "truncated": b'{"text": "abc',
}


def test_scan_writes_an_error_line_for_every_hostile_input(corpus: Corpus, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": f.name, "path": str(corpus.root / f.name)}).encode() for f in corpus.files
    ]
    lines += list(BAD_LINES.values())
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    env = {**os.environ, "WINNOW_DETECTORS": "[]", "WINNOW_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "winnow", "scan", "--input", str(source), "--output", str(output),
         "--workers", "1", "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(out) == len(lines)
    by_id = {o["id"]: o for o in out}
    for f in corpus.files:
        got = by_id[f.name]
        if f.expect == "error":
            assert got["error"], f"{f.name} ({f.why}): {got}"
        assert (got["error"] is None) == (got["verdict"] is not None), got
    bad = out[len(corpus.files) :]
    assert all(o["error"] and o["error"].startswith("line ") for o in bad), bad
