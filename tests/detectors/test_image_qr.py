from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.conftest import photo_like
from winnow.detectors.image_qr import QrCodes, payload_kind
from winnow.testing import DetectorContract, image_item
from winnow.types import ImageItem

segno = pytest.importorskip("segno")


def qr_on_photo(payload: str, at: tuple[int, int] = (60, 40), scale: int = 4) -> np.ndarray:
    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=scale, border=2)
    code = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    photo = Image.fromarray(photo_like(400, 300, seed=2))
    photo.paste(code, at)
    return np.asarray(photo)


class TestQrCodes(DetectorContract):
    @pytest.fixture
    def detector(self) -> QrCodes:
        return QrCodes()

    @pytest.fixture
    def sample_items(self) -> list[ImageItem]:
        return [image_item(qr_on_photo("https://bit.ly/3xYz")), image_item(photo_like(seed=1))]


def test_link_in_a_qr_code_is_flagged_with_box_and_payload() -> None:
    item = image_item(qr_on_photo("https://cheap-pills.example.com/buy", at=(100, 50)))
    (result,) = QrCodes().detect_batch([item])
    ads = next(s for s in result.signals if s.category == "advertising")
    assert ads.score >= 0.6
    evidence = ads.evidence[0]
    assert evidence.snippet == "https://cheap-pills.example.com/buy"
    assert evidence.locator.kind == "box" and evidence.locator.box is not None
    x0, y0, x1, y1 = evidence.locator.box
    assert 95 <= x0 <= 115 and 45 <= y0 <= 65 and x1 > x0 + 50 and y1 > y0 + 50
    assert "link" in (evidence.detail or "")


def test_boxes_are_in_source_coordinates() -> None:
    pixels = qr_on_photo("https://x.example.com", at=(100, 50))
    item = image_item(pixels)
    scaled = ImageItem(item.ref, pixels, (800, 600))  # work copy at half the source size
    box = QrCodes().detect_batch([scaled])[0].signals[0].evidence[0].locator.box
    assert box is not None and 190 <= box[0] <= 230


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ("WIFI:T:WPA;S:home;P:secret;;", "qr_wifi"),
        ("BEGIN:VCARD\nFN:Ann\nTEL:+14155550199\nEND:VCARD", "qr_contact_card"),
        ("bitcoin:1BoatSLRHtKNngkdXEeobR76b53LETtpyT?amount=1", "qr_payment"),
        ("https://wa.me/14155550199", "qr_messaging"),
        ("https://example.org/menu", "qr_link"),
        ("hello there", "qr_text"),
    ],
)
def test_payload_kinds(payload: str, kind: str) -> None:
    assert payload_kind(payload) == kind


def test_wifi_code_is_not_advertising() -> None:
    (result,) = QrCodes().detect_batch([image_item(qr_on_photo("WIFI:T:WPA;S:cafe;P:pw;;"))])
    assert all(s.score < 0.6 for s in result.signals)
