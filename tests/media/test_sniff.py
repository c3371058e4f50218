import pytest

from winnow.media import sniff
from winnow.types import MediaType


@pytest.mark.parametrize(
    ("data", "media", "mime"),
    [
        (b"\xff\xd8\xff\xe0rest", MediaType.IMAGE, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", MediaType.IMAGE, "image/png"),
        (b"GIF89a...", MediaType.IMAGE, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", MediaType.IMAGE, "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", MediaType.AUDIO, "audio/wav"),
        (b"\x00\x00\x00\x18ftypmp42", MediaType.VIDEO, "video/mp4"),
        (b"\x00\x00\x00\x18ftypqt  ", MediaType.VIDEO, "video/quicktime"),
        (b"\x00\x00\x00\x18ftypheic", MediaType.IMAGE, "image/heic"),
        (b"\x1aE\xdf\xa3....", MediaType.VIDEO, "video/x-matroska"),
        (b"ID3\x03", MediaType.AUDIO, "audio/mpeg"),
        ("héllo wörld 你好".encode(), MediaType.TEXT, "text/plain"),
        (b"%PDF-1.7", None, "application/pdf"),
        (b"\x00\x01\x02\xff\xfe", None, "application/octet-stream"),
        (b"hello\x00world", None, "application/octet-stream"),
    ],
)
def test_magic_bytes(data: bytes, media: MediaType | None, mime: str) -> None:
    found = sniff(data)
    assert (found.media_type, found.mime) == (media, mime)


def test_extension_is_irrelevant_text_cut_mid_character_is_still_text() -> None:
    data = ("a" * 4095 + "你" * 10).encode()
    assert sniff(data).media_type is MediaType.TEXT
