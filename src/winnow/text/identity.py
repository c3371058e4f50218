"""Identity terms, for counterfactual augmentation in training and group reports in evaluation.

Augmentation swaps one group term for another in a training text and keeps its labels: a
hateful sentence stays hateful about another group, a benign mention stays benign. The lexical
stage then cannot learn that a group's name is itself a sign of hate, which is what makes naive
models flag "I am a Muslim". These lists name groups so the model can be *protected* from them;
winnow never infers anyone's group.
"""

from __future__ import annotations

import random
import re

__all__ = ["GROUP_TERMS_EN", "GROUP_TERMS_ZH", "find_groups", "swap_group"]

GROUP_TERMS_EN: tuple[tuple[str, ...], ...] = (
    # adjectives / singular forms, interchangeable in "I am a ___ person", "the ___ community"
    ("muslim", "jewish", "christian", "hindu", "buddhist", "sikh", "catholic", "atheist",
     "black", "white", "asian", "latino", "hispanic", "arab", "african", "mexican", "chinese",
     "indian", "japanese", "korean", "uyghur", "kurdish", "palestinian", "israeli", "roma",
     "gay", "lesbian", "bisexual", "transgender", "queer", "disabled", "deaf", "blind",
     "immigrant", "native american", "indigenous", "middle eastern", "pakistani", "iranian"),
    # plural nouns
    ("muslims", "jews", "christians", "hindus", "buddhists", "sikhs", "catholics", "atheists",
     "asians", "latinos", "hispanics", "arabs", "africans", "mexicans", "immigrants",
     "refugees", "gays", "lesbians", "women", "men", "foreigners", "mormons"),
)  # fmt: skip

GROUP_TERMS_ZH: tuple[tuple[str, ...], ...] = (
    ("河南人", "东北人", "上海人", "北京人", "广东人", "四川人", "新疆人", "湖南人", "福建人",
     "男人", "女人", "男生", "女生", "中国人", "外国人", "美国人", "非洲人", "欧洲人", "犹太人",
     "双性恋", "跨性别者", "老年人",
     "维吾尔族", "回族", "藏族", "蒙古族", "壮族", "汉族", "穆斯林", "基督徒", "佛教徒",
     "黑人", "白人", "日本人", "韩国人", "印度人", "外地人", "农民工", "同性恋", "女性", "男性",
     "残疾人", "少数民族"),
)  # fmt: skip

_PATTERNS = [
    (group, re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(group, key=len, reverse=True)) + r")\b", re.IGNORECASE))
    for group in GROUP_TERMS_EN
] + [
    (group, re.compile("(" + "|".join(re.escape(t) for t in sorted(group, key=len, reverse=True)) + ")"))
    for group in GROUP_TERMS_ZH
]  # fmt: skip


def find_groups(text: str) -> set[str]:
    """Group terms mentioned in ``text`` (lower-cased)."""
    found: set[str] = set()
    for _, pattern in _PATTERNS:
        found.update(m.group(1).lower() for m in pattern.finditer(text))
    return found


def swap_group(text: str, rng: random.Random) -> str | None:
    """``text`` with its first group term replaced by another of the same kind; None if none."""
    for group, pattern in _PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        current = m.group(1).lower()
        choices = [t for t in group if t != current]
        new = rng.choice(choices)
        if m.group(1)[:1].isupper():
            new = new[:1].upper() + new[1:]
        return text[: m.start(1)] + new + text[m.end(1) :]
    return None
