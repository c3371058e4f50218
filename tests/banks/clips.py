"""Synthetic videos for the vPDQ tests: a new picture every second (PDQ quality ~100),
drifting a little within the second, encoded with PyAV in memory (:mod:`tests.avmedia`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from tests.avmedia import encode_video
from tests.conftest import shapes_image


def picture(second: int, seed: int, width: int, height: int) -> np.ndarray:
    """Random flat shapes (:func:`tests.conftest.shapes_image`), drawn at 480x360 and scaled."""
    img = shapes_image(seed * 100_003 + second)
    return np.asarray(Image.fromarray(img).resize((width, height), Image.Resampling.BILINEAR))


def content(
    seed: int, width: int, height: int, offset: float = 0.0
) -> Callable[[float], np.ndarray]:
    """Frames of "video ``seed``" at content time ``t + offset``."""

    def frame(t: float) -> np.ndarray:
        t += offset
        img = picture(int(t), seed, width, height)
        return np.roll(img, int((t % 1) * width / 40), axis=1)  # a small drift

    return frame


def clip(
    parts: list[tuple[float, Callable[[float], np.ndarray]]],
    fps: int = 30,
    width: int = 320,
    height: int = 240,
    options: dict[str, str] | None = None,
) -> bytes:
    """Encode ``parts`` one after the other: (seconds, frame(t) with t from 0 in that part)."""
    starts = np.cumsum([0.0] + [s for s, _ in parts])

    def frame(i: int, t: float) -> np.ndarray:
        k = min(int(np.searchsorted(starts, t, side="right")) - 1, len(parts) - 1)
        img = parts[k][1](t - starts[k])
        if img.shape[:2] != (height, width):
            img = np.asarray(
                Image.fromarray(img).resize((width, height), Image.Resampling.BILINEAR)
            )
        return img

    opts = options or {"preset": "veryfast", "g": "50"}
    return encode_video(frame, float(starts[-1]), fps=fps, width=width, height=height, options=opts)
