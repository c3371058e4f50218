"""The sound of an audio or video item as 16 kHz mono float32 samples, streamed and capped.

FFmpeg decodes packet by packet and a resampler turns each frame into 16 kHz mono 16-bit
samples (a quarter of the memory of float32) as it goes; an hour is 115 MB. Sound longer than
``limits.max_audio_seconds`` is refused, never cut short silently.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from winnow.errors import LimitExceededError
from winnow.media.video import DecodeClock, media_error, open_media
from winnow.settings import Limits
from winnow.types import AudioItem, VideoItem

__all__ = ["SAMPLE_RATE", "read_pcm"]

SAMPLE_RATE = 16_000
"""What Whisper and Silero VAD read."""


def read_pcm(item: AudioItem | VideoItem, limits: Limits) -> npt.NDArray[np.float32]:
    """The item's first audio stream as mono float32 in [-1, 1] at :data:`SAMPLE_RATE`;
    an empty array when it has no sound."""
    if not item.info.has_audio:
        return np.zeros(0, dtype=np.float32)
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
    source: bytes | str = item.data if item.data is not None else (item.path or "")
    clock = DecodeClock(limits.max_decode_seconds, name)
    chunks: list[npt.NDArray[np.int16]] = []
    total = 0
    with open_media(source, name, item.ref.mime) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
                    total += chunks[-1].size
                if total > cap:
                    raise LimitExceededError(
                        f"the sound of {name} runs past {limits.max_audio_seconds:,.0f} s "
                        "(WINNOW_LIMITS__MAX_AUDIO_SECONDS)"
                    )
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise media_error(name, exc, item.ref.mime) from None
    clock.pause()
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32) / 32768.0
