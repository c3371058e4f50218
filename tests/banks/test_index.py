from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from winnow.banks.index import EXACT_UP_TO, LiveIndex, MihIndex, brute_force


def _flip(code: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[rng.choice(256, n, replace=False)] ^= 1
    return np.packbits(bits)


def _set(hits: object) -> set[tuple[int, int, int]]:
    return set(zip(hits.query.tolist(), hits.ids.tolist(), hits.distance.tolist(), strict=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize("distance", [0, 11, 15, EXACT_UP_TO])
def test_mih_finds_exactly_what_brute_force_finds(distance: int) -> None:
    rng = np.random.default_rng(distance)
    codes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    ids = np.arange(100, 100 + 6 * len(codes), 6)
    queries = np.stack([_flip(codes[i], int(rng.integers(0, 45)), rng) for i in range(60)])
    index = MihIndex.build(ids, codes)
    got, want = index.search(queries, distance), brute_force(ids, codes, queries, distance)
    assert _set(got) == _set(want)


@pytest.mark.parametrize("distance", [31, 40])
def test_mih_beyond_exact_finds_nearly_everything_and_nothing_false(distance: int) -> None:
    rng = np.random.default_rng(distance)
    codes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    ids = np.arange(1, len(codes) + 1)
    # 400 near-duplicates at exactly 24-31 bits: the hardest case within the default distance
    queries = np.stack([_flip(codes[i], 24 + i % 8, rng) for i in range(400)])
    index = MihIndex.build(ids, codes)
    got, want = (
        _set(index.search(queries, distance)),
        _set(brute_force(ids, codes, queries, distance)),
    )
    assert got <= want
    assert len(got) >= 0.95 * len(want) and len(want) >= 400


def test_build_does_not_copy_the_codes() -> None:
    codes = np.random.default_rng(0).integers(0, 256, (1000, 32), dtype=np.uint8)
    assert MihIndex.build(np.arange(1000), codes).codes is codes


def test_a_saved_index_of_another_layout_is_ignored(tmp_path: Path) -> None:
    codes = np.random.default_rng(2).integers(0, 256, (50, 32), dtype=np.uint8)
    live = LiveIndex(tmp_path / "index")
    live.add(np.arange(1, 51), codes)
    live.rebuild()
    build = tmp_path / "index" / (tmp_path / "index" / "current").read_text()
    (build / "meta.json").write_text('{"covers": 50, "size": 50}')  # format 1: no "format"
    again = LiveIndex(tmp_path / "index")
    again.load()
    assert len(again) == 0 and again.covers == 0


def test_empty_index_and_bad_shapes() -> None:
    index = MihIndex.build(np.zeros(0, np.int64), np.zeros((0, 32), np.uint8))
    assert len(index.search(np.zeros((1, 32), np.uint8), 31)) == 0
    with pytest.raises(ValueError, match=r"\(n, 32\)"):
        index.search(np.zeros((1, 31), np.uint8), 31)


def test_live_index_delta_rebuild_and_restart(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (500, 32), dtype=np.uint8)
    live = LiveIndex(tmp_path / "index")
    live.add(np.arange(1, 301), codes[:300])
    live.rebuild()
    live.add(np.arange(301, 501), codes[300:])  # in the delta: found before any rebuild
    assert live.delta_size == 200 and len(live) == 500
    assert set(live.search(codes[[5, 450]], 0).ids.tolist()) == {6, 451}
    again = LiveIndex(tmp_path / "index")
    again.load()
    assert again.covers == 300 and len(again) == 300
    assert again.search(codes[[5]], 0).ids.tolist() == [6]


def test_catch_up_takes_only_new_entries_and_starts_over_when_the_store_was_replaced(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, size=(10, 32), dtype=np.uint8)
    store = {i + 1: codes[i] for i in range(6)}
    asked: list[int] = []

    def since(n: int) -> tuple[np.ndarray, np.ndarray]:
        asked.append(n)
        ids = np.array([i for i in sorted(store) if i > n], dtype=np.int64)
        return ids, np.array([store[i] for i in ids], dtype=np.uint8).reshape(-1, 32)

    index = LiveIndex(tmp_path)
    index.catch_up(6, since)
    index.rebuild()  # saved: covers 6
    index.catch_up(6, since)  # nothing new: the store is not asked again
    store[7] = codes[6]
    index.catch_up(7, since)
    assert asked == [0, 6] and len(index) == 7
    loaded = LiveIndex(tmp_path)
    loaded.load()
    assert loaded.seen == loaded.covers == 6
    replaced = {1: codes[9]}  # a new, smaller store behind the same cache
    store.clear()
    store.update(replaced)
    loaded.catch_up(1, since)
    assert len(loaded) == 1 and _set(loaded.search(codes[9:10], 0)) == {(0, 1, 0)}
