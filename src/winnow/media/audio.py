"""The sound of an audio or video item as 16 kHz mono float32 samples, streamed and capped.

FFmpeg decodes packet by packet and a resampler turns each frame into 16 kHz mono 16-bit
samples as it goes; :func:`iter_pcm` hands them on a block (a minute) at a time as float32, so
an hour of sound is never in memory at once. Sound longer than ``limits.max_audio_seconds`` is
refused, never cut short silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from winnow.errors import LimitExceededError
from winnow.media.video import DecodeClock, media_error, open_media
from winnow.settings import Limits
from winnow.types import AudioItem, VideoItem

__all__ = ["SAMPLE_RATE", "iter_pcm", "read_pcm"]

SAMPLE_RATE = 16_000
"""What Whisper and Silero VAD read."""


def read_pcm(item: AudioItem | VideoItem, limits: Limits) -> npt.NDArray[np.float32]:
    """The item's first audio stream as mono float32 in [-1, 1] at :data:`SAMPLE_RATE`;
    an empty array when it has no sound."""
    blocks = list(iter_pcm(item, limits))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


def iter_pcm(
    item: AudioItem | VideoItem, limits: Limits, block_seconds: float = 60.0
) -> Iterator[npt.NDArray[np.float32]]:
    """The item's sound as :func:`read_pcm` gives it, in blocks of ``block_seconds`` (the last
    one shorter): an hour never sits in memory at once."""
    if not item.info.has_audio:
        return
    name = item.path or item.ref.sha256[:12]
    if item.info.duration > limits.max_audio_seconds:
        raise LimitExceededError(
            f"the sound of {name} lasts {item.info.duration:,.0f} s, over the limit of "
            f"{limits.max_audio_seconds:,.0f} s (WINNOW_LIMITS__MAX_AUDIO_SECONDS)"
        )
    import av

    # The probed duration was checked above; decoding may yield a little more (encoder priming
    # and padding: a remuxed 60-minute file decoded to 3600.03 s), which is not what the limit
    # is for. Past 1% more, the probe was wrong and the file is refused.
    cap = int((limits.max_audio_seconds * 1.01 + 1.0) * SAMPLE_RATE)
    block = max(1, int(block_seconds * SAMPLE_RATE))
    source: bytes | str = item.data if item.data is not None else (item.path or "")
    clock = DecodeClock(limits.max_decode_seconds, name)
    pending: list[npt.NDArray[np.int16]] = []
    held = total = 0
    with open_media(source, name, item.ref.mime) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames, None)
                outs = resampler.resample(frame)
            except (av.FFmpegError, OSError, ValueError) as exc:
                raise media_error(name, exc, item.ref.mime) from None
            for out in outs:
                pending.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
                held += pending[-1].size
                total += pending[-1].size
            if total > cap:
                raise LimitExceededError(
                    f"the sound of {name} runs past {limits.max_audio_seconds:,.0f} s "
                    "(WINNOW_LIMITS__MAX_AUDIO_SECONDS)"
                )
            while held >= block or (frame is None and held):
                joined = np.concatenate(pending)
                head, rest = joined[:block], joined[block:]
                pending, held = ([rest], rest.size) if rest.size else ([], 0)
                clock.pause()  # the caller's time with a block is not decoding time
                yield head.astype(np.float32) / 32768.0
                clock.resume()
            if frame is None:
                break
    clock.pause()
