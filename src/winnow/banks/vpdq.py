"""vPDQ: Meta's video hash (ThreatExchange ``vpdq/``), hashed with PyAV and ``pdqhash``.

A vPDQ hash is a list of :class:`VpdqFeature`: the PDQ hash of one decoded frame every
``seconds_per_hash`` seconds (default 1), with PDQ's quality, the frame number and its time.
As in the reference (``vpdq/cpp/vpdq/cpp/hashing/filehasher.cpp``, vpdq 0.2.5):

* the frame rate is the stream's average rate (``avg_frame_rate``, else ``r_frame_rate``);
* frames are counted as the decoder outputs them (0, 1, 2...) and frame ``n`` is hashed when
  ``n % int(seconds_per_hash * fps) == 0`` (every frame when that is 0);
* each hashed frame is converted to RGB24 at its full size (swscale, ``SWS_AREA``) and PDQ-hashed
  as it is, never downscaled first (:func:`winnow.banks.hashing.pdq_hash` downscales images);
* the timestamp is ``n / fps`` in single precision, written with 3 decimals.

The swscale conversion assumes BT.601 whatever the frame's colour tags say, as the reference's
``sws_getContext`` does (PyAV would otherwise honour a BT.709 tag and move hashes by ~10 bits).
Checked line for line against vpdq 0.2.5 (``tests/banks/data``): H.264 with B-frames, BT.709
and full-range clips, every-frame and 0.7 s sampling, VP9 in WebM.

Hashing streams: one decoded frame at a time, so memory stays flat however long the video is.

Text formats (:func:`parse_features`, :func:`format_features`):

* the reference CLI's (``vpdq-hash-video``): one line a frame, ``frame_number,quality,hash,timestamp``;
* ThreatExchange's ``HASH_VIDEO_VPDQ`` signal (python-threatexchange ``vpdq_to_json``): a JSON
  list of ``"hash,quality,timestamp"`` strings; frame numbers are then counted from 0.

Matching (:func:`similarity`) is the reference algorithm (``vpdq/README.md``): both videos'
frame hashes as sets of unique hashes of quality >= 50; the query-match percentage is the share
of the query's that are within 31 bits of some compared hash, the compared-match percentage
the other way round. :func:`matched_ranges` turns the query frames that matched into time
ranges.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from winnow.banks.hashing import PDQ_BYTES, pdq_from_hex
from winnow.banks.pdqcore import pdq_bits
from winnow.errors import DecodeError, InputError, LimitExceededError

if TYPE_CHECKING:
    from winnow.settings import Limits

__all__ = [
    "VPDQ_DISTANCE",
    "VPDQ_QUALITY",
    "Similarity",
    "VpdqFeature",
    "codes",
    "features_digest",
    "format_features",
    "format_signal",
    "format_videos",
    "hash_video",
    "matched_ranges",
    "parse_features",
    "parse_videos",
    "similarity",
]

VPDQ_DISTANCE = 31
"""Frames within this many bits (of 256) match (ThreatExchange's ``VPDQ_DISTANCE_THRESHOLD``)."""
VPDQ_QUALITY = 50
"""Frames of lower PDQ quality are left out of matching (``VPDQ_QUALITY_THRESHOLD``)."""
_WORKERS = 2
"""Threads converting and hashing sampled frames (``pdqcore`` releases the GIL in PDQ's C++
and its numpy luma: on 2 cores, 2 threads took a 60 s 720p clip from 45x to 53x real time)."""
_AHEAD = 4
"""Sampled frames waiting to be hashed, at most."""
_PLAN_PACKETS = 300_000
"""Longer videos (2.8 h at 30 fps) are decoded frame by frame: a plan holds ~200 bytes a packet."""
_VIDEO = re.compile(r"^\s*#\s*video\s*:?(.*)$", re.IGNORECASE)
_LINE = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*,\s*([0-9a-fA-F]{64})\s*,\s*([0-9.eE+-]+)\s*$")


@dataclass(frozen=True, slots=True)
class VpdqFeature:
    """One hashed frame: its number, PDQ quality (0-100), PDQ hash (32 bytes), time (s)."""

    frame: int
    quality: int
    pdq: bytes
    timestamp: float

    @property
    def hex(self) -> str:
        return self.pdq.hex()

    def line(self) -> str:
        """``frame_number,quality,hash,timestamp`` as the reference CLI writes it."""
        return f"{self.frame},{self.quality},{self.hex},{self.timestamp:.3f}"


# Hashing -----------------------------------------------------------------------------------


def hash_video(
    source: str | bytes,
    seconds_per_hash: float = 1.0,
    limits: Limits | None = None,
    name: str = "video",
    skip_unsampled: bool = True,
) -> Iterator[VpdqFeature]:
    """Yield the vPDQ features of a video file (a path or its bytes), frame by frame.

    ``skip_unsampled`` (default) decodes only what the hashed frames need: the packets after a
    group of pictures' last hashed frame are not sent to the decoder, and the other unhashed
    frames are decoded only when they are reference frames. Frame numbers then come from the
    frames' presentation order, read from the packets' timestamps in a first pass over the file
    (no decoding): the numbers the reference counts, as every packet of a video stream decodes
    to one frame. When that cannot be relied on (:func:`_plan`), every frame is decoded and
    counted. Both give the same features, 1.8x apart in speed on 720p H.264.
    """
    if seconds_per_hash < 0:
        raise InputError(f"seconds_per_hash must be 0 or more, not {seconds_per_hash}")
    from winnow.media.video import DecodeClock, open_media

    clock = DecodeClock(limits.max_decode_seconds, name) if limits is not None else None
    with open_media(source, name) as container:
        stream = _video_stream(container, name)
        rate = stream.average_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        if fps <= 0:
            raise DecodeError(f"cannot hash {name}: its video stream declares no frame rate")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width < 5 or height < 5:
            raise DecodeError(f"cannot hash {name}: frames of {width}x{height} are too small")
        every = max(1, int(seconds_per_hash * fps))
        plan = _plan(source, name, every) if skip_unsampled else None
        ranks = plan.ranks if plan is not None else None
        max_frames = None
        if limits is not None:
            if width * height > limits.max_video_pixels:
                raise LimitExceededError(
                    f"{name} is {width}x{height}, over the limit of "
                    f"{limits.max_video_pixels:,} pixels a frame (WINNOW_LIMITS__MAX_VIDEO_PIXELS)"
                )
            max_frames = int(limits.max_media_seconds * fps) + 1
            if ranks is not None and len(ranks) > max_frames:
                raise _too_long(name, limits)
        stream.thread_type = "AUTO"
        fps32 = np.float32(fps)
        number = -1
        # Two threads convert and hash sampled frames while this one decodes the next ones
        # (FFmpeg decodes in threads of its own); at most _AHEAD frames wait, so memory is flat.
        pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="vpdq")
        pending: deque[Future[VpdqFeature]] = deque()
        try:
            for frame in _decode(container, stream, plan, name):
                if ranks is not None:
                    number = ranks.get(frame.pts if frame.pts is not None else -1, -1)
                    if number < 0:
                        continue
                else:
                    number += 1
                if max_frames is not None and number > max_frames:
                    assert limits is not None
                    raise _too_long(name, limits)
                if number % every:
                    continue
                pending.append(pool.submit(_hash_frame, frame, width, height, number, fps32))
                while len(pending) > _AHEAD or (pending and pending[0].done()):
                    feature = pending.popleft().result()
                    if clock is not None:
                        clock.pause()  # the caller's time between frames is not counted
                    yield feature
                    if clock is not None:
                        clock.resume()
            while pending:
                feature = pending.popleft().result()
                if clock is not None:
                    clock.pause()
                yield feature
                if clock is not None:
                    clock.resume()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if clock is not None:
            clock.pause()


def _too_long(name: str, limits: Limits) -> LimitExceededError:
    return LimitExceededError(
        f"{name} runs past {limits.max_media_seconds:,.0f} s (WINNOW_LIMITS__MAX_MEDIA_SECONDS)"
    )


def _video_stream(container: Any, name: str) -> Any:
    for stream in container.streams.video:
        if not stream.disposition & 1024:  # AV_DISPOSITION_ATTACHED_PIC: a cover picture
            return stream
    raise DecodeError(f"cannot hash {name}: it has no video stream")


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to decode: each packet's timestamp -> its frame number (presentation order), the
    timestamps of the frames to hash, and of the packets not to send to the decoder at all."""

    ranks: dict[int, int]
    sampled: frozenset[int]
    unsent: frozenset[int]


def _plan(source: str | bytes, name: str, every: int) -> _Plan | None:
    """Read the packets (no decoding) and plan; None (every frame is then decoded and counted)
    when some packet has no timestamp, two share one, one is marked to be discarded (an edit
    list) or the first is not a keyframe (the decoder might then not output one frame a
    packet), and past :data:`_PLAN_PACKETS` packets.

    A group of pictures is the packets from a keyframe to the next, in decoding order. Packets
    after the last sampled frame of a group are not sent: nothing hashed refers to them, as
    long as no group has leading pictures (frames shown before their keyframe, that may refer
    to the group before: open GOPs); when one does, every packet is sent.
    """
    import av

    from winnow.media.video import media_error, open_media

    packets: list[tuple[int, bool]] = []  # (pts, keyframe) in decoding order
    with open_media(source, name) as container:
        stream = _video_stream(container, name)
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if packet.pts is None or packet.is_discard:
                    return None  # the decoder would drop a frame: count what it outputs
                packets.append((int(packet.pts), bool(packet.is_keyframe)))
                if len(packets) > _PLAN_PACKETS:
                    return None
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise media_error(name, exc) from None
    if not packets or not packets[0][1]:
        return None  # frames before the first keyframe may not be output
    ranks = {p: k for k, p in enumerate(sorted(p for p, _ in packets))}
    if len(ranks) != len(packets):
        return None
    sampled = frozenset(p for p, k in ranks.items() if k % every == 0)
    groups: list[list[int]] = []
    leading = False
    for pts, key in packets:
        if key or not groups:
            groups.append([])
        elif pts < groups[-1][0]:
            leading = True
        groups[-1].append(pts)
    unsent: set[int] = set()
    if not leading:
        for group in groups:
            last = max((i for i, p in enumerate(group) if p in sampled), default=-1)
            unsent.update(group[last + 1 :])
    return _Plan(ranks, sampled, frozenset(unsent))


def _decode(container: Any, stream: Any, plan: _Plan | None, name: str) -> Iterator[Any]:
    """Decoded frames; with a plan, packets after a group's last sampled frame are not sent,
    and those of unsampled frames are decoded only when other frames refer to them
    (``skip_frame``, set per packet, is read when the packet is sent)."""
    import av

    from winnow.media.video import media_error

    ctx = stream.codec_context
    try:
        if plan is None:
            yield from container.decode(stream)
            return
        skipping = False
        for packet in container.demux(stream):
            if packet.size and packet.pts is not None:
                if packet.pts in plan.unsent:
                    continue
                skip = packet.pts not in plan.sampled
                if skip != skipping:
                    ctx.skip_frame = "NONREF" if skip else "DEFAULT"
                    skipping = skip
            yield from ctx.decode(packet)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise media_error(name, exc) from None


def _hash_frame(frame: Any, width: int, height: int, number: int, fps32: np.float32) -> VpdqFeature:
    """RGB24 at (width, height) with swscale's area filter and BT.601, as the reference's
    ``sws_getContext`` defaults give whatever the frame's colour tags say; then PDQ."""
    pixels = frame.to_ndarray(
        width=width, height=height, format="rgb24", interpolation="AREA",
        src_colorspace="ITU601", dst_colorspace="ITU601",
    )  # fmt: skip
    pdq, quality = pdq_bits(pixels)
    return VpdqFeature(number, quality, pdq, float(np.float32(number) / fps32))


# Text formats ------------------------------------------------------------------------------


def parse_features(text: str, name: str = "input") -> list[VpdqFeature]:
    """One video's features from the reference CLI's lines or ThreatExchange's JSON signal.

    Blank lines and ``#`` comments are skipped; a bad line raises :class:`InputError` naming it.
    """
    stripped = text.strip()
    if stripped.startswith("["):
        return _parse_signal(stripped, name)
    out: list[VpdqFeature] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            raise InputError(
                f"{name} line {number}: expected frame_number,quality,hash,timestamp "
                f"(vPDQ); got {line.strip()[:100]!r}"
            )
        out.append(_feature(int(m[1]), int(m[2]), m[3], float(m[4]), f"{name} line {number}"))
    return _ordered(out, name)


def _parse_signal(text: str, name: str) -> list[VpdqFeature]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{name}: not a vPDQ JSON signal ({exc})") from None
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise InputError(f"{name}: a vPDQ JSON signal is a list of 'hash,quality,timestamp'")
    out = []
    for k, item in enumerate(items):
        parts = item.split(",")
        if len(parts) != 3:
            raise InputError(f"{name} item {k}: expected 'hash,quality,timestamp', got {item!r}")
        try:
            quality, timestamp = int(parts[1]), float(parts[2])
        except ValueError:
            raise InputError(f"{name} item {k}: bad quality or timestamp in {item!r}") from None
        out.append(_feature(k, quality, parts[0], timestamp, f"{name} item {k}"))
    return out


def _feature(frame: int, quality: int, hex_hash: str, timestamp: float, where: str) -> VpdqFeature:
    if not 0 <= quality <= 100:
        raise InputError(f"{where}: quality {quality} is outside 0-100")
    if timestamp < 0 or timestamp != timestamp:
        raise InputError(f"{where}: timestamp {timestamp} is not a time in seconds")
    try:
        pdq = pdq_from_hex(hex_hash)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    return VpdqFeature(frame, quality, pdq, round(timestamp, 3))


def _ordered(features: list[VpdqFeature], name: str) -> list[VpdqFeature]:
    for a, b in itertools.pairwise(features):
        if b.frame <= a.frame:
            raise InputError(f"{name}: frame numbers must increase ({a.frame} then {b.frame})")
    return features


def parse_videos(text: str, name: str = "input") -> list[tuple[str | None, list[VpdqFeature]]]:
    """Several videos' features in one text: each starts at a ``# video: METADATA`` line
    (:func:`format_videos` writes them); a text without one is a single video (metadata None).
    Each video's part is read by :func:`parse_features`."""
    if text.lstrip().startswith("["):
        return [(None, parse_features(text, name))]
    videos: list[tuple[str | None, list[str], int]] = [(None, [], 1)]
    for number, line in enumerate(text.splitlines(), 1):
        m = _VIDEO.match(line)
        if m is not None:
            videos.append((m[1].strip(), [], number + 1))
        else:
            videos[-1][1].append(line)
    out = []
    for k, (meta, lines, first) in enumerate(videos):
        if k == 0 and not any(x.strip() and not x.lstrip().startswith("#") for x in lines):
            continue  # comments before the first header
        where = f"{name} (video from line {first})" if meta is not None else name
        features = parse_features("\n".join(lines), where)
        if not features:
            raise InputError(f"{where}: no frame hashes")
        out.append((meta, features))
    if not out:
        raise InputError(f"{name}: no vPDQ frame hashes (frame_number,quality,hash,timestamp)")
    return out


def format_videos(videos: Iterable[tuple[str, Iterable[VpdqFeature]]]) -> str:
    """Several videos' features, each after a ``# video: METADATA`` line."""
    return "".join(
        f"# video: {' '.join(meta.split())}\n" + format_features(features)
        for meta, features in videos
    )


def format_features(features: Iterable[VpdqFeature]) -> str:
    """The reference CLI's text: ``frame_number,quality,hash,timestamp`` lines."""
    return "".join(f.line() + "\n" for f in features)


def format_signal(features: Iterable[VpdqFeature]) -> str:
    """ThreatExchange's ``HASH_VIDEO_VPDQ`` signal: a JSON list of ``hash,quality,timestamp``."""
    return json.dumps([f"{f.hex},{f.quality},{f.timestamp:.3f}" for f in features])


def features_digest(features: Iterable[VpdqFeature]) -> str:
    """A SHA-256 over the frame hashes, qualities and times: the same video hash, same digest."""
    import hashlib

    return hashlib.sha256(format_features(features).encode()).hexdigest()


# Matching ----------------------------------------------------------------------------------


def codes(features: Iterable[VpdqFeature]) -> npt.NDArray[np.uint8]:
    """The features' PDQ hashes as an (n, 32) uint8 array."""
    data = b"".join(f.pdq for f in features)
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, PDQ_BYTES)


def _unique(features: Iterable[VpdqFeature], min_quality: int) -> npt.NDArray[np.uint8]:
    seen: dict[bytes, None] = {}
    for f in features:
        if f.quality >= min_quality:
            seen.setdefault(f.pdq)
    return np.frombuffer(b"".join(seen), dtype=np.uint8).reshape(-1, PDQ_BYTES)


def _within(
    a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8], distance: int
) -> npt.NDArray[np.bool_]:
    """For each row of ``a``, whether some row of ``b`` is within ``distance`` bits."""
    out = np.zeros(len(a), dtype=bool)
    if len(a) == 0 or len(b) == 0:
        return out
    b64 = b.view(np.uint64)
    for lo in range(0, len(a), 256):  # blocks: (256 x len(b) x 4) words at a time
        a64 = a[lo : lo + 256].view(np.uint64)
        d = np.bitwise_count(a64[:, None, :] ^ b64[None, :, :]).sum(axis=2)
        out[lo : lo + len(a64)] = (d <= distance).any(axis=1)
    return out


@dataclass(frozen=True, slots=True)
class Similarity:
    """How much of each video the other holds, in percent of unique good-quality frames."""

    query_percent: float
    compared_percent: float


def similarity(
    query: Iterable[VpdqFeature],
    compared: Iterable[VpdqFeature],
    distance: int = VPDQ_DISTANCE,
    min_quality: int = VPDQ_QUALITY,
) -> Similarity:
    """The reference comparison: unique hashes of quality >= ``min_quality`` on each side; the
    share of each side's within ``distance`` bits of some hash of the other (0 when a side has
    no such hash)."""
    q, c = _unique(query, min_quality), _unique(compared, min_quality)
    if len(q) == 0 or len(c) == 0:
        return Similarity(0.0, 0.0)
    return Similarity(
        100.0 * float(_within(q, c, distance).sum()) / len(q),
        100.0 * float(_within(c, q, distance).sum()) / len(c),
    )


def matched_ranges(
    query: list[VpdqFeature],
    compared: Iterable[VpdqFeature],
    distance: int = VPDQ_DISTANCE,
    min_quality: int = VPDQ_QUALITY,
    gap: int = 1,
) -> list[tuple[float, float]]:
    """Time ranges [start, end) of the query where its frames match the compared video.

    Consecutive hashed frames that match make one range, from the first one's time to the next
    hashed frame's (or to the last one's time plus the hashing interval); up to ``gap``
    unmatched or low-quality frames between two matched ones do not split them.
    """
    if not query:
        return []
    c = _unique(compared, min_quality)
    good = np.array([f.quality >= min_quality for f in query], dtype=bool)
    hit = _within(codes(query), c, distance) & good
    times = [f.timestamp for f in query]
    step = times[1] - times[0] if len(times) > 1 else 1.0
    groups: list[list[int]] = []
    for i in np.nonzero(hit)[0].tolist():
        if groups and i - groups[-1][1] - 1 <= gap:
            groups[-1][1] = i
        else:
            groups.append([i, i])
    return [
        (times[s], round(times[e + 1] if e + 1 < len(times) else times[e] + step, 3))
        for s, e in groups
    ]
