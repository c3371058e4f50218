"""The Ray engine writes what the local engine writes (marker ``ray``: starts a local Ray)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from winnow.pipeline import Pipeline
from winnow.scanning import iter_inputs, scan
from winnow.settings import Settings

pytestmark = pytest.mark.ray
ray = pytest.importorskip("ray")

SETTINGS = Settings(detectors=["text.rules", "text.lists", "image.hashes"])


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[None]:
    from winnow.batch.ray_scan import local_ray

    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")}
    os.environ["RAY_AUTH_MODE"] = "disabled"
    try:
        # 3 logical CPUs for 2 actors: read tasks always find a free CPU (no silent hang).
        with local_ray(num_cpus=3, object_store_mb=256):
            assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def make_inputs(tmp: Path, png: bytes) -> Path:
    (tmp / "img.png").write_bytes(png)
    lines = [json.dumps({"id": "img", "path": "img.png"}), "{broken", json.dumps({"id": "x"})]
    for i in range(40):
        text = f"add me on wechat: abc{i}" if i % 4 == 0 else f"a fine day number {i}"
        lines.append(json.dumps({"id": f"t{i}", "text": text}))
    lines.append(json.dumps({"id": "missing", "path": "nope.png"}))
    src = tmp / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def local_lines(source: Path) -> str:
    out = io.StringIO()
    scan(Pipeline.from_settings(SETTINGS), iter_inputs(source), out, set())
    return out.getvalue()


def test_jsonl_and_folder_give_the_local_lines(
    local_cluster: None, tmp_path: Path, benign_png: bytes
) -> None:
    from winnow.batch.ray_scan import ray_scan

    src = make_inputs(tmp_path, benign_png)
    out = tmp_path / "ray.jsonl"
    assert ray_scan(SETTINGS, src, out, concurrency=2, batch_size=8) == 44
    expected = local_lines(src)
    assert out.read_text() == expected
    assert '"verdict": "review"' in expected and "invalid JSON" in expected

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("add me on wechat: zz9")
    (folder / "b.png").write_bytes(benign_png)
    out2 = tmp_path / "folder.jsonl"
    ray_scan(SETTINGS, folder, out2, concurrency=2, batch_size=1)
    assert out2.read_text() == local_lines(folder)


def test_resume_then_parquet_in_and_out(
    local_cluster: None, tmp_path: Path, benign_png: bytes
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from winnow.batch.ray_scan import PARQUET_COLUMNS, ray_scan

    src = make_inputs(tmp_path, benign_png)
    expected = local_lines(src)
    out = tmp_path / "ray.jsonl"
    out.write_text("".join(expected.splitlines(keepends=True)[:10]) + '{"id": "t7", "ver')
    assert ray_scan(SETTINGS, src, out, concurrency=2, batch_size=8) == 34
    assert out.read_text() == expected

    texts = [f"add me on wechat: q{i}" if i % 3 == 0 else f"hello {i}" for i in range(20)]
    table = pa.table({"id": [f"p{i}" for i in range(20)], "text": texts})
    pq.write_table(table, tmp_path / "in.parquet")
    jsonl = tmp_path / "same.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"id": f"p{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    )
    out_pq = tmp_path / "out.parquet"
    ray_scan(SETTINGS, tmp_path / "in.parquet", out_pq, concurrency=2, batch_size=8)
    rows = pq.read_table(out_pq).to_pylist()
    assert list(rows[0]) == list(PARQUET_COLUMNS)
    local = [json.loads(x) for x in local_lines(jsonl).splitlines()]
    assert [r["id"] for r in rows] == [x["id"] for x in local]
    assert [r["verdict"] for r in rows] == [x["verdict"] for x in local]
    assert [json.loads(r["scores"]) for r in rows] == [x["scores"] for x in local]
    assert [json.loads(r["matches"]) for r in rows] == [x["matches"] for x in local]

    part = tmp_path / "part.jsonl"  # a Parquet input resumes too: done ids filtered after reading
    part.write_text("".join(local_lines(jsonl).splitlines(keepends=True)[:5]))
    assert ray_scan(SETTINGS, tmp_path / "in.parquet", part, concurrency=2, batch_size=8) == 15
    assert part.read_text() == local_lines(jsonl)
