"""PDQ against Meta's published hash vectors (../shared/data/media/hash-vectors), by Hamming."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from tests.conftest import SHARED
from winnow.banks.hashing import VARIANTS, hamming, pdq_from_hex, pdq_hash, pdq_variants
from winnow.errors import InputError
from winnow.media.image import decode_image
from winnow.settings import Limits

VECTORS = SHARED / "data" / "media" / "hash-vectors"
pytestmark = pytest.mark.skipif(not VECTORS.is_dir(), reason="shared hash vectors absent")


def _pixels(relative: str) -> np.ndarray:
    path = VECTORS / relative
    return decode_image(path.read_bytes(), "image/jpeg", Limits(), name=relative).pixels


def _vectors() -> list[tuple[str, str]]:
    with (VECTORS / "expected_pdq_hashes.csv").open() as f:
        return [
            (row["file"], row["expected_pdq_hex"])
            for row in csv.DictReader(f)
            # LA.png has an alpha channel: we composite it onto white (what a viewer sees),
            # ThreatExchange drops it, so the two hash different pictures.
            if row["file_present_here"] == "True" and not row["file"].endswith("LA.png")
        ]


@pytest.mark.data
def test_pdq_agrees_with_reference_vectors() -> None:
    vectors = _vectors()
    assert len(vectors) >= 40
    distances = [
        hamming(pdq_hash(_pixels(name)).value, pdq_from_hex(expected)) for name, expected in vectors
    ]
    # The reference tests allow 16 bits; our decode + 512 px downscale stays well inside 31.
    assert max(distances) <= 31, distances
    assert np.median(distances) <= 16, distances


@pytest.mark.data
def test_dihedral_variants_find_flipped_and_rotated_copies() -> None:
    names = ["1-original", "2-rotate-90", "3-rotate-180", "4-rotate-270",
             "5-flipx", "6-flipy", "7-flip-plus-1", "8-flip-minus-1"]  # fmt: skip
    variants = pdq_variants(_pixels("pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
    assert [v.variant for v in variants] == list(VARIANTS)
    for i, name in enumerate(names):
        copy = pdq_hash(_pixels(f"pdq/data/reg-test-input/dih/bridge-{name}.jpg"))
        distances = [hamming(copy.value, v.value) for v in variants]
        assert distances[i] <= 31 and min(distances) == distances[i], (name, distances)
        assert sorted(distances)[1] > 60, (name, distances)  # the other variants are far


def test_big_images_are_downscaled_and_hex_round_trips() -> None:
    rng = np.random.default_rng(0)
    small = np.asarray(
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)).resize((400, 400))
    )
    big = np.asarray(Image.fromarray(small).resize((1600, 1600)))
    a, b = pdq_hash(small), pdq_hash(big)
    assert hamming(a.value, b.value) <= 16
    assert pdq_from_hex(a.hex) == a.value
    with pytest.raises(InputError, match="64 hex digits"):
        pdq_from_hex("abc")
    with pytest.raises(InputError, match="RGB"):
        pdq_hash(np.zeros((4, 4), np.uint8))
