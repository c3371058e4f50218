"""Hashes of images: PDQ (Meta's perceptual hash) with its 8 dihedral variants, MD5 and SHA-256.

PDQ hashes are 256 bits, kept here as 32 bytes (``bytes``) and written as 64 hex digits in the
same bit order as Meta's reference implementations and ThreatExchange (first hex digit = bits
0-3 of ``pdqhash.compute``'s bit vector). Images are downscaled to at most 512 px first (PDQ
reads 64x64 internally; hashing a big image costs time, not accuracy). Smaller images are hashed
as they are, like the reference does: upscaling them moved our hashes up to 78 bits away from
Meta's published vectors (the shared lists we must match are made with the reference).

Plain PDQ does not survive a mirror or a rotation, so the query side hashes all 8 dihedral
variants (:data:`VARIANTS`, in ``pdqhash.compute_dihedral``'s order). Each variant is the PDQ
hash of the actually flipped/rotated pixels, not ``compute_dihedral``'s DCT shortcut: PDQ's
downsampling filter is not symmetric, so the shortcut drifts on small images (a mirrored 256 px
photo came out 24-114 bits from the mirror's own hash; the flipped pixels give 0). A bank entry
matched by variant ``mirrored`` means the query is a left-right mirror image of the banked image.

Variants stay on the query side: imported lists (ThreatExchange, HMA) hold hashes, not images,
so the bank side could not compute them, and 8 hashes an entry would make the index 8x bigger.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from winnow.banks.pdqcore import pdq_bits, pdq_floats
from winnow.errors import InputError

__all__ = [
    "HASH_SIDE",
    "PDQ_BYTES",
    "VARIANTS",
    "PdqHash",
    "exact_hashes",
    "forget_variants",
    "hamming",
    "pdq_from_hex",
    "pdq_hash",
    "pdq_to_hex",
    "pdq_variants",
]

HASH_SIDE = 512
"""Images are downscaled to at most this many pixels a side before PDQ hashing."""

PDQ_BYTES = 32

VARIANTS: tuple[str, ...] = (
    "original",
    "rotated90cw",
    "rotated180",
    "rotated90ccw",
    "flipped_vertically",
    "mirrored",
    "transposed",
    "antitransposed",
)
"""What the query is, relative to the banked image, when that variant matches; in
``pdqhash.compute_dihedral``'s order (PDQ's rotate90, rotate180, rotate270, flipx, flipy,
flip+1, flip-1). "mirrored" is a left-right mirror image."""


@dataclass(frozen=True, slots=True)
class PdqHash:
    """One PDQ hash: 32 bytes, the variant it was computed on, and PDQ's quality (0-100)."""

    value: bytes
    quality: int
    variant: str = "original"

    @property
    def hex(self) -> str:
        return self.value.hex()


def pdq_to_hex(value: bytes) -> str:
    return value.hex()


def pdq_from_hex(text: str) -> bytes:
    """Parse 64 hex digits; raises :class:`InputError` saying what is wrong otherwise."""
    cleaned = text.strip().lower()
    if len(cleaned) != 2 * PDQ_BYTES:
        raise InputError(f"a PDQ hash is 64 hex digits; got {len(cleaned)} characters: {text!r}")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise InputError(f"not a PDQ hash (64 hex digits expected): {text!r}") from None


def hamming(a: bytes, b: bytes) -> int:
    return int.from_bytes(a, "big").__xor__(int.from_bytes(b, "big")).bit_count()


def _prepare(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise InputError(f"PDQ needs an RGB image; got an array of shape {pixels.shape}")
    if max(pixels.shape[:2]) <= HASH_SIDE:
        return np.ascontiguousarray(pixels)
    from PIL import Image

    img = Image.fromarray(pixels)
    img.thumbnail((HASH_SIDE, HASH_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(img, dtype=np.uint8)


def _pack(bits: npt.NDArray[Any]) -> bytes:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def pdq_hash(pixels: npt.NDArray[np.uint8]) -> PdqHash:
    """The PDQ hash of an RGB uint8 image (height, width, 3)."""
    value, quality = pdq_bits(_prepare(pixels))
    return PdqHash(value, quality)


def pdq_variants(pixels: npt.NDArray[np.uint8]) -> list[PdqHash]:
    """The PDQ hashes of the 8 rotations/flips of an image, named as in :data:`VARIANTS`.

    Each is the hash of the actually flipped/rotated pixels of the downscaled image, so a
    mirrored copy gives its original's hash exactly. Four PDQ runs (the image and its three
    flips, ~6 ms each at 512 px on one core) give all eight: PDQ treats rows and columns alike,
    so a transposed image's 16x16 DCT is the transpose of the image's, thresholded at the same
    median. On 276 images (real photos, 64-1155 px) that shortcut gave the transposed pixels'
    own hash in 274 cases and was 1-2 bits off (float rounding at the median) in 2.

    Results are cached by the pixels' SHA-1 (the last :data:`_CACHE_SIZE` images), so the
    service's bank detector, a tenant's bank detector and the stored content hashes of one
    image pay for one computation.
    """
    key = _pixels_key(pixels)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return list(cached)
    computed = _compute_variants(pixels)
    with _CACHE_LOCK:
        _CACHE[key] = tuple(computed)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return computed


def forget_variants() -> None:
    """Empty :func:`pdq_variants`' cache (benchmarks measure the computation)."""
    with _CACHE_LOCK:
        _CACHE.clear()


_CACHE_SIZE = 64
_CACHE: OrderedDict[tuple[tuple[int, ...], bytes], tuple[PdqHash, ...]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _pixels_key(pixels: npt.NDArray[np.uint8]) -> tuple[tuple[int, ...], bytes]:
    contiguous = np.ascontiguousarray(pixels)
    return contiguous.shape, hashlib.sha1(contiguous.data, usedforsecurity=False).digest()


_FLIPS: tuple[Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.uint8]], ...] = (
    lambda a: a,
    lambda a: a[::-1],
    lambda a: a[:, ::-1],
    lambda a: a[::-1, ::-1],
)
# VARIANTS index of each flip, and of the transpose of each flip.
_FLIP_VARIANT = (0, 4, 5, 2)
_TRANSPOSED_VARIANT = (6, 3, 1, 7)


def _compute_variants(pixels: npt.NDArray[np.uint8]) -> list[PdqHash]:
    out: list[PdqHash | None] = [None] * len(VARIANTS)
    floats = pdq_floats(_prepare(pixels), _FLIPS)
    for (dct32, quality), plain, transposed in zip(
        floats, _FLIP_VARIANT, _TRANSPOSED_VARIANT, strict=True
    ):
        dct = np.asarray(dct32, dtype=np.float64)
        median = np.median(dct)
        out[plain] = PdqHash(_pack(dct > median), int(quality), VARIANTS[plain])
        out[transposed] = PdqHash(
            _pack(dct.reshape(16, 16).T.reshape(-1) > median), int(quality), VARIANTS[transposed]
        )
    return [h for h in out if h is not None]


def exact_hashes(data: bytes) -> dict[str, str]:
    """MD5 and SHA-256 of a file's bytes, as hex, keyed ``md5`` and ``sha256``."""
    return {
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
