"""What the lexical model sees of a text."""

from __future__ import annotations

import pytest

from winnow.text.features import lexical_features, prepare


@pytest.mark.parametrize(
    ("spaced", "joined"),
    [("打 call 黑人", "打call黑人"), ("给他 打 call", "给他 打call"), ("日本 anime 好看", "日本anime好看"),
     ("买 iPhone 15 送 AirPods", "买iPhone 15送AirPods")],
)  # fmt: skip
def test_the_optional_space_between_han_and_latin_changes_nothing(spaced: str, joined: str) -> None:
    assert prepare(spaced) == prepare(joined)
    a, b = lexical_features([prepare(spaced)]), lexical_features([prepare(joined)])
    assert (a != b).nnz == 0


def test_spaces_within_one_script_stay() -> None:
    assert prepare("kill the boss") == "kill the boss"
    assert prepare("我 爱 你") == "我 爱 你"
