from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.banks.clips import clip, content
from winnow.banks import Bank
from winnow.banks.storage import SqliteBankStore
from winnow.banks.video_matcher import VideoMatcher
from winnow.banks.vpdq import hash_video
from winnow.detectors.video_hashes import VideoHashes
from winnow.media.load import load_content
from winnow.pipeline import Pipeline
from winnow.policy import load_policy
from winnow.settings import Limits, Settings
from winnow.testing import DetectorContract
from winnow.types import Content, Locator, Verdict, VideoItem


@pytest.fixture(scope="module")
def banked() -> bytes:
    return clip([(6, content(3, 320, 240))])


@pytest.fixture(scope="module")
def padded() -> bytes:
    """3 s of another video, then the banked one resized and re-encoded at 25 fps."""
    return clip([(3, content(2, 400, 300)), (6, content(3, 400, 300))], fps=25, width=400,
                height=300, options={"preset": "veryfast", "crf": "30"})  # fmt: skip


def _video(data: bytes) -> VideoItem:
    item = load_content(Content("v", data=data), Limits())
    assert isinstance(item, VideoItem)
    return item


def _matcher(tmp_path: Path, banked: bytes) -> VideoMatcher:
    store = SqliteBankStore.open(tmp_path)
    store.create_bank(Bank("known", "violence/graphic", "block"))
    store.add_video("known", list(hash_video(banked)), "te:9")
    return VideoMatcher(store)


class TestVideoHashes(DetectorContract):
    @pytest.fixture
    def detector(self, tmp_path: Path, banked: bytes) -> VideoHashes:
        return VideoHashes(tmp_path, matcher=_matcher(tmp_path, banked))

    @pytest.fixture
    def sample_items(self, padded: bytes) -> list[VideoItem]:
        return [_video(padded), _video(clip([(3, content(5, 320, 240))]))]


def test_match_is_a_signal_located_at_the_matched_time(tmp_path: Path, banked: bytes,
                                                        padded: bytes) -> None:  # fmt: skip
    det = VideoHashes(tmp_path, matcher=_matcher(tmp_path, banked))
    hit, miss = det.detect_batch([_video(padded), _video(clip([(4, content(6, 320, 240))]))])
    (signal,) = hit.signals
    assert signal.category == "violence/graphic" and signal.action is Verdict.BLOCK
    assert signal.score == 1.0  # all of the banked video is in the query
    (evidence,) = signal.evidence
    assert evidence.locator == Locator("time", start=3.0, end=9.0)
    assert "bank known video entry 1 (te:9)" in (evidence.detail or "")
    assert "67% of the query's frames" in (evidence.detail or "")
    assert hit.info["vpdq_frames"] == "9"
    assert miss.signals == ()


def test_the_pipeline_turns_the_match_into_a_segment(tmp_path: Path, banked: bytes,
                                                     padded: bytes) -> None:  # fmt: skip
    det = VideoHashes(tmp_path, matcher=_matcher(tmp_path, banked))
    (outcome,) = Pipeline([det], load_policy(None)).run([Content("p", data=padded)])
    assert outcome.decision is not None, outcome.error
    assert outcome.decision.verdict is Verdict.BLOCK
    (segment,) = outcome.decision.segments
    assert (segment.start, segment.end, segment.category) == (3.0, 9.0, "violence/graphic")


def test_no_bank_or_no_video_entry_costs_nothing(tmp_path: Path) -> None:
    det = VideoHashes(tmp_path / "data")
    item = _video(clip([(1, content(1, 64, 48))]))
    assert det.detect_batch([item])[0].signals == ()
    assert not (tmp_path / "data").exists()
    store = SqliteBankStore.open(tmp_path / "data")
    store.create_bank(Bank("images", "spam"))
    result = VideoHashes(tmp_path / "data").detect_batch([item])[0]
    assert result.signals == () and "vpdq_frames" not in result.info  # not even decoded


def test_options_come_from_settings() -> None:
    options = {"video.hashes": {"compared_percent": 50, "require": "both"}}
    det = VideoHashes.from_settings(Settings(detector_options=options))
    assert det.options == {"query_percent": 80.0, "compared_percent": 50.0, "require": "both"}


def test_cli_bank_add_export_import_then_check(tmp_path: Path, banked: bytes,
                                               padded: bytes) -> None:  # fmt: skip
    env = {**os.environ, "WINNOW_DATA_DIR": str(tmp_path / "data"),
           "WINNOW_DETECTORS": '["video.hashes"]',
           "WINNOW_DETECTOR_OPTIONS": json.dumps({"video.hashes": {"query_percent": 0,
                                                                  "require": "both"}})}  # fmt: skip

    def winnow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "winnow", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip

    (tmp_path / "known.mp4").write_bytes(banked)
    (tmp_path / "upload.mp4").write_bytes(padded)
    assert winnow("bank", "create", "known", "--category", "spam").returncode == 0
    r = winnow("bank", "add", "known", "known.mp4")
    assert r.returncode == 0 and "1 new videos" in r.stdout, r.stderr
    assert "1 vpdq" in winnow("bank", "list").stdout
    exported = winnow("bank", "export", "known", "--format", "vpdq").stdout
    assert exported.startswith("# video: known.mp4\n0,")
    (tmp_path / "known.txt").write_text(exported)
    winnow("bank", "create", "copy", "--category", "violence/graphic", "--action", "block")
    r = winnow("bank", "import", "copy", "known.txt")  # the format is recognised
    assert r.returncode == 0 and "1 new of 1 videos" in r.stdout, r.stderr
    r = winnow("check", "upload.mp4")
    assert r.returncode == 1, r.stderr
    assert "BLOCK" in r.stdout and "bank copy video entry" in r.stdout
    assert "t=3.0-9.0s" in r.stdout
