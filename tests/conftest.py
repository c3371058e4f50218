from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Tests never read a developer's winnow.toml or WINNOW_* variables."""
    import os

    for key in list(os.environ):
        if key.startswith("WINNOW_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield


def photo_like(width: int = 320, height: int = 240, seed: int = 0) -> np.ndarray:
    """A benign, photo-like RGB image: gradients, soft shapes and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            120 + 80 * np.sin(x / (30 + 10 * seed)),
            100 + 60 * np.cos(y / 40),
            160 - 60 * (x + y) / (width + height),
        ],
        axis=-1,
    )
    noise = rng.normal(0, 12, size=base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, fmt: str = "PNG", **kwargs: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format=fmt, **kwargs)
    return buf.getvalue()


@pytest.fixture
def benign_png() -> bytes:
    return encode(photo_like())


@pytest.fixture
def benign_jpeg() -> bytes:
    return encode(photo_like(seed=1), "JPEG", quality=90)


def shapes_image(seed: int = 0, width: int = 480, height: int = 360) -> np.ndarray:
    """A benign picture of random flat shapes: PDQ quality ~100 (photo_like is ~50)."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (width, height), tuple(int(c) for c in rng.integers(0, 255, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 40))
        x1 = x0 + int(rng.integers(30, width // 2))
        y1 = y0 + int(rng.integers(30, height // 2))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    return np.asarray(img)
