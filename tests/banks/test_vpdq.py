from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.banks.clips import clip, content
from winnow.banks import Bank
from winnow.banks.formats import export_entries, parse_entries
from winnow.banks.storage import SqliteBankStore
from winnow.banks.video_matcher import VideoMatcher
from winnow.banks.vpdq import (
    VpdqFeature,
    format_features,
    format_signal,
    format_videos,
    hash_video,
    matched_ranges,
    parse_features,
    parse_videos,
    similarity,
)
from winnow.errors import InputError, LimitExceededError
from winnow.settings import Limits

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def banked() -> bytes:
    """Video 3: 10 s of a new picture every second, 320x240 at 30 fps."""
    return clip([(10, content(3, 320, 240))])


@pytest.fixture(scope="module")
def excerpt() -> bytes:
    """4 s of video 2, then seconds 2-8 of video 3 resized to 480x270 (another aspect ratio),
    re-encoded at 25 fps and CRF 32, then 3 s of video 4."""
    return clip(
        [(4, content(2, 480, 270)), (6, content(3, 480, 270, offset=2)),
         (3, content(4, 480, 270))],
        fps=25, width=480, height=270, options={"preset": "veryfast", "crf": "32"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def unrelated() -> bytes:
    return clip([(8, content(1, 320, 240))])


# Hashing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "expected"),
                         [(1.0, "vpdq-clip.txt"), (0.0, "vpdq-clip-every-frame.txt")])  # fmt: skip
@pytest.mark.parametrize("skip", [True, False])
def test_hashes_are_the_reference_implementations(seconds: float, expected: str,
                                                   skip: bool) -> None:  # fmt: skip
    """Same frames, qualities, hashes and timestamps as Meta's vpdq 0.2.5 (B-frames, BT.709)."""
    video = str(DATA / "vpdq-clip.mp4")
    ours = format_features(hash_video(video, seconds, skip_unsampled=skip))
    assert ours == (DATA / expected).read_text()


def test_hashing_bytes_and_path_agree_and_sample_once_a_second(banked: bytes,
                                                               tmp_path: Path) -> None:  # fmt: skip
    path = tmp_path / "v.mp4"
    path.write_bytes(banked)
    from_bytes = list(hash_video(banked))
    assert from_bytes == list(hash_video(str(path)))
    assert [f.frame for f in from_bytes] == [30 * k for k in range(10)]
    assert [f.timestamp for f in from_bytes] == [float(k) for k in range(10)]
    assert all(f.quality >= 50 for f in from_bytes)
    assert len({f.pdq for f in from_bytes}) == 10


def test_limits_and_bad_input_are_typed_errors(banked: bytes) -> None:
    with pytest.raises(LimitExceededError, match="MAX_MEDIA_SECONDS"):
        list(hash_video(banked, limits=Limits(max_media_seconds=4)))
    with pytest.raises(LimitExceededError, match="MAX_VIDEO_PIXELS"):
        list(hash_video(banked, limits=Limits(max_video_pixels=100 * 100)))
    with pytest.raises(InputError):
        list(hash_video(b"not a video at all"))
    with pytest.raises(InputError, match="seconds_per_hash"):
        list(hash_video(banked, -1))


# Matching ----------------------------------------------------------------------------------


def test_a_resized_reencoded_excerpt_matches_at_the_right_time(banked: bytes, excerpt: bytes,
                                                               unrelated: bytes) -> None:  # fmt: skip
    bank, query, other = (list(hash_video(v)) for v in (banked, excerpt, unrelated))
    sim = similarity(query, bank)
    # 6 of the query's 13 seconds are video 3's seconds 2-7: 6 of video 3's 10 frames.
    assert sim.query_percent == pytest.approx(100 * 6 / 13)
    assert sim.compared_percent == pytest.approx(60.0)
    assert matched_ranges(query, bank) == [(4.0, 10.0)]
    # Only the excerpt, against the whole banked video: all of the query is in the bank.
    middle = [f for f in query if 4 <= f.timestamp < 10]
    assert similarity(middle, bank).query_percent == 100.0
    assert similarity(other, bank) == similarity(bank, other)
    assert similarity(other, bank).query_percent == 0.0
    assert matched_ranges(other, bank) == []


def test_similarity_dedupes_filters_quality_and_is_the_reference_rule() -> None:
    a, b, c = bytes(32), bytes([255] * 32), bytes([0x0F] * 32)
    near = bytes([0xFF] * 3 + [0] * 29)  # 24 bits from a: within 31
    q = [VpdqFeature(0, 100, a, 0.0), VpdqFeature(1, 100, a, 1.0), VpdqFeature(2, 100, b, 2.0),
         VpdqFeature(3, 10, c, 3.0)]  # fmt: skip
    banked = [VpdqFeature(0, 90, near, 0.0)]
    sim = similarity(q, banked)
    assert (sim.query_percent, sim.compared_percent) == (50.0, 100.0)  # unique a, b; c too poor
    assert similarity(q, [VpdqFeature(0, 49, near, 0.0)]).query_percent == 0.0
    assert similarity(q, banked, distance=23).compared_percent == 0.0


def test_matched_ranges_merge_neighbours_and_bridge_one_miss() -> None:
    a, b = bytes(32), bytes([255] * 32)
    seq = [a, a, b, a, b, b, a]
    query = [VpdqFeature(k, 100, h, float(k)) for k, h in enumerate(seq)]
    banked = [VpdqFeature(0, 100, a, 0.0)]
    assert matched_ranges(query, banked) == [(0.0, 4.0), (6.0, 7.0)]
    assert matched_ranges(query, banked, gap=0) == [(0.0, 2.0), (3.0, 4.0), (6.0, 7.0)]


def test_video_matcher_finds_the_bank_entry_with_ranges(tmp_path: Path, banked: bytes,
                                                        excerpt: bytes, unrelated: bytes) -> None:  # fmt: skip
    store = SqliteBankStore.open(tmp_path)
    store.create_bank(Bank("known", "violence/graphic", "block"))
    store.create_bank(Bank("ok", "violence/graphic", "allow"))
    entry = store.add_video("known", list(hash_video(banked)), "te:42")
    assert entry is not None and entry.kind == "vpdq"
    assert store.add_video("known", list(hash_video(banked)), "again") is None  # a duplicate
    assert store.counts()["known"] == {"vpdq": 1}
    matcher = VideoMatcher(store, compared_percent=50)
    (match,) = matcher.match(list(hash_video(excerpt)))
    assert match.entry.id == entry.id and match.ranges == ((4.0, 10.0),)
    assert "bank known video entry 1 (te:42)" in match.explain() and "60% of its" in match.explain()
    assert matcher.match(list(hash_video(unrelated))) == []
    assert VideoMatcher(store).match(list(hash_video(excerpt))) == []  # 46% and 60% < 80%
    # An allow bank holding the same video suppresses the block bank's match.
    store.add_video("ok", list(hash_video(banked)), "cleared")
    matcher.refresh()
    matches = matcher.match(list(hash_video(excerpt)))
    assert {m.bank.name: m.suppressed_by for m in matches} == {"known": ("ok",), "ok": ()}


def test_require_both_is_the_readme_rule(tmp_path: Path, banked: bytes, excerpt: bytes) -> None:
    store = SqliteBankStore.open(tmp_path)
    store.create_bank(Bank("known", "spam"))
    store.add_video("known", list(hash_video(banked)), "")
    query = list(hash_video(excerpt))
    both = VideoMatcher(store, query_percent=0, compared_percent=60, require="both")
    assert len(both.match(query)) == 1
    assert VideoMatcher(store, query_percent=50, compared_percent=60, require="both").match(
        query) == []  # fmt: skip


# Formats -----------------------------------------------------------------------------------


def test_reference_lines_and_threatexchange_json_round_trip() -> None:
    text = (DATA / "vpdq-clip.txt").read_text()
    features = parse_features(text)
    assert format_features(features) == text
    signal = format_signal(features)
    assert signal.startswith(f'["{features[0].hex},{features[0].quality},0.000", "')
    again = parse_features(signal)
    assert [(f.pdq, f.quality, f.timestamp) for f in again] == [
        (f.pdq, f.quality, f.timestamp) for f in features
    ]
    assert [f.frame for f in again] == [0, 1, 2]  # the JSON signal has no frame numbers


def test_several_videos_in_one_file_round_trip() -> None:
    one = parse_features((DATA / "vpdq-clip.txt").read_text())
    two = parse_features((DATA / "vpdq-clip-every-frame.txt").read_text())[:5]
    text = "# exported by winnow\n" + format_videos([("te:1 clip", one), ("second", two)])
    assert parse_videos(text) == [("te:1 clip", one), ("second", two)]
    assert parse_videos(format_features(one)) == [(None, one)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,100,abc,0.000\n", "line 1: expected frame_number"),
        (f"0,101,{'0' * 64},0.000\n", "quality 101"),
        (f"1,100,{'0' * 64},0.000\n0,100,{'0' * 64},1.000\n", "must increase"),
        ('["nothex,100,0.000"]', "item 0"),
        ("{}", "expected frame_number"),
        ("# video: empty\n", "no frame hashes"),
    ],
)
def test_bad_vpdq_text_says_where_and_what(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_videos(text)


def test_bank_formats_carry_videos(tmp_path: Path) -> None:
    features = parse_features((DATA / "vpdq-clip.txt").read_text())
    store = SqliteBankStore.open(tmp_path)
    store.create_bank(Bank("b", "spam"))
    store.add_entries("b", [("pdq", "f" * 64, "img")])
    store.add_video("b", features, "te:7")
    entries = list(store.entries("b"))
    exported = export_entries(entries, "vpdq", lambda e: store.video(e.id))
    assert exported == "# video: te:7\n" + format_features(features)
    rows = list(parse_entries(io.StringIO(exported), "vpdq"))
    assert rows == [("vpdq", format_features(features), "te:7")]
    csv_text = export_entries(entries, "csv", lambda e: store.video(e.id))
    kinds = [r[0] for r in parse_entries(io.StringIO(csv_text), "csv")]
    assert kinds == ["pdq", "vpdq"]
    (video_row,) = [r for r in parse_entries(io.StringIO(csv_text), "csv") if r[0] == "vpdq"]
    assert [f.pdq for f in parse_features(video_row[1])] == [f.pdq for f in features]
    assert export_entries(entries, "pdq") == f"{'f' * 64},img\n"


def test_the_fast_path_skips_packets_and_keeps_the_hashes(banked: bytes) -> None:
    """1 s GOPs at 30 fps sampled once a second: most packets are never sent to the decoder."""
    from winnow.banks.vpdq import _plan

    plan = _plan(banked, "banked", 30)
    assert plan is not None and len(plan.ranks) == 300 and len(plan.sampled) == 10
    assert len(plan.unsent) > 100
    assert list(hash_video(banked)) == list(hash_video(banked, skip_unsampled=False))
