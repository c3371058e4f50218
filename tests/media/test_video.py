"""Probing and streaming video and audio with PyAV, on media the tests encode themselves."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.avmedia import encode_audio, encode_video, scene
from winnow.errors import DecodeError, LimitExceededError
from winnow.media.audio import SAMPLE_RATE, read_pcm
from winnow.media.load import load_content
from winnow.media.video import iter_frames
from winnow.settings import Limits
from winnow.types import AudioItem, Content, MediaType, VideoItem

pytest.importorskip("av")


@pytest.fixture(scope="module")
def clip() -> bytes:
    return encode_video(lambda i, t: scene(t), 4, fps=10, tone_hz=440)


def test_mp4_is_probed_not_decoded(clip: bytes) -> None:
    item = load_content(Content("c", data=clip), Limits())
    assert isinstance(item, VideoItem)
    assert item.media_type is MediaType.VIDEO and item.ref.mime == "video/mp4"
    assert item.ref.sha256 == hashlib.sha256(clip).hexdigest()
    assert (item.info.width, item.info.height) == (320, 240)
    assert item.info.fps == pytest.approx(10)
    assert item.info.duration == pytest.approx(4, abs=0.15)
    assert item.info.video_codec == "h264" and item.info.audio_codec == "aac"


@pytest.mark.parametrize(("codec", "fmt", "mime"), [("libvpx-vp9", "webm", "video/x-matroska"),
                                                    ("mpeg4", "matroska", "video/x-matroska"),
                                                    ("libx264", "mov", "video/quicktime")])  # fmt: skip
def test_other_containers_and_codecs(codec: str, fmt: str, mime: str) -> None:
    data = encode_video(lambda i, t: scene(t), 2, fps=5, codec=codec, fmt=fmt)
    item = load_content(Content("c", data=data), Limits())
    assert isinstance(item, VideoItem) and item.ref.mime == mime
    times = [f.time for f in iter_frames(item, Limits(), scene_threshold=None, fast=False)]
    assert times == [0.0, 1.0]


def test_a_file_path_is_streamed_and_hashed_without_being_kept(clip: bytes, tmp_path: Path) -> None:
    path = tmp_path / "clip.bin"  # the name says nothing: magic bytes decide
    path.write_bytes(clip)
    item = load_content(Content("c", path=str(path)), Limits(max_image_bytes=1000))
    assert isinstance(item, VideoItem) and item.data is None and item.path == str(path)
    assert item.ref.sha256 == hashlib.sha256(clip).hexdigest() and item.ref.size == len(clip)


def test_audio_files_become_audio_items() -> None:
    tone = np.sin(2 * np.pi * 300 * np.arange(SAMPLE_RATE) / SAMPLE_RATE) * 0.2
    for fmt, mime in (("wav", "audio/wav"), ("flac", "audio/flac")):
        item = load_content(Content("a", data=encode_audio(tone, fmt=fmt)), Limits())
        assert isinstance(item, AudioItem) and item.ref.mime == mime
        assert item.info.duration == pytest.approx(1.0, abs=0.05) and not item.info.has_video


@pytest.mark.parametrize("cut", [200, 3000, -5000])
def test_truncated_or_corrupt_video_is_a_clear_decode_error(clip: bytes, cut: int) -> None:
    broken = clip[:cut] if cut > 0 else clip[:cut] + b"\x00" * 100
    with pytest.raises(DecodeError, match=r"cannot decode c\.mp4: corrupt or truncated"):
        item = load_content(Content("c", data=broken, path="c.mp4"), Limits())
        list(iter_frames(item, Limits()))  # type: ignore[arg-type]


def test_limits_on_bytes_duration_and_resolution(clip: bytes) -> None:
    with pytest.raises(LimitExceededError, match="MAX_MEDIA_BYTES"):
        load_content(Content("c", data=clip), Limits(max_media_bytes=1000))
    with pytest.raises(LimitExceededError, match="lasts 4 s, over the limit of 2 s"):
        load_content(Content("c", data=clip), Limits(max_media_seconds=2))
    with pytest.raises(LimitExceededError, match="320x240"):
        load_content(Content("c", data=clip), Limits(max_video_pixels=320 * 200))


def test_decode_time_limit(clip: bytes) -> None:
    item = load_content(Content("c", data=clip), Limits())
    assert isinstance(item, VideoItem)
    with pytest.raises(LimitExceededError, match="MAX_DECODE_SECONDS"):
        list(iter_frames(item, Limits(max_decode_seconds=1e-6)))


def test_frames_at_a_fixed_rate_scaled_down(clip: bytes) -> None:
    item = load_content(Content("c", data=clip), Limits())
    assert isinstance(item, VideoItem)
    frames = list(iter_frames(item, Limits(), interval=0.5, scene_threshold=None, max_side=160))
    assert [f.time for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert {f.pixels.shape for f in frames} == {(120, 160, 3)} and frames[
        0
    ].pixels.dtype == np.uint8
    # The decoded frame looks like what was encoded (lossy, so roughly).
    expected = scene(1.0)[::2, ::2].astype(np.int16)
    assert np.abs(frames[2].pixels.astype(np.int16) - expected).mean() < 12


def test_scene_changes_are_sampled_between_rate_samples() -> None:
    def cut(i: int, t: float) -> np.ndarray:
        return scene(t) if t < 2.3 else np.full((240, 320, 3), (20, 200, 30), np.uint8)

    item = load_content(Content("c", data=encode_video(cut, 4, fps=10)), Limits())
    assert isinstance(item, VideoItem)
    frames = list(iter_frames(item, Limits(), fast=False))
    # Thumbnails are compared every 0.25 s: the cut at 2.3 s is caught at the next check.
    assert [f.reason for f in frames] == ["rate", "rate", "rate", "scene", "rate"]
    assert [f.time for f in frames][:3] == [0.0, 1.0, 2.0] and frames[4].time == 3.0
    assert 2.3 <= frames[3].time <= 2.3 + 0.25 + 0.1
    assert tuple(frames[3].pixels[60, 60]) == pytest.approx((20, 200, 30), abs=12)
    assert [f.time for f in iter_frames(item, Limits(), scene_threshold=None)] == [0, 1, 2, 3]


def test_soundtrack_is_read_as_16khz_mono(clip: bytes) -> None:
    item = load_content(Content("c", data=clip), Limits())
    assert isinstance(item, VideoItem)
    pcm = read_pcm(item, Limits())
    assert pcm.dtype == np.float32 and abs(pcm.size / SAMPLE_RATE - 4) < 0.1
    spectrum = np.abs(np.fft.rfft(pcm[SAMPLE_RATE : 2 * SAMPLE_RATE]))
    assert abs(int(np.argmax(spectrum)) - 440) <= 2  # 1 s window: bins are 1 Hz
    with pytest.raises(LimitExceededError, match="MAX_AUDIO_SECONDS"):
        read_pcm(item, Limits(max_audio_seconds=2))


def test_sound_a_little_longer_than_probed_is_read_far_longer_is_refused(clip: bytes) -> None:
    # Encoder priming and padding make decoded sound run a few ms past the probed duration
    # (a 60-minute file decoded to 3600.03 s): within 1% it is read. A probe that lied by more
    # (here it claims 1 s of a 4 s soundtrack) is caught while decoding.
    item = load_content(Content("c", data=clip), Limits())
    assert isinstance(item, VideoItem)
    decoded = read_pcm(item, Limits()).size / SAMPLE_RATE
    exact = replace(item, info=replace(item.info, duration=decoded - 0.02))
    assert read_pcm(exact, Limits(max_audio_seconds=decoded - 0.02)).size > 0
    lied = replace(item, info=replace(item.info, duration=1.0))
    with pytest.raises(LimitExceededError, match="runs past 2 s"):
        read_pcm(lied, Limits(max_audio_seconds=2))
