"""Property tests (hypothesis): any bytes give an item or a typed input error, never another
exception; text normalisation and list matching keep offsets inside the original text."""

from __future__ import annotations

import io
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from winnow.errors import InputError
from winnow.media.load import load_content
from winnow.media.sniff import sniff
from winnow.media.text import decode_text
from winnow.media.video import iter_frames
from winnow.settings import Limits
from winnow.text.lists import TermList, TermMatcher
from winnow.text.normalize import fold, fold_map, squeeze, squeeze_map
from winnow.types import Content, MediaType, VideoItem

LIMITS = Limits(max_image_pixels=4_000_000, max_decode_seconds=5.0, max_media_seconds=60.0)
# WINNOW_FUZZ_EXAMPLES=5000 for a long run (docs/reliability.md); CI runs the default.
EXAMPLES = int(os.environ.get("WINNOW_FUZZ_EXAMPLES", "150"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.arange(48 * 32 * 3, dtype=np.uint8).reshape(32, 48, 3)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.arange(48 * 32 * 3, dtype=np.uint8).reshape(32, 48, 3)).save(buf, "JPEG")
    return buf.getvalue()


MAGICS = [
    b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM", b"II*\x00", b"RIFF\x00\x00\x00\x00WEBP",
    b"RIFF\x00\x00\x00\x00WAVE", b"\x1aE\xdf\xa3", b"\x00\x00\x00\x18ftypisom", b"OggS", b"fLaC",
    b"ID3", b"\xff\xfb", b"%PDF-", b"",
]  # fmt: skip
SEEDS = [_png(), _jpeg()]


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes behind a real magic number, or a real image with bytes flipped or cut."""
    if draw(st.booleans()):
        return draw(st.sampled_from(MAGICS)) + draw(st.binary(max_size=2048))
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))])


@FAST
@given(st.binary(max_size=512))
def test_sniff_never_raises_and_is_decided_by_the_head(data: bytes) -> None:
    found = sniff(data)
    assert found.mime
    if found.media_type not in (MediaType.TEXT, None):
        assert sniff(data[:64] + b"\x00" * 8).mime == found.mime


@FAST
@given(hostile_bytes())
def test_any_bytes_load_as_an_item_or_a_typed_input_error(data: bytes) -> None:
    try:
        item = load_content(Content("x", data=data), LIMITS)
    except InputError as exc:
        assert str(exc)
        return
    if isinstance(item, VideoItem):  # decoding frames must fail as cleanly as probing
        try:
            for _ in zip(range(50), iter_frames(item, LIMITS), strict=False):
                pass
        except InputError:
            pass


@FAST
@given(st.binary(max_size=256))
def test_decode_text_gives_text_or_a_decode_error(data: bytes) -> None:
    try:
        text = decode_text(data, "t")
    except InputError as exc:
        assert "UTF-8" in str(exc)
    else:
        assert text.encode("utf-8") in (data, data[3:])


@FAST
@given(st.text(max_size=200))
def test_maps_point_back_inside_the_text(text: str) -> None:
    for view, mapped in ((fold, fold_map), (squeeze, squeeze_map)):
        out, index = mapped(text)
        assert out == view(text)
        assert len(index) == len(out)
        assert all(0 <= i < len(text) for i in index)
        assert index == sorted(index)


TERMS = ["bad", "evil word", "f.u.c.k", "ß", "斗争", "x"]


@FAST
@given(
    st.lists(
        st.sampled_from([*TERMS, "a", " ", ".", "4", "Б", "\u200b", "é", "ﬀ", "İ"]), max_size=40
    ).map("".join)
    | st.text(max_size=120)
)
def test_list_matches_are_inside_the_text(text: str) -> None:
    matcher = TermMatcher([
        TermList("t", "block", "hate", None, tuple(TERMS), (r"b+a+d", r"\bx\b")),
    ])  # fmt: skip
    for m in matcher.match(text):
        assert 0 <= m.start < m.end <= len(text), (m, text)
