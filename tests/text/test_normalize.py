import pytest
from hypothesis import given
from hypothesis import strategies as st

from winnow.text.normalize import fold, fold_map, is_cjk, squeeze, squeeze_map


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("FUCK", "fuck"),
        ("f.u.c.k", "fuck"),
        ("f u c k", "fuck"),
        ("f_u-c*k", "fuck"),
        ("ｆｕｃｋ", "fuck"),  # full-width
        ("f\u200bu\u200dck", "fuck"),  # zero-width
        ("\u202efuck", "fuck"),  # bidi override
        ("fuсk", "fuck"),  # Cyrillic es
        ("fück", "fuck"),  # diacritic
        ("5h1t", "shit"),  # leetspeak
        ("@$$", "ass"),
        ("坏 蛋", "坏蛋"),
    ],
)
def test_squeeze_defeats_evasion(raw: str, expected: str) -> None:
    assert squeeze(raw) == expected


def test_fold_keeps_separators() -> None:
    assert fold("Héllo  Wörld\u200b!") == "hello  world!"


@given(st.text(max_size=60))
def test_maps_agree_with_fast_paths(text: str) -> None:
    squeezed, index = squeeze_map(text)
    assert squeezed == squeeze(text)
    assert len(index) == len(squeezed)
    assert index == sorted(index)
    assert all(0 <= i < len(text) for i in index)
    folded, findex = fold_map(text)
    assert folded == fold(text)
    assert len(findex) == len(folded)


def test_is_cjk() -> None:
    assert is_cjk("你") and is_cjk("한") and is_cjk("カ")
    assert not is_cjk("a") and not is_cjk("й")
