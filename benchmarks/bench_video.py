"""Video and audio speed (issue 5): visual pass, speech real-time factor, memory on a long file.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_video.py [--seconds 30] [--long-minutes 10]

Encodes a synthetic 720p30 H.264 clip (x264 ``veryfast``, moving gradients and shapes, 2 s
GOP) in a temp folder, then times ``winnow.pipeline.Pipeline`` at the default sampling (1 fps +
scene changes) with: no image detector (decode + sampling), ``image.qr`` + ``image.hashes``, and
the classifiers ``image.safety`` + ``image.opennsfw``. Speech: faster-whisper tiny.en and base
(int8, 2 threads, the settings ``audio.transcript`` uses) on the JFK clip from
``../shared/data/media/speech`` repeated to ~55 s. Memory: peak RSS of a child process that runs
``video.frames`` + ``image.qr`` over a long 720p file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tests.avmedia import encode_video, scene

REPO = Path(__file__).resolve().parents[1]


def clip(path: Path, seconds: int) -> Path:
    if not path.exists():
        opts = {"preset": "veryfast", "g": "60"}
        frames = [scene(k / 10, 1280, 720) for k in range(40)]  # 4 s of motion, looped

        def frame(i: int, t: float) -> np.ndarray:
            return frames[(i // 3) % len(frames)]

        path.write_bytes(encode_video(frame, seconds, fps=30, width=1280, height=720,
                                      options=opts))  # fmt: skip
    return path


def visual(path: Path, seconds: int) -> None:
    from winnow.detectors.video_frames import VideoFrames
    from winnow.pipeline import Pipeline
    from winnow.policy import load_policy
    from winnow.settings import Settings
    from winnow.types import Content

    for label, names in [("decode + sampling only", []), ("+ image.qr, image.hashes",
                         ["image.qr", "image.hashes"]),
                         ("+ image.safety, image.opennsfw", ["image.safety", "image.opennsfw"])]:  # fmt: skip
        settings = Settings(detectors=names, threads=2)
        pipeline = Pipeline.from_settings(settings)
        pipeline.extractors = [VideoFrames()]
        pipeline.policy = load_policy(None)
        start = time.perf_counter()
        outcome = pipeline.check(Content("c", path=str(path)))
        wall = time.perf_counter() - start
        assert outcome.decision is not None, outcome.error
        print(f"visual {label:34s} {wall:6.2f} s for {seconds} s: {seconds / wall:5.1f}x real time")


def speech() -> None:
    from winnow.detectors.audio_transcript import VAD, _whisper, base_model_dir, tiny_en_model_dir
    from winnow.media.audio import SAMPLE_RATE, read_pcm
    from winnow.media.load import load_content
    from winnow.settings import Limits
    from winnow.types import AudioItem, Content

    jfk = REPO.parent / "shared" / "data" / "media" / "speech" / "tests" / "jfk.flac"
    if not jfk.is_file():
        print("speech: skipped (no ../shared/data/media/speech)")
        return
    item = load_content(Content("jfk", path=str(jfk)), Limits())
    assert isinstance(item, AudioItem)
    pcm = np.tile(read_pcm(item, Limits()), 5)
    seconds = pcm.size / SAMPLE_RATE
    with tempfile.TemporaryDirectory() as cache:
        for name, model_dir in [("tiny.en", tiny_en_model_dir()),
                                ("base", base_model_dir(Path(cache)))]:  # fmt: skip
            model = _whisper(str(model_dir), "int8", 2)
            start = time.perf_counter()
            segments, _ = model.transcribe(pcm, language="en", beam_size=1, temperature=0.0,
                                           condition_on_previous_text=False, vad_filter=True,
                                           vad_parameters=VAD)  # fmt: skip
            text = " ".join(s.text for s in segments)
            wall = time.perf_counter() - start
            print(f"speech {name:8s} int8 2 threads: {wall:5.2f} s for {seconds:.0f} s audio: "
                  f"{seconds / wall:5.1f}x real time ({len(text.split())} words)")  # fmt: skip


CHILD = """
import resource, sys, time
from winnow.pipeline import Pipeline
from winnow.settings import Settings
from winnow.types import Content
names = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else None
settings = Settings(threads=2) if names is None else Settings(detectors=names, threads=2)
p = Pipeline.from_settings(settings)
t = time.perf_counter(); o = p.check(Content("long", path=sys.argv[1]))
assert o.decision is not None, o.error
segments = len(o.decision.segments)
print(f"{time.perf_counter() - t:.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} {segments}")
"""


def speech_clip(path: Path, seconds: int) -> Path:
    """``seconds`` of the 720p benchmark picture with the JFK clip, looped, as its AAC sound."""
    if path.exists():
        return path
    import av

    from winnow.media.audio import read_pcm
    from winnow.media.load import load_content
    from winnow.settings import Limits
    from winnow.types import Content

    jfk = REPO.parent / "shared" / "data" / "media" / "speech" / "tests" / "jfk.flac"
    item = load_content(Content("jfk", path=str(jfk)), Limits())
    pcm = read_pcm(item, Limits())  # type: ignore[arg-type]
    silent = clip(path.with_suffix(".silent.mp4"), seconds)
    with av.open(str(silent)) as src, av.open(str(path), "w", format="mp4") as out:
        video_in = src.streams.video[0]
        video_out = out.add_stream_from_template(video_in)
        audio = out.add_stream("aac", rate=16000)
        audio.layout = "mono"
        for packet in src.demux(video_in):
            if packet.dts is None:
                continue
            packet.stream = video_out
            out.mux(packet)
        wave = np.tile(pcm, int(seconds * 16000 // pcm.size) + 1)[: seconds * 16000]
        for k, start in enumerate(range(0, wave.size, 1024)):
            piece = np.zeros(1024, np.float32)
            piece[: wave[start : start + 1024].size] = wave[start : start + 1024]
            frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate, frame.pts = 16000, k * 1024
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return path


def repeat(path: Path, source: Path, times: int) -> Path:
    """``source``'s packets ``times`` over, timestamps shifted by its length in whole seconds:
    a long file in seconds, not the hours a long encode takes; decoding it is decoding a real
    long file. An audio packet that would overlap the previous copy's last one is dropped (the
    encoder's priming), so the sound lasts exactly as long as the picture."""
    if path.exists():
        return path
    import av

    with av.open(str(path), "w", format="mp4") as out:
        outs: dict[int, object] = {}
        last: dict[int, int] = {}
        for k in range(times):
            with av.open(str(source)) as src:
                if not outs:
                    outs = {s.index: out.add_stream_from_template(s) for s in src.streams}
                seconds = round(float(src.duration) / 1_000_000)
                for packet in src.demux():
                    if packet.dts is None:
                        continue
                    index = packet.stream.index
                    shift = int(k * seconds / packet.time_base)
                    if packet.dts + shift <= last.get(index, -(2**62)) or (
                        packet.stream.type == "audio"
                        and (packet.pts or 0) + (packet.duration or 0) > seconds / packet.time_base
                    ):
                        continue
                    packet.pts = None if packet.pts is None else packet.pts + shift
                    packet.dts += shift
                    last[index] = packet.dts
                    packet.stream = outs[index]
                    out.mux(packet)
    return path


def memory(path: Path, seconds: int, detectors: str) -> None:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), detectors], capture_output=True,
                         text=True, cwd=REPO)  # fmt: skip
    if out.returncode:
        raise SystemExit(f"memory run failed:\n{out.stderr[-3000:]}")
    wall, rss, segments = out.stdout.split()
    size = path.stat().st_size / 1e6
    print(
        f"memory: {seconds / 60:.0f} min 720p ({size:.0f} MB), detectors "
        f"{detectors or 'default'}: peak RSS {rss} MB, {wall} s "
        f"({seconds / float(wall):.1f}x real time), {segments} segments"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--long-minutes", type=int, default=10)
    parser.add_argument("--skip", nargs="*", default=[], choices=["visual", "speech", "memory"])
    parser.add_argument(
        "--memory-detectors",
        default="video.frames,image.qr",
        help="comma-separated detectors for the memory run; empty: the default pipeline",
    )
    parser.add_argument("--keep", type=Path, help="keep/reuse the clips in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="winnow-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if "visual" not in args.skip:
        visual(clip(folder / "clip.mp4", args.seconds), args.seconds)
    if "speech" not in args.skip:
        speech()
    if "memory" not in args.skip:
        minute = speech_clip(folder / "minute.mp4", 60)
        long = repeat(folder / f"long-{args.long_minutes}.mp4", minute, args.long_minutes)
        memory(long, args.long_minutes * 60, args.memory_detectors)


if __name__ == "__main__":
    main()
