"""Frames of animated and multi-frame images (GIF, WebP, APNG, TIFF pages), within limits.

Seeking to frame ``k`` decodes the frames before it, so at most :data:`MAX_SCANNED_FRAMES`
frames are ever walked, and at most ``max_frames`` are sampled, evenly spread over them.
Every frame is composited onto white and scaled like :func:`winnow.media.image.decode_image`.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import numpy.typing as npt
from PIL import Image

from winnow.errors import DecodeError
from winnow.media.image import WORK_SIDE

__all__ = ["MAX_SCANNED_FRAMES", "frame_count", "read_frames", "sample_indices"]

MAX_SCANNED_FRAMES = 600
"""Frames past this index are never decoded (a 10-minute GIF is not read to its end)."""


def sample_indices(count: int, max_frames: int, skip_first: bool = True) -> list[int]:
    """Up to ``max_frames`` frame indices spread evenly over ``count`` frames (first skipped:
    the image item itself is frame 0)."""
    first = 1 if skip_first else 0
    last = min(count, MAX_SCANNED_FRAMES) - 1
    if last < first or max_frames <= 0:
        return []
    n = min(max_frames, last - first + 1)
    return sorted({int(np.rint(v)) for v in np.linspace(first, last, n)})


def frame_count(data: bytes) -> int:
    """How many frames the encoded image declares (1 when it cannot tell)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(getattr(img, "n_frames", 1) or 1)
    except (OSError, ValueError, SyntaxError):
        return 1


def read_frames(
    data: bytes, indices: list[int], name: str = "image"
) -> list[tuple[int, npt.NDArray[np.uint8]]]:
    """Decode the frames at ``indices`` as RGB uint8 arrays (work size), in order."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
            for index in sorted(indices):
                img.seek(index)
                frame = img.convert("RGBA")
                background = Image.new("RGBA", frame.size, (255, 255, 255, 255))
                rgb = Image.alpha_composite(background, frame).convert("RGB")
                if max(rgb.size) > WORK_SIDE:
                    rgb.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR)
                out.append((index, np.asarray(rgb, dtype=np.uint8)))
        except EOFError:
            return out  # fewer frames than declared: keep those read
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
            raise DecodeError(f"cannot decode a frame of {name}: {exc}") from None
    return out
