import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import encode, photo_like
from winnow.errors import DecodeError, InputError, LimitExceededError, UnsupportedMediaError
from winnow.media import load_content
from winnow.media.image import WORK_SIDE
from winnow.settings import Limits
from winnow.types import Content, ImageItem, MediaType, TextItem

LIMITS = Limits()


def test_text_content() -> None:
    item = load_content(Content("a", text="hello"), LIMITS)
    assert isinstance(item, TextItem)
    assert item.ref.media_type is MediaType.TEXT
    assert item.ref.size == 5
    assert len(item.ref.sha256) == 64


def test_text_limit() -> None:
    with pytest.raises(LimitExceededError, match="over the limit of 10"):
        load_content(Content("a", text="x" * 11), Limits(max_text_chars=10))


def test_text_file_by_magic_not_name(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_text("just words", encoding="utf-8")
    item = load_content(Content("a", path=str(path)), LIMITS)
    assert isinstance(item, TextItem) and item.text == "just words"


def test_image_with_lying_extension(tmp_path: Path, benign_png: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(benign_png)
    item = load_content(Content("a", path=str(path)), LIMITS)
    assert isinstance(item, ImageItem)
    assert item.ref.mime == "image/png"
    assert item.pixels.shape == (240, 320, 3)
    assert item.source_size == (320, 240)


def test_large_image_gets_a_work_copy(benign_jpeg: bytes) -> None:
    big = encode(photo_like(2400, 1600), "JPEG", quality=80)
    item = load_content(Content("a", data=big), LIMITS)
    assert isinstance(item, ImageItem)
    assert max(item.pixels.shape[:2]) <= WORK_SIDE
    assert item.source_size == (2400, 1600)


def test_rgba_is_composited_on_white() -> None:
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)  # fully transparent black
    item = load_content(Content("a", data=encode(rgba)), LIMITS)
    assert isinstance(item, ImageItem)
    assert item.pixels.min() == 255


def test_truncated_jpeg(benign_jpeg: bytes) -> None:
    with pytest.raises(DecodeError, match="cannot decode"):
        load_content(Content("bad", data=benign_jpeg[: len(benign_jpeg) // 2]), LIMITS)


def test_garbage_after_magic() -> None:
    with pytest.raises(DecodeError):
        load_content(Content("bad", data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), LIMITS)


def test_decompression_bomb_refused_before_decoding() -> None:
    img = Image.new("1", (20000, 20000))  # ~50 KB as PNG, 400 megapixels declared
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    data = buf.getvalue()
    with pytest.raises(LimitExceededError, match="decompression bomb"):
        load_content(Content("bomb", data=data), LIMITS)


def test_image_bytes_limit(benign_png: bytes) -> None:
    with pytest.raises(LimitExceededError, match="bytes"):
        load_content(Content("a", data=benign_png), Limits(max_image_bytes=100))


def test_invalid_utf8() -> None:
    with pytest.raises(DecodeError, match="invalid UTF-8 at byte"):
        from winnow.media.text import decode_text

        decode_text(b"ok \xff\xfe", "x")


def test_empty_missing_dir_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        load_content(Content("a", data=b""), LIMITS)
    with pytest.raises(InputError, match="no such file"):
        load_content(Content("a", path=str(tmp_path / "nope")), LIMITS)
    with pytest.raises(InputError, match="directory"):
        load_content(Content("a", path=str(tmp_path)), LIMITS)
    with pytest.raises(UnsupportedMediaError, match="application/pdf"):
        load_content(Content("a", data=b"%PDF-1.4 ..."), LIMITS)
    with pytest.raises(DecodeError, match="corrupt or truncated video/mp4"):
        load_content(Content("a", data=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20), LIMITS)
    with pytest.raises(InputError, match="no text, data or path"):
        load_content(Content("a"), LIMITS)
