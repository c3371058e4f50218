from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import encode, shapes_image
from winnow.banks import Bank, BankMatcher
from winnow.banks.hashing import pdq_hash
from winnow.detectors.image_hashes import ImageHashes
from winnow.testing import DetectorContract, image_item
from winnow.types import ImageItem, Verdict


def _bank(tmp_path: Path) -> BankMatcher:
    m = BankMatcher.open(tmp_path)
    m.store.create_bank(Bank("terror", "extremism", "block"))
    m.store.add_entries("terror", [("pdq", pdq_hash(shapes_image(1)).hex, "te:1")])
    m.refresh()
    return m


class TestImageHashes(DetectorContract):
    @pytest.fixture
    def detector(self, tmp_path: Path) -> ImageHashes:
        return ImageHashes(tmp_path, matcher=_bank(tmp_path))

    @pytest.fixture
    def sample_items(self) -> list[ImageItem]:
        return [image_item(shapes_image(1)[:, ::-1]), image_item(shapes_image(2))]


def test_match_is_a_signal_with_the_bank_action_and_why(tmp_path: Path) -> None:
    det = ImageHashes(tmp_path, matcher=_bank(tmp_path))
    hit, miss = det.detect_batch(
        [image_item(np.rot90(shapes_image(1))), image_item(shapes_image(3))]
    )
    (signal,) = hit.signals
    assert signal.category == "extremism" and signal.action is Verdict.BLOCK
    assert signal.score > 0.88
    assert "bank terror entry 1 (te:1): PDQ distance" in (signal.evidence[0].detail or "")
    assert "rotated90ccw" in (signal.evidence[0].detail or "")
    assert miss.signals == ()


def test_no_bank_costs_nothing_and_creates_nothing(tmp_path: Path) -> None:
    det = ImageHashes(tmp_path / "data")
    assert det.detect_batch([image_item(shapes_image(1))])[0].signals == ()
    assert not (tmp_path / "data").exists()


def test_cli_bank_then_check_matches_a_transformed_copy(tmp_path: Path) -> None:
    env = {**os.environ, "WINNOW_DATA_DIR": str(tmp_path / "data"),
           "WINNOW_DETECTORS": '["image.hashes"]'}  # fmt: skip

    def winnow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "winnow", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip

    original, copy = tmp_path / "orig.png", tmp_path / "copy.jpg"
    original.write_bytes(encode(shapes_image(7)))
    copy.write_bytes(encode(np.ascontiguousarray(shapes_image(7)[:, ::-1]), "JPEG", quality=30))
    r = winnow("bank", "create", "known", "--category", "violence/graphic", "--action", "block")
    assert r.returncode == 0, r.stderr
    assert winnow("bank", "add", "known", str(original)).returncode == 0
    listed = winnow("bank", "list").stdout
    assert "known" in listed and "1 pdq" in listed
    r = winnow("check", str(copy))
    assert r.returncode == 1, r.stderr
    assert "BLOCK" in r.stdout and "bank known entry" in r.stdout and "mirrored" in r.stdout
    exported = winnow("bank", "export", "known", "--format", "pdq").stdout
    (tmp_path / "list.txt").write_text(exported)
    winnow("bank", "create", "copy", "--category", "spam")
    r = winnow("bank", "import", "copy", str(tmp_path / "list.txt"))
    assert r.returncode == 0 and "1 new of 1" in r.stdout, r.stderr
    r = winnow("bank", "add", "nope", str(original))
    assert r.returncode == 2 and "no bank named 'nope'" in r.stderr
    known = [e.id for e in BankMatcher.open(tmp_path / "data").store.entries("known")]
    r = winnow("bank", "remove", "known", *map(str, known))
    assert r.returncode == 0 and f"removed {len(known)} of {len(known)}" in r.stdout, r.stderr
    r = winnow("check", str(copy))
    assert "BLOCK" not in r.stdout and "bank copy entry" in r.stdout, r.stdout  # only "copy" left
    assert winnow("bank", "delete", "copy").returncode == 2  # needs --yes
    r = winnow("bank", "delete", "copy", "--yes")
    assert r.returncode == 0 and "its 1 entries" in r.stdout, r.stderr
    assert "copy" not in winnow("bank", "list").stdout
    r = winnow("check", str(copy))
    assert r.returncode == 0 and "ALLOW" in r.stdout, r.stdout  # nothing left to match
