import io
import json
from pathlib import Path

from tests.fakes import KeywordDetector
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.scanning import count_inputs, iter_inputs, read_done, scan
from winnow.taxonomy import CATEGORY_KEYS


def pipeline() -> Pipeline:
    return Pipeline([KeywordDetector()], default_policy())


def write_jsonl(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_contract_lines_and_bad_items(tmp_path: Path, benign_png: bytes) -> None:
    (tmp_path / "img.bin").write_bytes(benign_png)
    src = tmp_path / "in.jsonl"
    write_jsonl(
        src,
        [
            json.dumps({"id": "a", "text": "HATEFUL"}),
            json.dumps({"id": "b", "text": "fine"}),
            "{not json",
            json.dumps({"id": "c"}),
            json.dumps({"id": "d", "path": "img.bin"}),
            json.dumps({"id": "e", "path": "missing.png"}),
            json.dumps([1, 2]),
        ],
    )
    out = io.StringIO()
    stats = scan(pipeline(), iter_inputs(src), out, set(), chunk_size=2)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "line-3", "c", "d", "e", "line-7"]
    assert lines[0]["verdict"] == "block" and set(lines[0]["scores"]) == set(CATEGORY_KEYS)
    assert lines[0]["matches"][0]["category"] == "hate" and lines[0]["error"] is None
    assert lines[1]["verdict"] == "allow"
    assert "invalid JSON" in lines[2]["error"]
    assert "exactly one of" in lines[3]["error"]
    assert lines[4]["verdict"] == "allow" and lines[4]["media_type"] == "image"
    assert "no such file" in lines[5]["error"]
    assert "JSON object" in lines[6]["error"]
    assert (stats.written, stats.errors, stats.flagged) == (7, 4, 1)


def test_resume_skips_done_and_cuts_torn_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [json.dumps({"id": str(i), "text": f"text {i}"}) for i in range(10)])
    out_path = tmp_path / "out.jsonl"
    with out_path.open("w") as out:
        scan(pipeline(), (x for x in list(iter_inputs(src))[:4]), out, set())
    with out_path.open("a") as out:
        out.write('{"id": "4", "verd')  # a kill mid-write
    done = read_done(out_path)
    assert done == {"0", "1", "2", "3"}
    det = KeywordDetector()
    with out_path.open("a") as out:
        stats = scan(Pipeline([det], default_policy()), iter_inputs(src), out, done)
    assert (stats.skipped, stats.written) == (4, 6)
    assert sum(det.batches) == 6
    ids = [json.loads(x)["id"] for x in out_path.read_text().splitlines()]
    assert ids == [str(i) for i in range(10)]


def test_folder_input(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.txt").write_text("fine")
    (tmp_path / "d" / "sub" / "a.txt").write_text("HATEFUL")
    inputs = list(iter_inputs(tmp_path / "d"))
    assert [i.id for i in inputs] == ["b.txt", "sub/a.txt"]
    assert count_inputs(tmp_path / "d") == 2
    out = io.StringIO()
    scan(pipeline(), iter(inputs), out, set())
    assert [json.loads(x)["verdict"] for x in out.getvalue().splitlines()] == ["allow", "block"]


def test_duplicate_ids_are_scanned_once(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [json.dumps({"id": "x", "text": "a"}), json.dumps({"id": "x", "text": "b"})])
    out = io.StringIO()
    stats = scan(pipeline(), iter_inputs(src), out, set())
    assert (stats.written, stats.skipped) == (1, 1)
