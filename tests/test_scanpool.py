import io
import json
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pytest

from tests.fakes import KeywordDetector
from winnow.errors import ConfigError, DetectorError
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.scanning import iter_inputs, read_done, scan
from winnow.scanpool import scan_parallel
from winnow.settings import Settings
from winnow.types import DetectorResult, Item, TextItem


def keyword_pipeline() -> Pipeline:
    return Pipeline([KeywordDetector()], default_policy())


def failing_pipeline() -> Pipeline:
    raise ConfigError("unknown detector 'nope'")


class DyingDetector(KeywordDetector):
    """Ends its process on 'DIE', as the out-of-memory killer would."""

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        if any(isinstance(i, TextItem) and "DIE" in i.text for i in items):
            os._exit(9)
        return super().detect_batch(items)


def dying_pipeline() -> Pipeline:
    return Pipeline([DyingDetector()], default_policy())


def make_input(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        if i % 7 == 3:
            lines.append("{broken json")
        else:
            text = f"HATEFUL number {i}" if i % 5 == 0 else f"fine text {i}"
            lines.append(json.dumps({"id": f"t{i}", "text": text}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_same_lines_in_same_order_as_one_process(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 230)
    one, many = io.StringIO(), io.StringIO()
    s1 = scan(keyword_pipeline(), iter_inputs(src), one, set(), chunk_size=16)
    s2 = scan_parallel(keyword_pipeline, src, many, set(), 2, chunk_size=16)
    assert many.getvalue() == one.getvalue()
    assert (s2.written, s2.errors, s2.flagged) == (s1.written, s1.errors, s1.flagged)
    assert s2.flagged > 0 and s2.errors > 0


def test_resume_skips_done(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 100)
    out_path = tmp_path / "out.jsonl"
    with out_path.open("w") as out:
        scan(keyword_pipeline(), (x for x in list(iter_inputs(src))[:30]), out, set())
        out.write('{"id": "t30", "ver')  # torn by a kill
    done = read_done(out_path)
    assert len(done) == 30
    with out_path.open("a") as out:
        stats = scan_parallel(keyword_pipeline, src, out, done, 2, chunk_size=8)
    assert (stats.skipped, stats.written) == (30, 70)
    expected = io.StringIO()
    scan(keyword_pipeline(), iter_inputs(src), expected, set())
    assert out_path.read_text() == expected.getvalue()


def test_interrupt_leaves_whole_chunks_that_resume(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 200)
    out_path = tmp_path / "out.jsonl"
    seen = []

    def progress(n: int) -> None:
        seen.append(n)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with out_path.open("w") as out, pytest.raises(KeyboardInterrupt):
        scan_parallel(keyword_pipeline, src, out, set(), 2, 10, progress)
    first = out_path.read_text().splitlines()
    assert len(first) == 30  # three whole chunks, nothing torn
    done = read_done(out_path)
    with out_path.open("a") as out:
        scan_parallel(keyword_pipeline, src, out, done, 2, chunk_size=10)
    ids = [json.loads(x)["id"] for x in out_path.read_text().splitlines()]
    assert ids == [x.id for x in iter_inputs(src)]


def test_worker_setup_error_is_raised_as_itself(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 5)
    with pytest.raises(ConfigError, match="unknown detector"):
        scan_parallel(failing_pipeline, src, io.StringIO(), set(), 2)


def test_cli_factory_splits_threads_between_workers() -> None:
    from winnow.cli.scan import _worker_factory

    factory = _worker_factory(Settings(detectors=["text.rules"]), 64)
    assert isinstance(factory, partial)
    assert factory.args[0].threads == 1
    assert _worker_factory(Settings(threads=3), 2).args[0].threads == 3  # type: ignore[attr-defined]


def test_repeated_ids_and_folders_match_one_process(tmp_path: Path, benign_png: bytes) -> None:
    src = tmp_path / "dup.jsonl"
    lines = [json.dumps({"id": "a", "text": "fine"}), json.dumps({"id": "a", "text": "HATEFUL"})]
    src.write_text("\n".join(lines * 3 + ["", json.dumps({"id": "b", "text": "HATEFUL"})]) + "\n")
    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("HATEFUL")
    (folder / "sub" / "a.png").write_bytes(benign_png)
    for source in (src, folder):
        one, many = io.StringIO(), io.StringIO()
        s1 = scan(keyword_pipeline(), iter_inputs(source), one, set(), chunk_size=1)
        s2 = scan_parallel(keyword_pipeline, source, many, set(), 2, chunk_size=1)
        assert many.getvalue() == one.getvalue()
        assert (s2.written, s2.skipped, s2.flagged) == (s1.written, s1.skipped, s1.flagged)


def test_a_dead_worker_stops_the_scan_keeping_whole_chunks(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    texts = [f"fine {i}" for i in range(40)]
    texts[25] = "DIE"
    src.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
    )
    out = io.StringIO()
    with pytest.raises(DetectorError, match="worker died"):
        scan_parallel(dying_pipeline, src, out, set(), 2, chunk_size=5)
    ids = [json.loads(x)["id"] for x in out.getvalue().splitlines()]
    assert ids == [str(i) for i in range(25)]  # chunks before the fatal one, in order
