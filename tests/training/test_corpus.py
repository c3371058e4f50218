"""The training corpus builder on the real datasets in ../shared/data/text."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from winnow.taxonomy import CATEGORY_KEYS
from winnow.training.corpus import (
    SOURCES,
    LabelledText,
    iter_corpus,
    iter_identity_templates,
    normalise,
    split_of,
    to_json,
    write_splits,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "text"
HAVE_PYARROW = importlib.util.find_spec("pyarrow") is not None
NEEDS_PYARROW = {"multilingual-paradetox"}

pytestmark = [
    pytest.mark.data,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} is absent"),
]


def _usable_sources() -> list[str]:
    return [s for s in SOURCES if HAVE_PYARROW or s not in NEEDS_PYARROW]


def _check(rec: LabelledText) -> None:
    assert isinstance(rec.text, str) and rec.text.strip()
    assert rec.labels, rec
    assert set(rec.labels) <= set(CATEGORY_KEYS), rec.labels
    assert set(rec.labels.values()) <= {0, 1}, rec.labels
    assert rec.lang and rec.lang.isalpha() and len(rec.lang) == 2, rec.lang
    assert "\ufffd" not in rec.text


@pytest.fixture(scope="module")
def corpus() -> list[LabelledText]:
    return list(iter_corpus(DATA, _usable_sources()))


def test_every_dataset_dir_has_a_loader() -> None:
    dirs = {p.name for p in DATA.iterdir() if p.is_dir()}
    assert set(SOURCES) == dirs - {"conversationai-bias-templates"}
    assert "conversationai-bias-templates" not in SOURCES


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_loader_yields_valid_records(name: str) -> None:
    if name in NEEDS_PYARROW and not HAVE_PYARROW:
        pytest.skip("needs pyarrow")
    recs = list(SOURCES[name](DATA / name))
    assert len(recs) > 100
    for rec in recs:
        _check(rec)
        assert rec.source == name
    # Every source contributes at least one positive for some category, except the one that
    # exists only to give "news about terrorism" negatives.
    positives = sum(1 for r in recs if 1 in r.labels.values())
    if name == "radicalization-tt":
        assert positives == 0
    else:
        assert positives > 0


def test_corpus_is_deduplicated_and_valid(corpus: list[LabelledText]) -> None:
    keys = [normalise(r.text) for r in corpus]
    assert len(keys) == len(set(keys))
    for rec in corpus:
        _check(rec)
    assert len(corpus) > 150_000
    langs = Counter(r.lang for r in corpus)
    assert {"en", "zh", "de", "pt", "ko", "fr", "ar"} <= set(langs)


def test_dedup_merges_labels_with_max(tmp_path: Path) -> None:
    src = DATA / "sms-spam-collection"
    with (src / "SMSSpamCollection.train.tsv").open(encoding="utf-8") as fh:
        line = next(ln for ln in fh if ln.startswith("ham"))
    text = line.split("\t", 1)[1].strip()
    fake = tmp_path / "sms-spam-collection"
    fake.mkdir()
    # The same text twice, the second time as spam and with different case and spacing.
    shouted = "  " + text.upper().replace(" ", "   ") + " "
    (fake / "SMSSpamCollection.train.tsv").write_text(
        f"ham\t{text}\nspam\t{shouted}\n", encoding="utf-8"
    )
    recs = list(iter_corpus(tmp_path, ["sms-spam-collection"]))
    assert len(recs) == 1
    assert recs[0].text == text
    assert recs[0].labels == {"spam": 1, "advertising": 1}


def test_unknown_source_is_an_error() -> None:
    with pytest.raises(KeyError):
        list(iter_corpus(DATA, ["no-such-dataset"]))


def test_split_is_deterministic_and_about_a_fifth(corpus: list[LabelledText]) -> None:
    splits = [split_of(r.text) for r in corpus]
    assert splits == [split_of(r.text) for r in corpus]
    dev = splits.count("dev") / len(splits)
    assert 0.19 < dev < 0.21
    # Case and whitespace do not move a text between splits.
    for rec in corpus[:500]:
        assert split_of(rec.text) == split_of("  " + rec.text.upper() + "\n")
    # No source is skewed towards dev (a cap that sorts by the split hash would be).
    by_source: dict[str, Counter[str]] = {}
    for rec, split in zip(corpus, splits, strict=True):
        by_source.setdefault(rec.source, Counter())[split] += 1
    for source, c in by_source.items():
        assert 0.15 < c["dev"] / (c["dev"] + c["train"]) < 0.25, source


def test_labels_the_briefs_hard_cases(corpus: list[LabelledText]) -> None:
    by_source: dict[str, list[LabelledText]] = {}
    for rec in corpus:
        by_source.setdefault(rec.source, []).append(rec)
    isis = by_source["isis-fanboy-tweets"]
    assert 0 < len(isis) <= 3000
    assert all(not r.text.startswith("RT") and "RT @" not in r.text for r in isis)
    assert all(r.labels == {"extremism": 1} for r in isis)
    assert all(r.labels.get("extremism") == 0 for r in by_source["radicalization-tt"])
    reddit = by_source["reddit-cssrs-suicide"]
    assert all(len(r.text) <= 1000 for r in reddit)
    assert {r.labels["self-harm"] for r in reddit} == {0, 1}
    neutral = [r for r in by_source["toxigen"] if r.labels.get("extremism") == 0]
    assert neutral and all(r.labels["hate"] == 0 and r.group for r in neutral)
    implicit = by_source["implicit-hate-corpus"]
    assert any(r.labels.get("extremism") == 1 for r in implicit)
    assert any(r.labels.get("violence") == 1 for r in implicit)


def test_identity_templates_are_separate_and_labelled() -> None:
    recs = list(iter_identity_templates(DATA))
    assert {r.lang for r in recs} == {"en", "zh"}
    for rec in recs:
        _check(rec)
        assert rec.source == "conversationai-bias-templates"
        assert rec.group
    assert {r.labels["hate"] for r in recs} == {0, 1}


def test_write_splits_with_cap(tmp_path: Path) -> None:
    sources = ["sms-spam-collection", "youtube-spam-collection"]
    counts = write_splits(DATA, tmp_path / "a", max_per_source=500, seed=1, sources=sources)
    again = write_splits(DATA, tmp_path / "b", max_per_source=500, seed=1, sources=sources)
    assert counts == again
    for name in sources:
        assert counts["train"][name] + counts["dev"][name] == 500
    train = (tmp_path / "a" / "train.jsonl").read_text(encoding="utf-8")
    assert train == (tmp_path / "b" / "train.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(x) for x in train.splitlines()]
    assert len(lines) == sum(counts["train"].values())
    assert set(lines[0]) == {"text", "labels", "lang", "source", "group"}
    rec = LabelledText("hi", {"spam": 0}, "en", "x")
    assert to_json(rec) == {
        "text": "hi",
        "labels": {"spam": 0},
        "lang": "en",
        "source": "x",
        "group": None,
    }
