"""PDQ matching recall on transformed benign images, and false matches among unrelated pairs.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_hash_matching.py

Base images: the distinct real photos in ../shared/data/media/hash-vectors (if present) plus
synthetic pictures (random shapes, and photo-like gradients). Each base image is banked by its
PDQ hash; each transformed copy is queried with the 8 dihedral variants (as ``image.hashes``
does) and counts as found when the best variant is within the default distance 31. False
matches: 10,000 pairs of different base images, same query procedure.
"""

from __future__ import annotations

import io
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont
from tests.conftest import SHARED, photo_like, shapes_image

from winnow.banks.hashing import hamming, pdq_hash, pdq_variants
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


def base_images() -> list[tuple[str, Image.Image]]:
    images: list[tuple[str, Image.Image]] = []
    vectors = SHARED / "data" / "media" / "hash-vectors"
    real = sorted(vectors.glob("pdq/data/reg-test-input/labelme-subset/*.jpg"))
    real += [vectors / "pdq/data/reg-test-input/dih/bridge-1-original.jpg"]
    real += sorted(vectors.glob("python-threatexchange/**/*.jp*g"))
    for path in real:
        item = decode_image(path.read_bytes(), "image/jpeg", Limits(), name=path.name)
        images.append((path.name, Image.fromarray(item.pixels)))
    images += [(f"shapes{s}", Image.fromarray(shapes_image(s, 640, 480))) for s in range(120)]
    images += [(f"photo_like{s}", Image.fromarray(photo_like(640, 480, seed=s))) for s in range(40)]
    return images


def main() -> None:
    t0 = time.perf_counter()
    images = base_images()
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
    groups = {"real": [i for i in usable if not images[i][0].startswith(("shapes", "photo_like"))],
              "shapes": [i for i in usable if images[i][0].startswith("shapes")],
              "photo_like": [i for i in usable if images[i][0].startswith("photo_like")]}  # fmt: skip
    for tname, transform in TRANSFORMS.items():
        found = 0
        misses = []
        by_group = dict.fromkeys(groups, 0)
        for i in usable:
            query = pdq_variants(np.asarray(transform(images[i][1]).convert("RGB")))
            best = min(hamming(banked[i][1].value, q.value) for q in query)
            if best <= DEFAULT_PDQ_THRESHOLD:
                found += 1
                by_group[next(g for g, members in groups.items() if i in members)] += 1
            else:
                misses.append(f"{images[i][0]}:{best}")
        total_found, total = total_found + found, total + len(usable)
        per = "  ".join(f"{g} {by_group[g]}/{len(m)}" for g, m in groups.items())
        print(f"  {tname:<16} recall {found / len(usable):6.1%} ({found}/{len(usable)}; {per})")
    print(f"  {'all transforms':<16} recall {total_found / total:6.1%} ({total_found}/{total})")
    variants = {i: pdq_variants(np.asarray(images[i][1])) for i in usable}
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
        "benchmarks/bench_hash_matching.py"
    )


if __name__ == "__main__":
    main()
