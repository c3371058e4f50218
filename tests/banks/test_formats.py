from __future__ import annotations

import io

import pytest

from winnow.banks.formats import export_entries, parse_entries
from winnow.banks.model import Entry
from winnow.errors import InputError

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d35c785545392755e7e4164457657269"


def test_pdq_lines_keep_metadata_and_skip_comments() -> None:
    text = f"# a list\n{PDQ.upper()}\n\n{PDQ},100,bridge.jpg\n"
    assert list(parse_entries(io.StringIO(text), "pdq")) == [
        ("pdq", PDQ, ""),
        ("pdq", PDQ, "100,bridge.jpg"),
    ]


def test_csv_with_hma_and_plain_headers() -> None:
    hma = f"signal_type,signal,source\npdq,{PDQ},te:123\nmd5,{MD5},\n"
    assert list(parse_entries(io.StringIO(hma), "csv")) == [
        ("pdq", PDQ, "source=te:123"),
        ("md5", MD5, ""),
    ]
    plain = f"hash,note\n{PDQ},meme\n"
    assert list(parse_entries(io.StringIO(plain), "csv")) == [("pdq", PDQ, "note=meme")]


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("nothex\n", "pdq", "line 1"),
        (f"signal_type,signal\ntmk,{PDQ}\n", "csv", "not one of"),
        (f"signal_type,signal\nmd5,{PDQ}\n", "csv", "32 hex digits"),
        ("a,b\n1,2\n", "csv", "no hash column"),
    ],
)
def test_bad_rows_say_where_and_what(text: str, fmt: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        list(parse_entries(io.StringIO(text), fmt))  # type: ignore[arg-type]


def test_export_round_trips() -> None:
    entries = [Entry("b", "pdq", PDQ, "x.jpg"), Entry("b", "md5", MD5, "")]
    csv_text = export_entries(entries, "csv")
    assert list(parse_entries(io.StringIO(csv_text), "csv")) == [
        ("pdq", PDQ, "metadata=x.jpg"),
        ("md5", MD5, ""),
    ]
    assert export_entries(entries, "pdq") == f"{PDQ},x.jpg\n"
