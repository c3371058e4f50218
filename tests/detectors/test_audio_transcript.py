"""``audio.transcript``: VAD + faster-whisper on the bundled models, utterances located in time.

The speech clips come from ``../shared/data/media/speech`` (transcripts.tsv); tests that load a
Whisper model are marked ``model``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.avmedia import encode_audio, encode_video, scene
from tests.conftest import SHARED
from winnow.detectors import audio_transcript
from winnow.detectors.audio_transcript import AudioTranscript, speech_windows
from winnow.media.audio import SAMPLE_RATE, read_pcm
from winnow.media.load import load_content
from winnow.settings import Limits
from winnow.types import AudioItem, Content, TextItem, VideoItem

pytest.importorskip("faster_whisper")
SPEECH = SHARED / "data" / "media" / "speech"
needs_speech = pytest.mark.skipif(not SPEECH.is_dir(), reason="no ../shared/data/media/speech")
DIGITS = {"en": {"1": "one", "2": "two", "3": "three"}, "fr": {"1": "un"}}


def words(text: str, lang: str = "en") -> list[str]:
    """Lower-cased words, digits spelled out (Whisper writes "1, 2, 3.")."""
    cleaned = re.sub(r"[^\w' ]", " ", text.lower())
    return [DIGITS[lang].get(w, w) for w in cleaned.split()]


def error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Levenshtein distance over tokens / reference length (WER on words, CER on characters)."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ref != hyp))
    return row[-1] / max(1, len(reference))


def load(path: Path) -> AudioItem | VideoItem:
    item = load_content(Content(path.name, path=str(path)), Limits())
    assert isinstance(item, AudioItem | VideoItem)
    return item


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> AudioTranscript:
    return AudioTranscript(tmp_path_factory.mktemp("models"), threads=2)


def test_silence_and_noise_load_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extractor = AudioTranscript(tmp_path)
    monkeypatch.setattr(extractor, "_load", lambda which: pytest.fail("a model was loaded"))
    rng = np.random.default_rng(0)
    for samples in (np.zeros(SAMPLE_RATE * 2), rng.normal(0, 0.01, SAMPLE_RATE * 2)):
        item = load_content(Content("s", data=encode_audio(samples)), Limits())
        assert isinstance(item, AudioItem)
        assert extractor.extract_batch([item]) == [[]]
    silent_video = load_content(Content("v", data=encode_video(lambda i, t: scene(t), 1)), Limits())
    assert isinstance(silent_video, VideoItem) and not silent_video.info.has_audio
    assert extractor.extract_batch([silent_video]) == [[]]
    assert not list((tmp_path).iterdir())  # nothing written either


@pytest.mark.model
@pytest.mark.data
@needs_speech
def test_english_with_times(transcriber: AudioTranscript) -> None:
    item = load(SPEECH / "tests" / "jfk.flac")
    utterances = transcriber.transcribe(item)
    text = " ".join(d.item.text for d in utterances if isinstance(d.item, TextItem)).lower()
    for expected in ("my fellow americans", "your country", "do for you"):
        assert expected in text
    spans = [(d.origin.start or 0.0, d.origin.end or 0.0) for d in utterances]
    assert all(d.label == "utterance" and d.origin.kind == "time" for d in utterances)
    assert spans == sorted(spans) and all(0 <= s < e <= 11.2 for s, e in spans)
    assert spans[0][0] < 1.0 and spans[-1][1] > 9.5  # speech runs from ~0.3 s to ~10.5 s
    (numbers,) = transcriber.transcribe(load(SPEECH / "examples" / "english.wav"))
    assert isinstance(numbers.item, TextItem)
    assert error_rate(["one", "two", "three"], words(numbers.item.text)) <= 0.34


@pytest.mark.model
@pytest.mark.data
@needs_speech
@pytest.mark.parametrize(("name", "reference", "tolerance"), [
    ("french.aiff", "si la dictée numéro un", 0.5),  # reference is one engine's output
    ("chinese.flac", "砸自己的脚", 0.4),  # scored on characters
])  # fmt: skip
def test_other_languages_use_whisper_base(
    transcriber: AudioTranscript, name: str, reference: str, tolerance: float
) -> None:
    item = load(SPEECH / "examples" / name)
    pcm = read_pcm(item, Limits())
    assert transcriber._language(pcm) == ("fr" if name.startswith("french") else "zh")
    text = " ".join(
        d.item.text for d in transcriber.transcribe(item) if isinstance(d.item, TextItem)
    )
    if name.startswith("chinese"):
        characters = [c for c in text if c.strip() and c not in "，。"]
        assert error_rate(list(reference), characters) <= tolerance
    else:
        assert error_rate(words(reference, "fr"), words(text, "fr")) <= tolerance


@pytest.mark.model
@pytest.mark.data
@needs_speech
def test_transcript_findings_become_time_segments(tmp_path: Path) -> None:
    from winnow.cli.render import render_outcome
    from winnow.pipeline import Pipeline
    from winnow.serialize import outcome_to_json
    from winnow.settings import Settings

    terms = tmp_path / "terms.toml"
    terms.write_text('name = "t"\nkind = "block"\ncategory = "violence"\naction = "review"\n'
                     'terms = ["country"]\n', encoding="utf-8")  # fmt: skip
    settings = Settings(detectors=["audio.transcript", "text.lists"], lists=[terms],
                        data_dir=tmp_path, threads=2)  # fmt: skip
    outcome = Pipeline.from_settings(settings).check(
        Content("jfk", path=str(SPEECH / "tests" / "jfk.flac"))
    )
    assert outcome.decision is not None, outcome.error
    (segment,) = outcome.decision.segments  # both utterances say "country": one segment
    assert segment.source == "utterance" and segment.category == "violence"
    assert segment.start < 1.0 and 9.5 < segment.end <= 11.2
    assert "country" in (segment.detail or "").lower()
    line = outcome_to_json(outcome)
    assert line["media_type"] == "audio" and line["segments"][0]["source"] == "utterance"
    assert "00:00–00:10 violence 1.00 (said at 00:00" in render_outcome("jfk", outcome)


def _three_speeches() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The JFK clip three times with 3 s of silence between; the silences' (start, end) in s."""
    jfk = read_pcm(load(SPEECH / "tests" / "jfk.flac"), Limits())
    gap = np.zeros(3 * SAMPLE_RATE, np.float32)
    length = jfk.size / SAMPLE_RATE
    gaps = [(length, length + 3), (2 * length + 3, 2 * length + 6)]
    return np.concatenate([jfk, gap, jfk, gap, jfk]), gaps


@pytest.mark.data
@needs_speech
def test_long_sound_is_cut_into_windows_in_its_pauses() -> None:
    pcm, gaps = _three_speeches()
    blocks = [pcm[i : i + 4 * SAMPLE_RATE] for i in range(0, pcm.size, 4 * SAMPLE_RATE)]
    windows = list(speech_windows(blocks, seconds=15.0))
    assert len(windows) == 3
    for k, (start, samples) in enumerate(windows):
        assert samples.size <= 15 * SAMPLE_RATE
        if k:  # each window after the first starts in the pause before an utterance
            low, high = gaps[k - 1]
            assert low <= start <= high + 0.5, (
                k,
                start,
                gaps,
            )  # the clip's speech starts ~0.5 s in
        assert np.array_equal(samples, pcm[round(start * SAMPLE_RATE) :][: samples.size])
    # Silence alone gives no window; short windows cut one speech in its own pauses and lose
    # none of it.
    assert list(speech_windows([np.zeros(20 * SAMPLE_RATE, np.float32)], 15.0)) == []
    short = list(speech_windows([pcm[: 11 * SAMPLE_RATE]], seconds=5.0))
    assert len(short) >= 3 and all(0 < w.size <= 5 * SAMPLE_RATE for _, w in short)
    assert np.array_equal(np.concatenate([w for _, w in short]), pcm[: 11 * SAMPLE_RATE])


@pytest.mark.model
@pytest.mark.data
@needs_speech
def test_windows_keep_utterance_times(
    transcriber: AudioTranscript, monkeypatch: pytest.MonkeyPatch
) -> None:
    pcm, gaps = _three_speeches()
    item = load_content(Content("three", data=encode_audio(pcm)), Limits())
    assert isinstance(item, AudioItem)
    monkeypatch.setattr(audio_transcript, "WINDOW_SECONDS", 15.0)
    utterances = transcriber.transcribe(item)
    starts = [
        d.origin.start or 0.0
        for d in utterances
        if isinstance(d.item, TextItem) and "fellow americans" in d.item.text.lower()
    ]
    assert len(starts) == 3, [d.item for d in utterances]
    for start, expected in zip(starts, [0.0, gaps[0][1], gaps[1][1]], strict=True):
        assert expected - 0.5 <= start <= expected + 1.5, (starts, gaps)
