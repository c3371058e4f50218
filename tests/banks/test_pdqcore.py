from __future__ import annotations

import numpy as np
import pdqhash
import pytest

from winnow.banks import pdqcore

FLIPS = (lambda a: a, lambda a: a[::-1], lambda a: a[:, ::-1], lambda a: a[::-1, ::-1])


def _images() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    out = [rng.integers(0, 256, (h, w, 3), np.uint8) for h, w in [(5, 7), (64, 64), (241, 357)]]
    blocky = np.kron(rng.integers(0, 256, (9, 16, 3)), np.ones((80, 80, 1))).astype(np.uint8)
    out += [blocky, np.zeros((100, 80, 3), np.uint8), np.full((90, 90, 3), 255, np.uint8)]
    return out


def _reference(pixels: np.ndarray) -> tuple[bytes, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes(), int(quality)


def test_native_path_is_loaded_and_agrees_bit_for_bit_with_pdqhash() -> None:
    assert pdqcore.native() is not None  # pdqhash 0.2.8 is pinned: the fast path must load
    for pixels in _images():
        assert pdqcore.pdq_bits(pixels) == _reference(pixels)
        for flip, (dct, quality) in zip(FLIPS, pdqcore.pdq_floats(pixels, FLIPS), strict=True):
            expected, expected_quality = pdqhash.compute_float(np.ascontiguousarray(flip(pixels)))
            assert np.array_equal(dct, np.asarray(expected, np.float32))
            assert quality == expected_quality


def test_luma_is_pdqhash_formula_exactly() -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (300, 256, 3), np.uint8)
    pixels[0, :, 0] = pixels[0, :, 1] = pixels[0, :, 2] = np.arange(256)
    ref = (pixels[:, :, 0] * 0.299 + pixels[:, :, 1] * 0.587 + pixels[:, :, 2] * 0.114).astype(
        "float32"
    )
    assert np.array_equal(pdqcore.luma(pixels), ref)


def test_without_the_native_path_results_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [(pdqcore.pdq_bits(p), pdqcore.pdq_floats(p, FLIPS)) for p in _images()]
    monkeypatch.setattr(pdqcore, "native", lambda: None)
    for pixels, (bits, floats) in zip(_images(), expected, strict=True):
        assert pdqcore.pdq_bits(pixels) == bits
        for (a, qa), (b, qb) in zip(pdqcore.pdq_floats(pixels, FLIPS), floats, strict=True):
            assert np.array_equal(a, b) and qa == qb


def test_luma_buffers_are_checked() -> None:
    fast = pdqcore.native()
    assert fast is not None
    with pytest.raises(ValueError, match="C-contiguous 2-D float32"):
        fast.hash(np.zeros((10, 10), np.float64))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="C-contiguous"):
        fast.hash(np.zeros((10, 10), np.float32)[:, ::2])
