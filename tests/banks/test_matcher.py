from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import shapes_image
from winnow.banks import Bank, BankMatcher, SqliteBankStore
from winnow.banks.hashing import pdq_hash
from winnow.errors import ConfigError


@pytest.fixture
def matcher(tmp_path: Path) -> BankMatcher:
    return BankMatcher.open(tmp_path)


def _add(m: BankMatcher, bank: str, pixels: np.ndarray, meta: str = "") -> None:
    m.store.add_entries(bank, [("pdq", pdq_hash(pixels).hex, meta)])


def test_banks_are_validated_and_unique(matcher: BankMatcher) -> None:
    matcher.store.create_bank(Bank("terror", "extremism", "block"))
    with pytest.raises(ConfigError, match="already exists"):
        matcher.store.create_bank(Bank("terror", "extremism"))
    with pytest.raises(ConfigError, match="unknown category"):
        matcher.store.create_bank(Bank("x", "nonsense"))
    with pytest.raises(ConfigError, match="outside 0-63"):
        matcher.store.create_bank(Bank("y", "spam", pdq_threshold=200))
    with pytest.raises(ConfigError, match="no bank named 'nope'"):
        matcher.store.bank("nope")


def test_mirrored_copy_matches_with_explanation(matcher: BankMatcher) -> None:
    original = shapes_image(3)
    matcher.store.create_bank(Bank("terror", "extremism", "block"))
    _add(matcher, "terror", original, "te:42")
    matcher.refresh()
    (match,) = matcher.match(np.ascontiguousarray(original[:, ::-1]))
    assert match.bank.name == "terror" and match.variant == "mirrored"
    assert match.distance <= 31 and 0.88 < match.score <= 1.0
    assert "bank terror entry" in match.explain() and "te:42" in match.explain()
    assert matcher.match(shapes_image(9)) == []


def test_per_bank_threshold_exact_and_allow_banks(matcher: BankMatcher) -> None:
    img = shapes_image(4)
    noisy = np.asarray(Image.fromarray(img).resize((200, 150)).resize((480, 360)))
    noisy = np.clip(noisy.astype(int) * 0.7 + 60, 0, 255).astype(np.uint8)
    distance = bin(int(pdq_hash(img).hex, 16) ^ int(pdq_hash(noisy).hex, 16)).count("1")
    assert 0 < distance <= 31
    matcher.store.create_bank(Bank("strict", "spam", pdq_threshold=distance - 1))
    matcher.store.create_bank(Bank("loose", "spam"))
    _add(matcher, "strict", img)
    _add(matcher, "loose", img)
    matcher.store.add_entries("loose", [("sha256", "ab" * 32, "file")])
    matcher.refresh()
    assert {m.bank.name for m in matcher.match(noisy)} == {"loose"}
    exact = matcher.match(sha256="AB" * 32)
    assert [(m.entry.kind, m.score, m.variant) for m in exact] == [("sha256", 1.0, "exact")]
    matcher.store.create_bank(Bank("memes", "spam", "allow"))
    _add(matcher, "memes", img)
    matcher.refresh()
    matches = matcher.match(noisy)
    assert {m.bank.name: m.suppressed_by for m in matches} == {"loose": ("memes",), "memes": ()}


def test_flat_images_are_not_pdq_matched(matcher: BankMatcher) -> None:
    flat = np.full((300, 300, 3), 128, np.uint8)
    matcher.store.create_bank(Bank("b", "spam"))
    matcher.store.add_entries("b", [("pdq", "00" * 32, "")])
    matcher.refresh()
    assert matcher.match(flat) == []


def test_index_survives_restart_and_catches_up(tmp_path: Path) -> None:
    img, other = shapes_image(5), shapes_image(6)
    m = BankMatcher.open(tmp_path)
    m.store.create_bank(Bank("b", "violence/graphic", "review"))
    _add(m, "b", img)
    m.save_index()
    assert (tmp_path / "banks" / "index" / "current").is_file()
    again = BankMatcher.open(tmp_path)
    assert again.index.covers >= 1 and again.index.delta_size == 0
    _add(m, "b", other)  # added by another process after `again` started
    again.refresh()
    assert [x.bank.name for x in again.match(other)] == ["b"]
    assert isinstance(again.store, SqliteBankStore)
    small = np.asarray(Image.fromarray(img).resize((150, 150)))
    assert [x.bank.name for x in again.match(small)] == ["b"]


def test_removed_entries_and_deleted_banks_match_nothing(matcher: BankMatcher) -> None:
    a, b = shapes_image(3), shapes_image(5)
    matcher.store.create_bank(Bank("one", "extremism", "block"))
    matcher.store.create_bank(Bank("two", "spam"))
    _add(matcher, "one", a)
    _add(matcher, "two", b)
    matcher.refresh()
    (entry_a,) = matcher.store.entries("one")
    (entry_b,) = matcher.store.entries("two")
    assert matcher.store.remove_entries("one", [entry_b.id]) == 0  # another bank's id: ignored
    assert matcher.store.remove_entries("one", [entry_a.id]) == 1
    matcher.refresh()
    assert matcher.match(a) == []  # the index still holds the id; the entry is gone
    assert [m.bank.name for m in matcher.match(b)] == ["two"]
    assert matcher.store.delete_bank("two") == 1
    assert [x.name for x in matcher.store.banks()] == ["one"] and matcher.match(b) == []
    _add(matcher, "one", b)
    (again,) = matcher.store.entries("one")
    assert again.id > entry_b.id  # ids are never reused
