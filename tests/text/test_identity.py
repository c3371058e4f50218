"""Group names are masked alike for the hate and harassment heads, and only group names are."""

from __future__ import annotations

import random

from winnow.text.features import prepare
from winnow.text.identity import GROUP_PLACEHOLDER as G
from winnow.text.identity import find_groups, mask_groups, protected_terms, swap_group


def test_every_group_reads_the_same_once_masked() -> None:
    masked = {mask_groups(prepare(f"I am proud to be {t}")) for t in ("Muslim", "Jewish", "gay")}
    assert masked == {f"i am proud to be {G}"}
    zh = {mask_groups(prepare(f"称赞{t}")) for t in ("男人", "黑人", "中国人", "维吾尔族人")}
    assert zh == {f"称赞{G}"}


def test_only_whole_words_are_masked() -> None:
    assert (
        mask_groups("manchester is manly; the blackboard") == "manchester is manly; the blackboard"
    )
    assert mask_groups("Black lives matter") == f"{G} lives matter"
    assert mask_groups("河南人都是骗子") == f"{G}都是骗子"  # the hateful predicate stays


def test_term_lists_cover_both_languages_without_duplicates() -> None:
    terms = protected_terms()
    assert len(terms) == len(set(terms))
    assert {"muslim", "uyghur", "男人", "满族人", "维吾尔族"} <= set(terms)


def test_swap_keeps_the_kind_of_term() -> None:
    out = swap_group("Muslims are welcome here", random.Random(0))
    assert (
        out is not None and out != "Muslims are welcome here" and out.endswith(" are welcome here")
    )
    assert find_groups(out)
