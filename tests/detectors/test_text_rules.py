import os
from collections.abc import Sequence

import pytest

from winnow.detectors.text_rules import ContactSpamRules
from winnow.testing import DetectorContract, text_item
from winnow.types import Item


class TestContract(DetectorContract):
    @pytest.fixture
    def detector(self) -> ContactSpamRules:
        return ContactSpamRules()

    @pytest.fixture
    def sample_items(self) -> Sequence[Item]:
        return [
            text_item("add me on wechat: abc123 for cheap followers"),
            text_item("What a lovely day in the park"),
            text_item("FREE FREE FREE!!!! click here http://a.xyz http://b.xyz"),
        ]


def scores(text: str) -> dict[str, float]:
    (result,) = ContactSpamRules().detect_batch([text_item(text)])
    return {s.category: s.score for s in result.signals}


def test_solicitation_with_handle_scores_high_with_spans() -> None:
    (result,) = ContactSpamRules().detect_batch(
        [text_item("add me on wechat: abc123 for cheap followers")]
    )
    ad = next(s for s in result.signals if s.category == "advertising")
    assert ad.score >= 0.8
    assert ("wechat: abc123", "handle") in {(e.snippet, e.detail) for e in ad.evidence}
    assert any(str(e.locator) == "chars=10-24" for e in ad.evidence)


def test_one_weak_cue_stays_below_default_review() -> None:
    assert scores("the docs are at https://python.org").get("advertising", 0) < 0.6
    assert scores("bread costs $3 now").get("advertising", 0) < 0.6
    assert scores("What a lovely day in the park") == {}


def test_spam_markers_score_spam() -> None:
    s = scores("WIN WIN WIN WIN WIN WIN click here http://a.xyz http://b.xyz!!!!")
    assert s["spam"] >= 0.7


def test_scores_do_not_depend_on_the_process_hash_seed() -> None:
    """Scan engines run detectors in other processes, each with its own string-hash seed: a
    product of weights taken in set order differed in the 4th decimal (local vs Ray lines)."""
    import subprocess
    import sys

    code = (
        "import itertools, json\n"
        "from winnow.detectors.scoring import noisy_or\n"
        "from winnow.detectors.text_rules import ADVERTISING_WEIGHTS, SPAM_WEIGHTS\n"
        "out = [noisy_or(w, set(c)) for w in (ADVERTISING_WEIGHTS, SPAM_WEIGHTS)\n"
        "       for r in range(2, 5) for c in itertools.combinations(sorted(w), r)]\n"
        "print(json.dumps(out))\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(6)
    }  # fmt: skip
    assert len(runs) == 1
