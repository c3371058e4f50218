"""Every hostile file, as bytes and as a path, gives a decision or a typed input error; memory
stays bounded over repeated passes."""

from __future__ import annotations

import time
from pathlib import Path

from tests.api.conftest import fake_pipeline
from tests.hostile.conftest import Corpus
from winnow.errors import InputError
from winnow.pipeline import Pipeline
from winnow.types import Content

HANG_S = 30.0  # a guard against hangs, not a benchmark (benchmarks/hostile/ has the timings)


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def feed(pipeline: Pipeline, corpus: Corpus) -> list[str]:
    """Feed every file twice (bytes, path); return what went against the expectations."""
    wrong = []
    for f in corpus.files:
        for content in (
            Content(f.name, data=f.data),
            Content(f.name, path=str(corpus.root / f.name)),
        ):
            started = time.monotonic()
            outcome = pipeline.check(content)
            took = time.monotonic() - started
            if took > HANG_S:
                wrong.append(f"{f.name}: took {took:.1f} s")
            if outcome.error is not None and not isinstance(outcome.error, InputError):
                wrong.append(f"{f.name}: {type(outcome.error).__name__}: {outcome.error}")
            elif outcome.error is None and f.expect == "error":
                wrong.append(f"{f.name}: expected an input error ({f.why}), got a decision")
            elif outcome.error is not None and len(str(outcome.error)) < 15:
                wrong.append(f"{f.name}: unclear message {str(outcome.error)!r}")
    return wrong


def test_every_file_gets_a_decision_or_a_clear_input_error(corpus: Corpus) -> None:
    assert feed(fake_pipeline(), corpus) == []


def test_memory_stays_bounded_over_repeated_passes(corpus: Corpus) -> None:
    pipeline = fake_pipeline()
    feed(pipeline, corpus)  # warm-up: imports, codec tables, allocator pools
    before = rss_bytes()
    for _ in range(5):
        assert feed(pipeline, corpus) == []
    growth = rss_bytes() - before
    assert growth < 48 * 1024 * 1024, f"RSS grew {growth / 2**20:.1f} MiB over 5 passes"
