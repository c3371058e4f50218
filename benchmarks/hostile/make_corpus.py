"""Generate the hostile-input corpus: files and request bodies built to break decoders and parsers.

    python benchmarks/hostile/make_corpus.py OUT_DIR [--full]

Every item is synthetic (noise, gradients, silence; nothing harmful). ``--full`` adds the large
items (a real four-hour silent WAV, 10 MB texts, 30 MB JSON bodies). Each item says what winnow
must do with it: ``error`` (a clear input error: HTTP 4xx or an ``error`` line) or ``any`` (a
decision or a clear input error; polyglots and lying extensions that are still valid media).
``tests/hostile/test_corpus.py`` feeds every item to the pipeline, ``winnow scan`` and the API.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import wave
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

__all__ = ["Body", "File", "build", "write"]

Expect = Literal["error", "any"]


@dataclass(frozen=True)
class File:
    """A file: fed as a path (scan), as bytes (pipeline, API upload)."""

    name: str
    data: bytes
    expect: Expect
    why: str


@dataclass(frozen=True)
class Body:
    """A raw ``POST /v1/moderate`` body (and, as one JSONL line, a ``winnow scan`` input)."""

    name: str
    data: bytes
    content_type: str
    expect: Expect
    why: str


def _image(fmt: str, size: tuple[int, int] = (256, 192), **kw: object) -> bytes:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, fmt, **kw)
    return buf.getvalue()


def _flip(data: bytes, start: int, every: int = 7) -> bytes:
    out = bytearray(data)
    for i in range(start, len(out), every):
        out[i] ^= 0x5A
    return bytes(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_bomb(width: int, height: int) -> bytes:
    """A PNG declaring ``width`` x ``height`` with a few rows of data: a decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * min(width * 3 + 1, 1 << 16) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose SOF header is patched to declare ``width`` x ``height``."""
    data = bytearray(_image("JPEG", (64, 48)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(_image("GIF", (32, 32)))
    data[6:10] = struct.pack("<HH", width, height)
    img = data.find(b"\x2c")  # image descriptor: left, top, width, height
    data[img + 5 : img + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def _video(fmt: str, codec: str, seconds: float = 1.0) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(int(seconds * 10)):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), i * 20 % 256, np.uint8), format="rgb24"
            )
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def _wav_header(rate: int, frames: int, width: int = 1) -> bytes:
    data_size = frames * width
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * width, width, 8 * width)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_size)
        + b"WAVE"
        + _riff_chunk(b"fmt ", fmt)
        + b"data"
        + struct.pack("<I", data_size)
    )


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body


def _silent_wav(rate: int, seconds: float) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(rate * seconds))
    return buf.getvalue()


def files(full: bool = False) -> Iterator[File]:
    jpeg, png = _image("JPEG"), _image("PNG")
    gif, webp = _image("GIF"), _image("WEBP", quality=60)
    for name, data in (("jpeg", jpeg), ("png", png), ("gif", gif), ("webp", webp)):
        yield File(f"truncated-{name}.{name}", data[: len(data) // 3], "error", "cut at a third")
        yield File(f"header-only-{name}.{name}", data[:16], "error", "magic bytes, nothing else")
        yield File(
            f"corrupt-{name}.{name}", _flip(data, len(data) // 4), "any", "scrambled pixel data"
        )
    yield File("corrupt-png-crc.png", png[:40] + b"\x00\x00\x00\x00" + png[44:], "any", "bad CRC")
    yield File("bomb-png-100k.png", _png_bomb(100_000, 100_000), "error", "10^10 pixels declared")
    yield File("bomb-png-wide.png", _png_bomb(2**31 - 1, 1), "error", "2^31 pixels wide")
    yield File("bomb-png-zero.png", _png_bomb(0, 0), "error", "0x0 pixels declared")
    yield File("bomb-jpeg.jpg", _jpeg_declaring(65_000, 65_000), "error", "65000^2 declared")
    yield File("bomb-gif.gif", _gif_declaring(65_535, 65_535), "error", "65535^2 declared")
    # Polyglots: one file, two formats.
    yield File("poly-png-zip.png", png + b"PK\x03\x04" + b"\x00" * 64, "any", "PNG + ZIP tail")
    yield File("poly-gif-js.gif", b"GIF89a=1;alert(1)//" + gif[19:], "any", "GIF/JS")
    yield File("poly-pdf-jpeg.pdf", b"%PDF-1.4\n" + jpeg, "error", "PDF head, JPEG body")
    yield File("poly-html-png.html", b"<html><script>x</script>" + png, "error", "HTML + PNG")
    # Extensions that lie: winnow sniffs the bytes, never the name.
    yield File("lie-png-as.txt", png, "any", "a PNG named .txt")
    yield File("lie-text-as.jpg", b"plain text pretending to be a JPEG\n", "any", "text as .jpg")
    yield File("lie-elf-as.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 120, "error", "ELF as .png")
    yield File("lie-random-as.webp", np.random.default_rng(1).bytes(4096), "error", "noise")
    # Video containers.
    mp4, mkv = _video("mp4", "libx264"), _video("matroska", "libx264")
    yield File("truncated.mp4", mp4[: len(mp4) // 2], "any", "moov may be missing")
    yield File("ftyp-only.mp4", mp4[:32], "error", "an ftyp box and nothing else")
    yield File("garbage.mp4", b"\x00\x00\x00\x18ftypisom" + b"\xde\xad" * 2000, "error", "noise")
    yield File("corrupt.mp4", _flip(mp4, 200, 5), "any", "scrambled boxes")
    yield File("truncated.mkv", mkv[: len(mkv) // 2], "any", "cut in the middle")
    yield File("ebml-only.mkv", mkv[:40], "error", "an EBML header only")
    yield File("garbage.mkv", b"\x1aE\xdf\xa3" + b"\xff" * 4000, "error", "EBML magic + noise")
    # Empty and text.
    yield File("empty.jpg", b"", "error", "zero bytes")
    yield File("invalid-utf8.txt", b"hello \xff\xfe\xfd world " * 50, "error", "not UTF-8")
    yield File("utf8-nul.txt", b"text with a NUL \x00 in it", "error", "NUL byte")
    yield File("overlong-utf8.txt", b"\xc0\xaf\xe0\x80\xaf etc/passwd", "error", "overlong UTF-8")
    yield File("big-text.txt", b"spam " * 100_000, "error", "500 kB: over max_text_chars")
    # Audio: a header declaring five hours, and (full) a real four-hour silent WAV.
    yield File("declared-5h.wav", _wav_header(8000, 8000 * 5 * 3600) + b"\x80" * 8000, "any",
               "header declares 5 h; FFmpeg measures the real 1 s")  # fmt: skip
    yield File("silent-2s.wav", _silent_wav(8000, 2.0), "any", "two seconds of silence")
    yield File("wav-header-only.wav", _wav_header(8000, 0)[:20], "error", "RIFF/WAVE, no data")
    if full:
        yield File("silent-4h1m.wav", _silent_wav(1000, 4 * 3600 + 60), "error", "4 h 1 min")
        yield File("big-text-10mb.txt", b"a" * 10 * 1024 * 1024, "error", "10 MB of text")


def bodies(full: bool = False) -> Iterator[Body]:
    j = "application/json"
    deep = 100_000
    yield Body("deep-json", b'{"text": ' + b"[" * deep + b"]" * deep + b"}", j, "error",
               "100,000 nested arrays")  # fmt: skip
    yield Body("deep-json-objects", b'{"a":' * deep + b"1" + b"}" * deep, j, "error", "nested")
    yield Body("many-keys", json.dumps({f"k{i}": i for i in range(100_000)}).encode(), j, "error",
               "100,000 keys")  # fmt: skip
    yield Body("lone-surrogate", b'{"text": "a \\ud800 b"}', j, "any", "lone UTF-16 surrogate")
    yield Body("invalid-utf8-json", b'{"text": "\xff\xfe"}', j, "error", "JSON with bad UTF-8")
    yield Body("nul-text", b'{"text": "a\\u0000b"}', j, "any", "NUL in a JSON string")
    yield Body("text-too-long", json.dumps({"text": "x" * 200_000}).encode(), j, "error",
               "200,000 chars")  # fmt: skip
    yield Body("number-bomb", b'{"text": "a", "id": ' + b"9" * 100_000 + b"}", j, "error",
               "a 100,000-digit number")  # fmt: skip
    yield Body("empty-body", b"", j, "error", "no body")
    yield Body("json-null", b"null", j, "error", "JSON null")
    if full:
        yield Body("text-10mb", json.dumps({"text": "a" * 10 * 1024 * 1024}).encode(), j,
                   "error", "10 MB text")  # fmt: skip
        yield Body("huge-json-30mb", b'{"text": "a", "pad": [' + b"0," * 15_000_000 + b"0]}", j,
                   "error", "30 MB of JSON")  # fmt: skip


def build(full: bool = False) -> tuple[list[File], list[Body]]:
    return list(files(full)), list(bodies(full))


def write(out: Path, full: bool = False) -> tuple[list[File], list[Body]]:
    """Write every file under ``out`` and an ``index.json`` naming each item and its expectation."""
    out.mkdir(parents=True, exist_ok=True)
    fs, bs = build(full)
    for f in fs:
        (out / f.name).write_bytes(f.data)
    for b in bs:
        (out / f"{b.name}.body").write_bytes(b.data)
    index = [{"name": f.name, "expect": f.expect, "why": f.why} for f in fs]
    index += [{"name": f"{b.name}.body", "expect": b.expect, "why": b.why} for b in bs]
    (out / "index.json").write_text(json.dumps(index, indent=1))
    return fs, bs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--full", action="store_true", help="add the large items")
    args = parser.parse_args()
    fs, bs = write(args.out, args.full)
    print(f"wrote {len(fs)} files and {len(bs)} request bodies to {args.out}")


if __name__ == "__main__":
    main()
