from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.conftest import photo_like
from winnow.detectors.image_frames import ImageFrames
from winnow.detectors.image_qr import QrCodes
from winnow.media.frames import sample_indices
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.types import Content, Verdict

segno = pytest.importorskip("segno")


def animation(n: int = 6, qr_at: int = 3, fmt: str = "GIF") -> bytes:
    frames = [Image.fromarray(photo_like(300, 200, seed=i)) for i in range(n)]
    buf = io.BytesIO()
    segno.make("https://wa.me/14155550199").save(buf, kind="png", scale=4, border=2)
    frames[qr_at].paste(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), (20, 20))
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def test_sampling_spreads_and_caps() -> None:
    assert sample_indices(1, 8) == []
    assert sample_indices(5, 8) == [1, 2, 3, 4]
    assert sample_indices(1000, 4) == [1, 200, 400, 599]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_qr_in_a_later_frame_is_found_at_its_frame(fmt: str) -> None:
    pipe = Pipeline([QrCodes()], default_policy(), extractors=[ImageFrames(max_frames=8)])
    (out,) = pipe.run([Content("anim", data=animation(fmt=fmt))])
    assert out.decision is not None and out.decision.verdict is Verdict.REVIEW
    evidence = out.decision.hits[0].evidence[0]
    assert str(evidence.locator) == "frame=3"
    assert "wa.me" in (evidence.snippet or "")


def test_still_images_yield_no_frames() -> None:
    pipe = Pipeline([QrCodes()], default_policy(), extractors=[ImageFrames()])
    buf = io.BytesIO()
    Image.fromarray(photo_like()).save(buf, format="GIF")
    (out,) = pipe.run([Content("still", data=buf.getvalue())])
    assert out.decision is not None and out.decision.verdict is Verdict.ALLOW


def test_frame_cap_is_kept() -> None:
    extractor = ImageFrames(max_frames=2)
    from winnow.media.image import decode_image
    from winnow.settings import Limits

    item = decode_image(animation(n=6), "image/gif", Limits())
    assert item.data is not None
    (derived,) = extractor.extract_batch([item])
    assert [d.origin.start for d in derived] == [1, 5]
    assert all(isinstance(d.item.pixels, np.ndarray) for d in derived)  # type: ignore[union-attr]
