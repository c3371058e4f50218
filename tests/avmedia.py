"""Synthetic video and audio for tests and benchmarks, encoded with PyAV in memory.

Nothing harmful: pictures are gradients and flat shapes; the only "finding" is a QR code with a
link (``advertising`` under the default policy), shown for a chosen time range.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image

Frame = Callable[[int, float], np.ndarray]  # (index, seconds) -> RGB uint8 (height, width, 3)


def scene(seconds: float, width: int = 320, height: int = 240, seed: int = 0) -> np.ndarray:
    """A benign moving picture: a gradient that drifts, with a square crossing it."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    shift = seconds * 8
    img = np.stack(
        [
            100 + 60 * np.sin((x + shift) / (35 + 7 * seed)),
            110 + 50 * np.cos((y - shift) / 45),
            150 - 60 * (x + y) / (width + height),
        ],
        axis=-1,
    )
    side = height // 5
    x0 = int((seconds * 25) % max(1, width - side))
    img[height // 3 : height // 3 + side, x0 : x0 + side] = (200, 80, 40)
    return np.clip(img, 0, 255).astype(np.uint8)


def qr_code(payload: str, scale: int = 4) -> np.ndarray:
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=scale, border=2)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def with_qr_between(
    start: float, end: float, payload: str = "https://cheap-pills.example.com/buy",
    width: int = 320, height: int = 240,
) -> Frame:  # fmt: skip
    """Frames of :func:`scene`, with a QR code pasted while ``start <= t < end``."""
    code = qr_code(payload)

    def frame(index: int, t: float) -> np.ndarray:
        img = scene(t, width, height)
        if start <= t < end:
            img = img.copy()
            img[20 : 20 + code.shape[0], 20 : 20 + code.shape[1]] = code
        return img

    return frame


def encode_video(
    frame: Frame,
    seconds: float,
    fps: int = 10,
    width: int = 320,
    height: int = 240,
    codec: str = "libx264",
    fmt: str = "mp4",
    tone_hz: float | None = None,
    options: dict[str, str] | None = None,
) -> bytes:
    """Encode ``frame(i, t)`` for ``seconds`` at ``fps`` into a ``fmt`` container in memory;
    with ``tone_hz``, a sine soundtrack (AAC or Opus) too."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = options or ({"preset": "ultrafast"} if codec == "libx264" else {})
        audio = None
        if tone_hz is not None:
            audio = container.add_stream("aac" if fmt == "mp4" else "libopus", rate=48000)
        for i in range(int(seconds * fps)):
            video_frame = av.VideoFrame.from_ndarray(frame(i, i / fps), format="rgb24")
            video_frame.pts = i
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if audio is not None and tone_hz is not None:
            _encode_tone(container, audio, seconds, tone_hz)
    return buf.getvalue()


def _encode_tone(container: object, stream: object, seconds: float, hz: float) -> None:
    import av

    rate, chunk = 48000, 1024
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    for k, start in enumerate(range(0, wave.size, chunk)):
        piece = wave[start : start + chunk]
        if piece.size < chunk:
            piece = np.pad(piece, (0, chunk - piece.size))
        frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = k * chunk
        for packet in stream.encode(frame):  # type: ignore[attr-defined]
            container.mux(packet)  # type: ignore[attr-defined]
    for packet in stream.encode():  # type: ignore[attr-defined]
        container.mux(packet)  # type: ignore[attr-defined]


def encode_audio(samples: np.ndarray, rate: int = 16000, fmt: str = "wav") -> bytes:
    """Mono float32 samples in [-1, 1] as a WAV (PCM) or FLAC file in memory."""
    import av

    codec = {"wav": "pcm_s16le", "flac": "flac"}[fmt]
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
        for k, start in enumerate(range(0, pcm.size, 4096)):
            piece = pcm[start : start + 4096]
            frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
            del k
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
