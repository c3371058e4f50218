"""Video and audio files with PyAV (it bundles FFmpeg): probe within limits, stream frames.

:func:`load_media` probes a file (container, streams, duration, size, frame rate) without
decoding it and returns a :class:`~winnow.types.VideoItem` or :class:`~winnow.types.AudioItem`
holding the bytes or the path. :func:`iter_frames` then decodes frames one at a time and yields
only the sampled ones (a fixed rate plus scene changes), scaled down: a video is never held
decoded in memory. Corrupt and truncated files raise :class:`~winnow.errors.DecodeError`, files
over a limit :class:`~winnow.errors.LimitExceededError`, both with a one-line message.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from winnow.errors import DecodeError, LimitExceededError
from winnow.settings import Limits
from winnow.types import AudioItem, ContentRef, MediaInfo, MediaType, VideoItem

if TYPE_CHECKING:
    from av.container import InputContainer

__all__ = [
    "DecodeClock",
    "SampledFrame",
    "iter_frames",
    "load_media",
    "media_error",
    "open_media",
    "probe",
    "work_size",
]

_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class SampledFrame:
    """A frame taken from a video: its time in seconds, why it was taken, and RGB pixels."""

    time: float
    reason: str  # "rate" or "scene"
    pixels: npt.NDArray[np.uint8]


class DecodeClock:
    """Counts wall-clock seconds spent decoding (not in the caller between frames) and fails
    the item once ``limit`` is passed."""

    def __init__(self, limit: float, name: str) -> None:
        self.limit = limit
        self.name = name
        self.spent = 0.0
        self._since = time.perf_counter()

    def resume(self) -> None:
        self._since = time.perf_counter()

    def pause(self) -> None:
        self.spent += time.perf_counter() - self._since
        if self.spent > self.limit:
            raise LimitExceededError(
                f"decoding {self.name} took over {self.limit:g} s "
                "(WINNOW_LIMITS__MAX_DECODE_SECONDS); send a shorter or smaller file"
            )


def media_error(name: str, exc: BaseException, mime: str = "") -> DecodeError:
    what = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    kind = f" {mime}" if mime else ""
    return DecodeError(f"cannot decode {name}: corrupt or truncated{kind} file ({what})")


@contextmanager
def open_media(source: bytes | str, name: str, mime: str = "") -> Iterator[InputContainer]:
    """Open ``source`` (bytes or a path) as an FFmpeg input; errors become :class:`DecodeError`."""
    import av

    try:
        container = av.open(io.BytesIO(source) if isinstance(source, bytes) else source, "r")
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise media_error(name, exc, mime) from None
    try:
        yield container
    finally:
        container.close()


def load_media(
    source: bytes | str, mime: str, limits: Limits, name: str, size: int
) -> VideoItem | AudioItem:
    """Probe ``source`` and return a video item (it has a video stream) or an audio item."""
    if size > limits.max_media_bytes:
        raise LimitExceededError(
            f"{name} is {size:,} bytes, over the limit of {limits.max_media_bytes:,} "
            "(WINNOW_LIMITS__MAX_MEDIA_BYTES)"
        )
    info = probe(source, mime, name)
    if info.duration > limits.max_media_seconds:
        raise LimitExceededError(
            f"{name} lasts {info.duration:,.0f} s, over the limit of {limits.max_media_seconds:,.0f} s"
            " (WINNOW_LIMITS__MAX_MEDIA_SECONDS)"
        )
    if info.width * info.height > limits.max_video_pixels:
        raise LimitExceededError(
            f"{name} is {info.width}x{info.height}, over the limit of {limits.max_video_pixels:,} "
            "pixels a frame (WINNOW_LIMITS__MAX_VIDEO_PIXELS)"
        )
    sha = _sha256(source)
    data = source if isinstance(source, bytes) else None
    path = source if isinstance(source, str) else None
    if info.has_video:
        return VideoItem(ContentRef(sha, MediaType.VIDEO, mime, size), info, data, path)
    if not info.has_audio:
        raise DecodeError(f"cannot decode {name}: {mime} file with no video or audio stream")
    audio_mime = mime.replace("video/", "audio/") if mime.startswith("video/") else mime
    return AudioItem(ContentRef(sha, MediaType.AUDIO, audio_mime, size), info, data, path)


def probe(source: bytes | str, mime: str, name: str) -> MediaInfo:
    """Container, streams, duration, size and frame rate; decodes nothing but headers."""
    with open_media(source, name, mime) as container:
        video = next((s for s in container.streams.video if not _is_cover(s)), None)
        audio = next(iter(container.streams.audio), None)
        duration = _duration(container, video or audio)
        if video is None and audio is None:
            return MediaInfo(duration, container.format.name)
        info: dict[str, Any] = {}
        if video is not None:
            ctx = video.codec_context
            if not ctx.width or not ctx.height:
                raise DecodeError(f"cannot decode {name}: its video stream declares no frame size")
            rate = video.average_rate or video.guessed_rate or video.base_rate
            info.update(width=int(ctx.width), height=int(ctx.height),
                        fps=float(rate) if rate else 0.0, video_codec=ctx.name)  # fmt: skip
        if audio is not None:
            info.update(audio_codec=audio.codec_context.name,
                        sample_rate=int(audio.codec_context.sample_rate or 0))  # fmt: skip
        return MediaInfo(duration, container.format.name, **info)


def _is_cover(stream: Any) -> bool:
    """An MP3's or M4A's cover picture is a one-frame "video" stream: not a video."""
    return bool(stream.disposition & 1024)  # AV_DISPOSITION_ATTACHED_PIC


def _duration(container: Any, stream: Any) -> float:
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return 0.0  # unknown (some WebM live streams): limits are checked while decoding


def _sha256(source: bytes | str) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with Path(source).open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def work_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) scaled so the longer side is at most ``max_side``; even numbers."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def iter_frames(
    item: VideoItem,
    limits: Limits,
    interval: float = 1.0,
    scene_threshold: float | None = 0.3,
    scene_check: float = 0.25,
    max_side: int = 1024,
    fast: bool = True,
) -> Iterator[SampledFrame]:
    """Decode ``item`` frame by frame; yield one frame every ``interval`` seconds (the first
    frame at or after each multiple) and every frame that starts a new scene.

    A scene change is a mean absolute difference of more than ``scene_threshold`` (0-1) between
    32x18 colour thumbnails taken every ``scene_check`` seconds. ``fast`` skips decoding frames
    no other frame refers to (B-frames): samples then land up to a frame or two later.
    """
    name = item.path or item.ref.sha256[:12]
    source: bytes | str = item.data if item.data is not None else (item.path or "")
    clock = DecodeClock(limits.max_decode_seconds, name)
    width, height = work_size(item.info.width, item.info.height, max_side)
    import av

    with open_media(source, name, item.ref.mime) as container:
        stream = next(s for s in container.streams.video if not _is_cover(s))
        stream.thread_type = "AUTO"
        if fast:
            stream.codec_context.skip_frame = "NONREF"
        base = stream.time_base
        origin = float(stream.start_time * base) if stream.start_time and base else 0.0
        next_rate, next_check, last_taken = 0.0, 0.0, -math.inf
        previous: npt.NDArray[np.float32] | None = None
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except (av.FFmpegError, OSError, ValueError) as exc:
                raise media_error(name, exc, item.ref.mime) from None
            if frame.time is None:
                continue
            t = max(0.0, float(frame.time) - origin)
            if t > limits.max_media_seconds:
                raise LimitExceededError(
                    f"{name} runs past {limits.max_media_seconds:,.0f} s "
                    "(WINNOW_LIMITS__MAX_MEDIA_SECONDS)"
                )
            reason = "rate" if t >= next_rate else ""
            if scene_threshold is not None and t >= next_check:
                next_check = t + scene_check
                thumb = frame.to_ndarray(width=32, height=18, format="rgb24").astype(np.float32)
                if (
                    previous is not None
                    and not reason
                    and t - last_taken >= scene_check
                    and float(np.abs(thumb - previous).mean()) / 255.0 > scene_threshold
                ):
                    reason = "scene"
                previous = thumb
            if not reason:
                continue
            pixels: npt.NDArray[np.uint8] = frame.to_ndarray(  # type: ignore[assignment]
                width=width, height=height, format="rgb24"
            )
            if reason == "rate":
                next_rate = (math.floor(t / interval + 1e-9) + 1) * interval
            last_taken = t
            clock.pause()
            yield SampledFrame(round(t, 3), reason, pixels)
            clock.resume()
        clock.pause()
