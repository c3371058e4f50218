"""PDQ matching recall on transformed benign images, and false matches among unrelated pairs.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_hash_matching.py [--dct] [--noise]

Base images: the distinct real photos in ../shared/data/media/hash-vectors (if present) plus
synthetic pictures: random flat shapes, and photo-like scenes (:func:`scene`: smooth light, a
horizon, hills, buildings, trees and things drawn with Pillow at several scales, blurred a little,
faint sensor noise). Each base image is banked by its PDQ hash; each transformed copy is queried
with the 8 dihedral variants (as ``image.hashes`` does) and counts as found when the best variant
is within the default distance 31. False matches: 10,000 pairs of different base images, same
query procedure.

``--dct`` queries with ``pdqhash.compute_dihedral``'s DCT variants (the first implementation)
instead of :func:`winnow.banks.hashing.pdq_variants`, for comparison. ``--noise`` adds the old
"photo-like" test pictures (``tests.conftest.photo_like``: sine gradients under per-pixel noise
of sigma 12). They sit at PDQ quality 50-53: the DCT of a 64x64 view of them is mostly that
noise, so a JPEG pass or a 50% resize redraws most of their 256 bits. No photograph looks like
that; they measure the noise, not the matcher, and were replaced by ``scene``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont
from tests.conftest import SHARED, photo_like, shapes_image

from winnow.banks.hashing import VARIANTS, PdqHash, _prepare, hamming, pdq_hash, pdq_variants
from winnow.banks.matcher import MIN_QUALITY
from winnow.banks.model import DEFAULT_PDQ_THRESHOLD
from winnow.media.image import decode_image
from winnow.settings import Limits

Transform = Callable[[Image.Image], Image.Image]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def overlay(img: Image.Image) -> Image.Image:
    out = img.copy()
    size = max(12, img.height // 20)
    font = ImageFont.truetype(str(FONT), size) if FONT.is_file() else ImageFont.load_default(size)
    ImageDraw.Draw(out).text((img.width // 20, img.height - 2 * size), "@funny_memes_4u",
                             font=font, fill=(255, 255, 255), stroke_width=1, stroke_fill=(0, 0, 0))  # fmt: skip
    return out


TRANSFORMS: dict[str, Transform] = {
    "resize 50%": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.BILINEAR),
    "jpeg q30": lambda im: jpeg(im, 30),
    "brightness +30%": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "rotate 90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "overlay text": overlay,
}


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 255) -> tuple[int, int, int]:
    r, g, b = (int(c) for c in rng.integers(lo, hi, 3))
    return r, g, b


def scene(seed: int, width: int = 640, height: int = 480) -> np.ndarray:
    """A photo-like picture: smooth light, a horizon, hills, buildings, trees and things drawn
    at several scales, then blurred a little and given faint sensor noise."""
    rng = np.random.default_rng(seed)
    big_w, big_h = width * 2, height * 2  # drawn at 2x and downscaled: antialiased edges
    horizon = int(big_h * rng.uniform(0.25, 0.75))
    y = np.linspace(0, 1, big_h, dtype=np.float32)[:, None, None]
    top, mid, low = (np.array(_colour(rng), np.float32) for _ in range(3))
    sky = top * (1 - y) + mid * y
    sky = np.broadcast_to(sky, (big_h, big_w, 3))
    img = Image.fromarray(sky.astype(np.uint8))
    draw = ImageDraw.Draw(img)
    if rng.random() < 0.6:  # sun or moon
        r = int(big_w * rng.uniform(0.03, 0.1))
        cx, cy = int(rng.integers(r, big_w - r)), int(rng.integers(r, max(r + 1, horizon)))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_colour(rng, 150))
    for _ in range(int(rng.integers(1, 4))):  # hills / mountains
        xs = np.linspace(0, big_w, int(rng.integers(4, 12)))
        ys = horizon - rng.uniform(0, big_h * 0.35, len(xs))
        draw.polygon(
            [(0, big_h), *zip(xs.tolist(), ys.tolist(), strict=True), (big_w, big_h)],
            fill=_colour(rng),
        )
    ground = Image.new("RGB", (big_w, big_h - horizon), tuple(int(c) for c in low))
    gy = np.linspace(0, 1, big_h - horizon, dtype=np.float32)[:, None, None]
    shade = (np.asarray(ground, np.float32) * (0.7 + 0.5 * gy)).clip(0, 255).astype(np.uint8)
    img.paste(Image.fromarray(shade), (0, horizon))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(4, 25))):  # objects at several scales, far ones small
        scale = rng.uniform(0.02, 0.4)
        w, h = int(big_w * scale), int(big_w * scale * rng.uniform(0.5, 2.0))
        x0 = int(rng.integers(-w // 2, big_w))
        y1 = int(horizon + (big_h - horizon) * rng.uniform(0, 1) * min(1.0, scale * 4))
        box = (x0, y1 - h, x0 + w, y1)
        kind = rng.integers(0, 4)
        if kind == 0:  # building with windows
            draw.rectangle(box, fill=_colour(rng), outline=_colour(rng, 0, 80), width=2)
            win = _colour(rng, 120)
            for wx in range(box[0] + w // 8, box[2] - w // 8, max(4, w // 4)):
                for wy in range(box[1] + h // 8, box[3] - h // 8, max(4, h // 5)):
                    draw.rectangle((wx, wy, wx + max(2, w // 10), wy + max(2, h // 12)), fill=win)
        elif kind == 1:  # tree
            tw = max(2, w // 6)
            draw.rectangle(
                (x0 + w // 2 - tw // 2, y1 - h // 2, x0 + w // 2 + tw // 2, y1),
                fill=_colour(rng, 40, 120),
            )
            draw.ellipse((x0, y1 - h, x0 + w, y1 - h // 3), fill=_colour(rng, 0, 160))
        elif kind == 2:  # round thing
            draw.ellipse(box, fill=_colour(rng), outline=_colour(rng), width=3)
        else:  # a rock or a roof
            pts = [(x0 + w * float(a), y1 - h * float(b)) for a, b in rng.uniform(0, 1, (5, 2))]
            draw.polygon(pts, fill=_colour(rng))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    img = img.resize((width, height), Image.Resampling.LANCZOS)
    light = np.linspace(rng.uniform(0.8, 1.1), rng.uniform(0.8, 1.1), width, dtype=np.float32)
    noise = rng.normal(0, 3, (height, width, 3))
    out = np.asarray(img, np.float32) * light[None, :, None] + noise
    return np.clip(out, 0, 255).astype(np.uint8)


def dct_variants(pixels: np.ndarray) -> list[PdqHash]:
    """The first implementation: ``pdqhash.compute_dihedral``'s DCT variants."""
    import pdqhash

    hashes, quality = pdqhash.compute_dihedral(_prepare(pixels))
    return [
        PdqHash(np.packbits(np.asarray(bits, np.uint8)).tobytes(), int(quality), v)
        for bits, v in zip(hashes, VARIANTS, strict=True)
    ]


def base_images(noise: bool) -> list[tuple[str, Image.Image]]:
    images: list[tuple[str, Image.Image]] = []
    vectors = SHARED / "data" / "media" / "hash-vectors"
    real = sorted(vectors.glob("pdq/data/reg-test-input/labelme-subset/*.jpg"))
    real += [vectors / "pdq/data/reg-test-input/dih/bridge-1-original.jpg"]
    real += sorted(vectors.glob("python-threatexchange/**/*.jp*g"))
    for path in real:
        item = decode_image(path.read_bytes(), "image/jpeg", Limits(), name=path.name)
        images.append((path.name, Image.fromarray(item.pixels)))
    images += [(f"shapes{s}", Image.fromarray(shapes_image(s, 640, 480))) for s in range(120)]
    images += [(f"scene{s}", Image.fromarray(scene(s))) for s in range(80)]
    if noise:
        images += [(f"noise{s}", Image.fromarray(photo_like(640, 480, seed=s))) for s in range(40)]
    return images


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--dct", action="store_true", help="query with compute_dihedral's DCT variants"
    )
    parser.add_argument("--noise", action="store_true", help="add the old noise pictures")
    args = parser.parse_args()
    variants_of = dct_variants if args.dct else pdq_variants
    t0 = time.perf_counter()
    images = base_images(args.noise)
    banked = [(name, pdq_hash(np.asarray(img))) for name, img in images]
    usable: list[int] = []
    for i, (_, h) in enumerate(banked):  # quality floor; drop copies of the same picture
        if h.quality >= MIN_QUALITY and all(
            hamming(h.value, banked[j][1].value) > DEFAULT_PDQ_THRESHOLD for j in usable
        ):
            usable.append(i)
    print(
        f"{len(images)} base images, {len(usable)} distinct with PDQ quality >= {MIN_QUALITY} (banked)"
    )
    total_found = total = 0
    synthetic = ("shapes", "scene", "noise")
    groups = {"real": [i for i in usable if not images[i][0].startswith(synthetic)]}
    groups |= {g: [i for i in usable if images[i][0].startswith(g)] for g in synthetic}
    groups = {g: members for g, members in groups.items() if members}
    for tname, transform in TRANSFORMS.items():
        found = 0
        misses: list[str] = []
        worst = 0
        by_group = dict.fromkeys(groups, 0)
        for i in usable:
            query = variants_of(np.asarray(transform(images[i][1]).convert("RGB")))
            best = min(hamming(banked[i][1].value, q.value) for q in query)
            if best <= DEFAULT_PDQ_THRESHOLD:
                found += 1
                worst = max(worst, best)
                by_group[next(g for g, members in groups.items() if i in members)] += 1
            else:
                misses.append(f"{images[i][0]}:{best}")
        total_found, total = total_found + found, total + len(usable)
        per = "  ".join(f"{g} {by_group[g]}/{len(m)}" for g, m in groups.items())
        print(f"  {tname:<16} recall {found / len(usable):6.1%} ({found}/{len(usable)}; {per}; "
              f"worst found {worst})" + (f" misses {' '.join(misses[:6])}" if misses else ""))  # fmt: skip
    print(f"  {'all transforms':<16} recall {total_found / total:6.1%} ({total_found}/{total})")
    variants = {i: variants_of(np.asarray(images[i][1])) for i in usable}
    pairs = list(itertools.combinations(usable, 2))
    rng = np.random.default_rng(0)
    chosen = [pairs[k] for k in rng.choice(len(pairs), min(10_000, len(pairs)), replace=False)]
    false = 0
    closest = 256
    for a, b in chosen:
        d = min(hamming(banked[a][1].value, q.value) for q in variants[b])
        closest = min(closest, d)
        false += d <= DEFAULT_PDQ_THRESHOLD
        if d <= DEFAULT_PDQ_THRESHOLD:
            print(f"    false match: {images[a][0]} ~ {images[b][0]} at {d}")
    print(f"  unrelated pairs {len(chosen)}: false matches {false}, closest distance {closest}")
    print(
        f"({time.perf_counter() - t0:.0f} s) command: PYTHONPATH=. {sys.executable} "
        "benchmarks/bench_hash_matching.py" + " --dct" * args.dct + " --noise" * args.noise
    )


if __name__ == "__main__":
    main()
