from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import SHARED, encode, photo_like
from winnow.detectors.image_ocr import OcrText
from winnow.detectors.text_rules import ContactSpamRules
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.testing import image_item
from winnow.types import Content, ImageItem, Verdict

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(FONT), size) if FONT.is_file() else ImageFont.load_default(size)


def meme(lines: list[tuple[str, tuple[int, int]]], size: int = 40) -> np.ndarray:
    img = Image.fromarray(photo_like(900, 600, seed=5))
    draw = ImageDraw.Draw(img)
    for text, at in lines:
        draw.text(at, text, font=font(size), fill=(255, 255, 255), stroke_width=2,
                  stroke_fill=(0, 0, 0))  # fmt: skip
    return np.asarray(img)


def test_gate_skips_flat_and_smooth_images_without_loading_ocr() -> None:
    ocr = OcrText()
    flat = image_item(np.full((400, 600, 3), 200, np.uint8))
    smooth = image_item(photo_like(600, 400, seed=3))
    assert ocr.extract_batch([flat, smooth]) == [[], []]
    assert ocr.gated_out == 2 and ocr._engines == {}
    assert ocr.wants_ocr(image_item(meme([("Hello there", (50, 50))])))


@pytest.mark.model
def test_lines_become_text_items_with_boxes() -> None:
    pixels = meme([("Add me on WeChat: spam_king88", (40, 60)), ("Best price ever", (40, 400))])
    (derived,) = OcrText().extract_batch([image_item(pixels)])
    texts = [d.item.text for d in derived]  # type: ignore[union-attr]
    assert any("spam_king88" in t for t in texts), texts
    assert all(d.origin.kind == "box" and d.label == "ocr" for d in derived)
    first = derived[0].origin.box
    assert first is not None and first[1] < 120 and first[3] > 60


@pytest.mark.model
def test_check_shows_the_flagged_ocr_span_and_its_box() -> None:
    pixels = meme([("Add me on WeChat: spam_king88", (40, 60))])
    pipe = Pipeline([ContactSpamRules()], default_policy(), extractors=[OcrText()])
    (out,) = pipe.run([Content("meme.png", data=encode(pixels))])
    assert out.decision is not None and out.decision.verdict is Verdict.REVIEW
    hit = out.decision.hits[0]
    assert hit.category == "advertising"
    assert all(e.locator.kind == "box" and e.locator.box is not None for e in hit.evidence)
    handle = next(e for e in hit.evidence if "spam_king88" in (e.snippet or ""))
    assert "ocr chars=" in (handle.detail or "") and "handle" in (handle.detail or "")


def test_boxes_scale_to_source_size() -> None:
    class FakeEngine:
        def __call__(self, img: np.ndarray, use_cls: bool) -> object:
            class Out:
                boxes = np.array([[[10, 20], [110, 20], [110, 40], [10, 40]]], float)
                txts = ("hi",)
                scores = (0.9,)

            return Out()

    ocr = OcrText(min_tiles=0)
    ocr._engines[ocr.max_side] = FakeEngine()
    item = image_item(np.zeros((100, 200, 3), np.uint8))
    scaled = ImageItem(item.ref, item.pixels, (400, 200))
    assert ocr.read(scaled) == [("hi", 0.9, (20, 40, 220, 80))]


@pytest.mark.model
@pytest.mark.data
def test_coarse_detector_stops_busy_photos_and_passes_captions() -> None:
    # Busy real photos pass the stroke gate; the text detector at 480 px finds no region in
    # them, so the full OCR pass (~4x the CPU) is skipped. A caption over the same photo is
    # found and read.
    root = SHARED / "data/media/hash-vectors/pdq/data/reg-test-input"
    busy = [
        np.asarray(Image.open(root / name).convert("RGB").resize((1155, 866)))
        for name in ("labelme-subset/q1050.jpg", "dih/bridge-1-original.jpg")
    ]
    ocr = OcrText()
    items = [image_item(p) for p in busy]
    assert all(ocr.wants_ocr(item) for item in items)
    assert ocr.extract_batch(items) == [[], []]
    assert ocr.gated_out == 2 and ocr.coarse_out == 2
    captioned = Image.fromarray(busy[0])
    ImageDraw.Draw(captioned).text((60, 80), "Call 415 555 0199 now", font=font(40),
                                   fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))  # fmt: skip
    (derived,) = ocr.extract_batch([image_item(np.asarray(captioned))])
    assert any("0199" in d.item.text for d in derived), derived  # type: ignore[union-attr]
    assert ocr.coarse_out == 2
