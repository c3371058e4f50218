"""``video.frames`` through the pipeline: frames moderated by image detectors, streamed in
batches, findings lifted at their time and merged into segments; JSON and terminal output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from tests.avmedia import encode_video, scene, with_qr_between
from winnow.detectors.base import Detector
from winnow.detectors.image_qr import QrCodes
from winnow.detectors.video_frames import VideoFrames
from winnow.errors import ConfigError
from winnow.pipeline import Pipeline
from winnow.policy import load_policy
from winnow.serialize import outcome_to_json
from winnow.settings import Settings
from winnow.types import (
    Content,
    DetectorResult,
    Evidence,
    ImageItem,
    Item,
    Locator,
    MediaType,
    Signal,
    Verdict,
)

pytest.importorskip("av")
pytest.importorskip("segno")


@pytest.fixture(scope="module")
def qr_clip() -> bytes:
    """10 s at 10 fps; a QR code with a link is on screen from 3.0 s to just before 6.0 s."""
    return encode_video(with_qr_between(3.0, 6.0), 10, fps=10)


class RedSquares(Detector):
    """Scores ``violence/graphic`` by how red a frame is; records the batches it saw."""

    name: ClassVar[str] = "test.red"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = ("violence/graphic",)

    def __init__(self) -> None:
        self.batches: list[int] = []

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.batches.append(len(items))
        out = []
        for item in items:
            assert isinstance(item, ImageItem)
            red = float((item.pixels[..., 0] > 200).mean() * (item.pixels[..., 1] < 60).mean())
            evidence = (Evidence(Locator.whole(), None, f"red {red:.2f}"),)
            out.append(self.result([Signal("violence/graphic", min(1.0, red), evidence)]))
        return out


def test_qr_code_on_screen_from_3_to_6_seconds_is_one_segment(qr_clip: bytes) -> None:
    pipeline = Pipeline([QrCodes()], load_policy(None), extractors=[VideoFrames()])
    outcome = pipeline.check(Content("clip", data=qr_clip))
    assert outcome.decision is not None, outcome.error
    decision = outcome.decision
    assert decision.verdict is Verdict.REVIEW and decision.ref.media_type is MediaType.VIDEO
    (segment,) = decision.segments
    assert (segment.category, segment.start, segment.end) == ("advertising", 3.0, 5.0)
    assert segment.source == "frame" and segment.detector == "image.qr"
    assert segment.detail == "https://cheap-pills.example.com/buy"
    (hit,) = decision.hits
    assert {e.locator.kind for e in hit.evidence} == {"time"}
    assert "frame box=" in (hit.evidence[0].detail or "")
    line = outcome_to_json(outcome)
    assert line["segments"] == [{
        "category": "advertising", "start": 3.0, "end": 5.0, "duration": 2.0,
        "score": segment.score, "peak_at": segment.peak_at, "source": "frame",
        "detector": "image.qr", "action": "review",
        "detail": "https://cheap-pills.example.com/buy",
    }]  # fmt: skip
    assert line["media_type"] == "video" and json.dumps(line)


def test_text_and_image_lines_keep_their_keys(qr_clip: bytes) -> None:
    pipeline = Pipeline([QrCodes()], load_policy(None), extractors=[VideoFrames()])
    line = outcome_to_json(pipeline.check(Content("t", text="hello")))
    assert "segments" not in line


def test_frames_are_streamed_in_batches_and_every_sample_is_seen() -> None:
    def red_between(i: int, t: float) -> np.ndarray:
        img = scene(t)
        if 2.0 <= t < 4.0 or 6.0 <= t < 7.0:
            img[:, :, :] = (230, 20, 20)
        return img

    data = encode_video(red_between, 9, fps=5)
    red = RedSquares()
    pipeline = Pipeline([red], load_policy(None), batch_size=3,
                        extractors=[VideoFrames(scene=None)])  # fmt: skip
    decision = pipeline.check(Content("v", data=data)).decision
    assert decision is not None
    assert max(red.batches) <= 3 and sum(red.batches) == 9  # 1 fps over 9 s, 3 at a time
    assert [(s.start, s.end, s.action) for s in decision.segments] == [
        (2.0, 3.0, Verdict.BLOCK), (6.0, 6.0, Verdict.BLOCK)
    ]  # fmt: skip
    assert decision.segments[0].detail == "frame whole: red 1.00"


def test_a_corrupt_video_fails_alone() -> None:
    good = encode_video(lambda i, t: scene(t), 2, fps=5)
    bad = good[: len(good) // 2]
    pipeline = Pipeline([RedSquares()], load_policy(None), extractors=[VideoFrames()])
    first, second = pipeline.run([Content("bad", data=bad), Content("good", data=good)])
    assert first.error is not None and "cannot decode" in str(first.error)
    assert second.decision is not None and second.decision.segments == ()


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="fps"):
        VideoFrames(fps=0)
    with pytest.raises(ConfigError, match="scene"):
        VideoFrames(scene=1.5)
    options = {"video.frames": {"fps": 2, "scene": None, "max_side": 320}}
    built = VideoFrames.from_settings(Settings(detector_options=options))
    assert (built.fps, built.scene, built.max_side) == (2.0, None, 320)


def test_winnow_check_prints_segments(qr_clip: bytes, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(qr_clip)
    env = {**os.environ, "WINNOW_DETECTORS": '["video.frames", "image.qr"]'}
    out = subprocess.run([sys.executable, "-m", "winnow", "check", str(path)],
                         capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert "00:03–00:05 advertising 0.77 (frame at 00:03)" in out.stdout
    assert "t=3.0-3.0s" in out.stdout
