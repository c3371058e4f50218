"""PDQ hashes and DCTs of RGB images, bit for bit those of ``pdqhash`` 0.2.8, in half the time.

``pdqhash.compute(rgb)`` spends most of its time outside PDQ: it makes the luma image with
five float64 numpy passes (11 ms of the 18 ms for a 720p frame), then calls Meta's C++
``pdqHash256FromFloatLuma`` while holding the GIL. Here the luma is computed with the same
float64 operations in the same order (so the same float32 values) in two passes, and the C++
functions, which the binding's shared library exports, are called through :mod:`ctypes`, which
releases the GIL: PDQ then overlaps decoding and other threads. One luma serves every flip of
an image (a flipped image's luma is the flipped luma).

The native path is used only when ``pdqhash`` is the version whose signatures this module
declares and a probe image hashes identically both ways; otherwise every call goes through
``pdqhash.compute``/``compute_float`` (same results, slower).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from winnow.errors import DetectorError

__all__ = ["Luma", "luma", "native", "pdq_bits", "pdq_floats"]

Luma = npt.NDArray[np.float32]

_VERSION = "0.2.8"
_HASH = "_ZN8facebook3pdq7hashing23pdqHash256FromFloatLumaEPfS2_iiPA64_fS4_PA16_fRNS1_7Hash256ERi"
_FLOAT = "_ZN8facebook3pdq7hashing24pdqFloat256FromFloatLumaEPfS2_iiPA64_fS4_PA16_fRi"
_BIT_WORD = np.arange(256)[::-1] >> 4
_BIT_SHIFT = (np.arange(256)[::-1] & 15).astype(np.uint16)


def _pdqhash() -> Any:
    try:
        import pdqhash
    except ImportError as exc:
        raise DetectorError(
            f"pdqhash cannot be imported ({exc}); pip install pdqhash=={_VERSION}"
        ) from None
    return pdqhash


def luma(pixels: npt.NDArray[np.uint8]) -> Luma:
    """PDQ's luma of an RGB image: ``0.299 R + 0.587 G + 0.114 B`` in float64, as float32.

    The same operations in the same order as ``pdqhash``'s binding, so the same values."""
    out = np.multiply(pixels[:, :, 0], 0.299)
    part = np.multiply(pixels[:, :, 1], 0.587)
    out += part
    np.multiply(pixels[:, :, 2], 0.114, out=part)
    out += part
    return out.astype(np.float32)


class _Native:
    """The C++ entry points of ``pdqhash``'s shared library."""

    def __init__(self, library: str) -> None:
        lib = ctypes.CDLL(library)
        args = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self._hash = getattr(lib, _HASH)
        self._hash.argtypes = [*args, *([ctypes.c_void_p] * 5)]
        self._hash.restype = None
        self._float = getattr(lib, _FLOAT)
        self._float.argtypes = [*args, *([ctypes.c_void_p] * 4)]
        self._float.restype = None

    def hash(self, gray: Luma) -> tuple[bytes, int]:
        """``pdqHash256FromFloatLuma``; ``gray`` (C-contiguous float32) is overwritten."""
        scratch, b64, b16x64, b16 = _buffers(gray)
        words = np.zeros(16, np.uint16)
        quality = ctypes.c_int(0)
        self._hash(gray.ctypes.data, scratch.ctypes.data, gray.shape[0], gray.shape[1],
                   b64.ctypes.data, b16x64.ctypes.data, b16.ctypes.data, words.ctypes.data,
                   ctypes.byref(quality))  # fmt: skip
        bits = (words[_BIT_WORD] >> _BIT_SHIFT) & 1  # the binding's hash_to_vector
        return np.packbits(bits.astype(np.uint8)).tobytes(), int(quality.value)

    def floats(self, gray: Luma) -> tuple[npt.NDArray[np.float32], int]:
        """``pdqFloat256FromFloatLuma``, in ``compute_float``'s order; ``gray`` is overwritten."""
        scratch, b64, b16x64, b16 = _buffers(gray)
        quality = ctypes.c_int(0)
        self._float(gray.ctypes.data, scratch.ctypes.data, gray.shape[0], gray.shape[1],
                    b64.ctypes.data, b16x64.ctypes.data, b16.ctypes.data,
                    ctypes.byref(quality))  # fmt: skip
        return b16.reshape(-1)[::-1].copy(), int(quality.value)


def _buffers(gray: Luma) -> tuple[Luma, Luma, Luma, Luma]:
    if gray.dtype != np.float32 or gray.ndim != 2 or not gray.flags.c_contiguous:
        raise ValueError("PDQ luma must be a C-contiguous 2-D float32 array")
    return (np.empty_like(gray), np.empty((64, 64), np.float32), np.empty((16, 64), np.float32),
            np.empty((16, 16), np.float32))  # fmt: skip


_native: _Native | None = None
_native_checked = False
_native_lock = threading.Lock()


def native() -> _Native | None:
    """The native entry points, once checked against the binding on a probe image; or None."""
    global _native, _native_checked
    with _native_lock:
        if not _native_checked:
            _native_checked = True
            _native = _load_native()
        return _native


def _load_native() -> _Native | None:
    module = _pdqhash()
    if getattr(module, "__version__", None) != _VERSION:
        return None
    try:
        candidate = _Native(module.bindings.__file__)
    except (OSError, AttributeError):
        return None
    rng = np.random.default_rng(7)
    probe = np.asarray(
        np.kron(rng.integers(0, 256, (12, 20, 3)), np.ones((9, 7, 1))), dtype=np.uint8
    )
    bits, quality = module.compute(probe)
    expected = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes(), int(quality)
    floats, float_quality = module.compute_float(probe)
    got_floats, got_quality = candidate.floats(luma(probe))
    if candidate.hash(luma(probe)) != expected or got_quality != int(float_quality):
        return None
    if not np.array_equal(got_floats, np.asarray(floats, dtype=np.float32)):
        return None
    return candidate


def pdq_bits(pixels: npt.NDArray[np.uint8]) -> tuple[bytes, int]:
    """PDQ hash (32 bytes) and quality of an RGB uint8 image, as ``pdqhash.compute`` gives."""
    fast = native()
    if fast is not None:
        return fast.hash(luma(pixels))
    bits, quality = _pdqhash().compute(np.ascontiguousarray(pixels))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes(), int(quality)


def pdq_floats(
    pixels: npt.NDArray[np.uint8],
    flips: tuple[Callable[[npt.NDArray[Any]], npt.NDArray[Any]], ...],
) -> list[tuple[npt.NDArray[np.float32], int]]:
    """``pdqhash.compute_float`` of each ``flips[k](pixels)``, computing the luma once."""
    fast = native()
    if fast is not None:
        gray = luma(pixels)
        return [fast.floats(np.array(flip(gray), order="C")) for flip in flips]
    module = _pdqhash()
    out = []
    for flip in flips:
        dct, quality = module.compute_float(np.ascontiguousarray(flip(pixels)))
        out.append((np.asarray(dct, dtype=np.float32), int(quality)))
    return out
