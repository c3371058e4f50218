"""Image decoding with limits: bytes and declared pixels are checked before any pixel is decoded."""

from __future__ import annotations

import hashlib
import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from winnow.errors import DecodeError, LimitExceededError, UnsupportedMediaError
from winnow.settings import Limits
from winnow.types import ContentRef, ImageItem, MediaType

__all__ = ["WORK_SIDE", "decode_image"]

WORK_SIDE = 1024
"""Decoded images are scaled so their longer side is at most this; models need far less."""


def decode_image(data: bytes, mime: str, limits: Limits, name: str = "image") -> ImageItem:
    """Decode ``data`` into an RGB :class:`ImageItem` (first frame of animations).

    Refuses files over ``limits.max_image_bytes`` and images declaring more than
    ``limits.max_image_pixels`` (decompression bombs) before decoding pixels.
    """
    if len(data) > limits.max_image_bytes:
        raise LimitExceededError(
            f"{name} is {len(data):,} bytes, over the limit of {limits.max_image_bytes:,}"
        )
    ref = ContentRef(hashlib.sha256(data).hexdigest(), MediaType.IMAGE, mime, len(data))
    with warnings.catch_warnings():
        # Pillow warns (UserWarning) about corrupt EXIF or TIFF tags and goes on: the image is
        # judged by whether it decodes, and hostile files must not flood the log with warnings.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise DecodeError(f"cannot decode {name}: not a readable {mime} file") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise LimitExceededError(
                f"{name} declares too many pixels; refusing it as a possible decompression bomb"
            ) from None
        except (OSError, ValueError) as exc:
            raise DecodeError(f"cannot decode {name}: {exc}") from None
        width, height = img.size
        if width <= 0 or height <= 0:
            raise DecodeError(f"cannot decode {name}: image declares size {width}x{height}")
        if width * height > limits.max_image_pixels:
            raise LimitExceededError(
                f"{name} declares {width}x{height} pixels, over the limit of "
                f"{limits.max_image_pixels:,}; refusing it as a possible decompression bomb"
            )
        try:
            frames = int(getattr(img, "n_frames", 1) or 1)  # TIFF and GIF walk their frames
            pixels = _to_rgb(img)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
            raise DecodeError(f"cannot decode {name}: {exc}") from None
        except Exception as exc:  # Pillow plugins raise assorted errors on hostile input
            if isinstance(exc, (MemoryError, KeyboardInterrupt)):
                raise
            raise UnsupportedMediaError(
                f"cannot decode {name}: {type(exc).__name__}: {exc}"
            ) from None
    return ImageItem(ref, pixels, (width, height), data if frames > 1 else None)


def _to_rgb(img: Image.Image) -> np.ndarray:
    if img.format == "JPEG":
        img.draft("RGB", (WORK_SIDE, WORK_SIDE))  # DCT scaling: decode big JPEGs at a fraction
    img.load()
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    img = img.convert("RGB")
    if max(img.size) > WORK_SIDE:
        img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.uint8)
