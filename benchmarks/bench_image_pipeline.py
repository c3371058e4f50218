"""Full image pipeline throughput on 1-megapixel photos, and OCR latency on images with text.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_image_pipeline.py

Pipeline: image.safety + image.opennsfw (classifiers), image.hashes (a bank of 10,000 PDQ
hashes), image.qr, image.ocr (gated) feeding text.rules. Inputs are JPEG bytes decoded by the
pipeline. Photos: the real photos in ../shared/data/media/hash-vectors and photo-like synthetic
images, all resized to 1155x866 (1.0 MP). Text images: captions drawn over those photos.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from tests.conftest import SHARED, encode, photo_like

from winnow.banks import Bank, BankMatcher
from winnow.banks.hashing import forget_variants
from winnow.detectors.image_ocr import OcrText
from winnow.pipeline import Pipeline
from winnow.settings import Settings
from winnow.testing import image_item
from winnow.types import Content

SIZE = (1155, 866)
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CAPTIONS = ["Add me on WeChat: deals_4u88", "Call +1 415 555 0199 for cheap followers",
            "when the code works on the first try", "限时优惠 www.cheap-shop.xyz"]  # fmt: skip


def photos() -> list[np.ndarray]:
    paths = sorted(
        (SHARED / "data/media/hash-vectors/pdq/data").glob("reg-test-input/labelme-subset/*.jpg")
    )
    paths += [SHARED / "data/media/hash-vectors/pdq/data/reg-test-input/dih/bridge-1-original.jpg"]
    out = [np.asarray(Image.open(p).convert("RGB").resize(SIZE)) for p in paths if p.is_file()]
    out += [photo_like(*SIZE, seed=s) for s in range(24 - len(out))]
    return out


def with_caption(pixels: np.ndarray, i: int) -> np.ndarray:
    img = Image.fromarray(pixels)
    font = ImageFont.truetype(str(FONT), 48) if FONT.is_file() else ImageFont.load_default(48)
    ImageDraw.Draw(img).text((40, 60 + 40 * (i % 5)), CAPTIONS[i % len(CAPTIONS)], font=font,
                             fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))  # fmt: skip
    return np.asarray(img)


def main() -> None:
    data_dir = Path(tempfile.mkdtemp())
    matcher = BankMatcher.open(data_dir)
    matcher.store.create_bank(Bank("known", "extremism", "block"))
    rng = np.random.default_rng(0)
    matcher.store.add_entries("known", [("pdq", rng.bytes(32).hex(), "") for _ in range(10_000)])
    matcher.save_index()
    names = [
        "image.safety",
        "image.opennsfw",
        "image.hashes",
        "image.qr",
        "image.ocr",
        "text.rules",
    ]
    pipe = Pipeline.from_settings(Settings(detectors=names, data_dir=data_dir))
    ocr = next(e for e in pipe.extractors if isinstance(e, OcrText))
    imgs = photos()
    contents = [Content(f"p{i}", data=encode(p, "JPEG", quality=90)) for i, p in enumerate(imgs)]
    pipe.run(contents[:2])  # load models (these two are gated out: OCR's is loaded below)
    ocr.engine()
    ocr.gated_out = ocr.coarse_out = 0
    forget_variants()
    start = time.perf_counter()
    outcomes = pipe.run(contents)
    elapsed = time.perf_counter() - start
    errors = [o.error for o in outcomes if o.error]
    print(f"photos: {len(contents)} x 1.0 MP in {elapsed:.1f} s = {len(contents) / elapsed:.1f} "
          f"images/s; OCR gate passed {len(contents) - ocr.gated_out}/{len(contents)} "
          f"(stage 2 stopped {ocr.coarse_out}); "
          f"errors {errors[:2]}")  # fmt: skip
    forget_variants()  # PDQ variants are cached by pixels: measure them again
    ocr.min_tiles = 10**9  # the same run with every photo gated out (classifiers + PDQ + QR)
    start = time.perf_counter()
    pipe.run(contents)
    elapsed = time.perf_counter() - start
    print(f"photos without OCR: {len(contents) / elapsed:.1f} images/s")
    ocr.min_tiles = 1
    texts = [with_caption(p, i) for i, p in enumerate(imgs[:12])]
    items = [image_item(p) for p in texts]
    times, read = [], 0
    for item in items:
        t = time.perf_counter()
        (derived,) = ocr.extract_batch([item])
        times.append((time.perf_counter() - t) * 1000)
        read += bool(derived)
    print(f"OCR on {len(items)} captioned 1-MP images: p50 {np.percentile(times, 50):.0f} ms, "
          f"p90 {np.percentile(times, 90):.0f} ms; text found in {read}/{len(items)}")  # fmt: skip
    print(f"command: PYTHONPATH=. {sys.executable} benchmarks/bench_image_pipeline.py")


if __name__ == "__main__":
    main()
