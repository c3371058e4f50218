"""Identify media by magic bytes, never by file name."""

from __future__ import annotations

from dataclasses import dataclass

from winnow.types import MediaType

__all__ = ["Sniffed", "sniff"]


@dataclass(frozen=True, slots=True)
class Sniffed:
    media_type: MediaType | None  # None: recognised but not a media type winnow moderates
    mime: str


_PREFIXES: tuple[tuple[bytes, Sniffed], ...] = (
    (b"\xff\xd8\xff", Sniffed(MediaType.IMAGE, "image/jpeg")),
    (b"\x89PNG\r\n\x1a\n", Sniffed(MediaType.IMAGE, "image/png")),
    (b"GIF87a", Sniffed(MediaType.IMAGE, "image/gif")),
    (b"GIF89a", Sniffed(MediaType.IMAGE, "image/gif")),
    (b"BM", Sniffed(MediaType.IMAGE, "image/bmp")),
    (b"II*\x00", Sniffed(MediaType.IMAGE, "image/tiff")),
    (b"MM\x00*", Sniffed(MediaType.IMAGE, "image/tiff")),
    (b"\x1aE\xdf\xa3", Sniffed(MediaType.VIDEO, "video/x-matroska")),
    (b"OggS", Sniffed(MediaType.AUDIO, "audio/ogg")),
    (b"fLaC", Sniffed(MediaType.AUDIO, "audio/flac")),
    (b"ID3", Sniffed(MediaType.AUDIO, "audio/mpeg")),
    (b"%PDF-", Sniffed(None, "application/pdf")),
    (b"PK\x03\x04", Sniffed(None, "application/zip")),
    (b"\x7fELF", Sniffed(None, "application/x-executable")),
)

_RIFF = {
    b"WEBP": Sniffed(MediaType.IMAGE, "image/webp"),
    b"WAVE": Sniffed(MediaType.AUDIO, "audio/wav"),
    b"AVI ": Sniffed(MediaType.VIDEO, "video/x-msvideo"),
}

_FTYP_IMAGE = {b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"}
_FTYP_AUDIO = {b"M4A ", b"M4B "}


def sniff(data: bytes) -> Sniffed:
    """Return the media type and MIME type of ``data`` from its first bytes.

    Bytes that are valid UTF-8 without NUL characters are text. Anything else unrecognised is
    ``application/octet-stream`` with no media type.
    """
    head = data[:64]
    for prefix, found in _PREFIXES:
        if head.startswith(prefix):
            return found
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return Sniffed(MediaType.AUDIO, "audio/aiff")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _FTYP_IMAGE:
            return Sniffed(
                MediaType.IMAGE, "image/avif" if brand.startswith(b"avi") else "image/heic"
            )
        if brand in _FTYP_AUDIO:
            return Sniffed(MediaType.AUDIO, "audio/mp4")
        return Sniffed(MediaType.VIDEO, "video/quicktime" if brand == b"qt  " else "video/mp4")
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return Sniffed(MediaType.AUDIO, "audio/mpeg")
    if _looks_like_text(data):
        return Sniffed(MediaType.TEXT, "text/plain")
    return Sniffed(None, "application/octet-stream")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample boundary is still text.
        return exc.start >= len(sample) - 3 and len(data) > len(sample)
    return True
