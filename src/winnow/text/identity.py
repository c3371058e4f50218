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
from functools import cache

__all__ = [
    "GROUP_PLACEHOLDER",
    "GROUP_TERMS_EN",
    "GROUP_TERMS_ZH",
    "find_groups",
    "mask_groups",
    "protected_terms",
    "swap_group",
]

GROUP_PLACEHOLDER = "qgrpq"
"""What :func:`mask_groups` writes for a group name: one token, the same for every group."""

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


# Wider lists of protected-group names, used to blind the lexical stage (see ``protected_terms``).
# Not for swapping: the augmentation lists above must stay as they are, or retraining samples
# (and re-encodes) different texts.
_MORE_EN = (
    "jew", "islam", "hinduism", "judaism", "christianity", "buddhism", "sikhism", "protestant",
    "protestants", "evangelical", "orthodox", "mormon", "jain", "bahai", "taoist", "pagan",
    "rastafarian", "amish", "blacks", "whites", "african american", "african americans",
    "african-american", "latina", "latinx", "chicano", "aboriginal", "maori", "filipino",
    "vietnamese", "thai", "russian", "russians", "ukrainian", "ukrainians", "german", "germans",
    "french", "british", "american", "americans", "canadian", "australian", "brazilian",
    "nigerian", "somali", "somalis", "ethiopian", "turkish", "syrian", "syrians", "afghan",
    "iraqi", "iranians", "pakistanis", "indians", "koreans", "japanese people", "chinese people",
    "migrant", "migrants", "refugee", "asylum seekers", "trans", "nonbinary", "non-binary",
    "intersex", "homosexual", "homosexuals", "heterosexual", "lgbt", "lgbtq", "gay men",
    "transgender people", "trans women", "trans men", "deaf people", "blind people",
    "wheelchair user", "autistic", "mentally ill", "elderly", "old people", "young people",
    "teenagers", "girls", "boys", "woman", "man", "feminists",
)  # fmt: skip
_MORE_ZH = (
    "汉族人", "维吾尔族人", "维吾尔人", "维族", "藏族人", "藏人", "回族人", "蒙古族人", "蒙古人",
    "壮族人", "苗族", "彝族", "满族", "朝鲜族", "哈萨克族", "土家族", "侗族", "瑶族", "白族",
    "傣族", "黎族", "英国人", "法国人", "德国人", "俄罗斯人", "意大利人", "西班牙人", "葡萄牙人",
    "巴西人", "墨西哥人", "加拿大人", "澳大利亚人", "新西兰人", "爱尔兰人", "瑞典人", "瑞士人",
    "荷兰人", "波兰人", "乌克兰人", "土耳其人", "伊朗人", "伊拉克人", "阿拉伯人", "以色列人",
    "巴勒斯坦人", "巴基斯坦人", "孟加拉人", "越南人", "泰国人", "菲律宾人", "印尼人", "马来人",
    "新加坡人", "朝鲜人", "台湾人", "香港人", "澳门人", "埃及人", "尼日利亚人", "南非人",
    "阿富汗人", "阿塞拜疆人", "哈萨克人", "北京人", "天津人", "重庆人", "河北人", "山西人",
    "辽宁人", "吉林人", "黑龙江人", "江苏人", "浙江人", "安徽人", "江西人", "山东人", "湖北人",
    "广西人", "海南人", "贵州人", "云南人", "陕西人", "甘肃人", "青海人", "宁夏人", "西藏人",
    "内蒙古人", "温州人", "广州人", "深圳人", "农村人", "城里人", "本地人", "黄种人", "亚洲人",
    "拉丁裔", "混血儿", "伊斯兰教徒", "基督教徒", "天主教徒", "道教徒", "犹太教徒", "印度教徒",
    "锡克教徒", "无神论者", "和尚", "尼姑", "牧师", "神父", "阿訇", "男孩", "女孩", "男同性恋",
    "女同性恋", "异性恋", "跨性别", "变性人", "双性人", "酷儿", "残障人士", "视障人士", "聋人",
    "聋哑人", "听障人士", "智障人士", "自闭症患者", "精神病患者", "老人", "中老年人", "年轻人",
    "青少年", "儿童", "中年人", "成年人", "农民", "工人", "穷人", "外卖员", "快递员",
)  # fmt: skip


def protected_terms() -> tuple[str, ...]:
    """Every protected-group name winnow knows, English and Chinese (for blinding, not labels)."""
    seen: dict[str, None] = {}
    for group in (*GROUP_TERMS_EN, *GROUP_TERMS_ZH, _MORE_EN, _MORE_ZH):
        for term in group:
            seen.setdefault(term, None)
            if term.endswith("族"):  # 满族 and 满族人
                seen.setdefault(term + "人", None)
    return tuple(seen)


@cache
def _mask_pattern() -> re.Pattern[str]:
    terms = sorted(protected_terms(), key=len, reverse=True)
    latin = [re.escape(t) for t in terms if t.isascii()]
    other = [re.escape(t) for t in terms if not t.isascii()]
    return re.compile(r"\b(?:" + "|".join(latin) + r")\b|" + "|".join(other), re.IGNORECASE)


def mask_groups(text: str) -> str:
    """``text`` with every protected-group name replaced by :data:`GROUP_PLACEHOLDER`.

    The hate and harassment heads of the lexical stage read texts this way, in training and at
    inference, so they weigh what is said about a group and never which group it is: the data
    (COLD above all) mentions some groups mostly in hateful posts, and a model that reads the
    names learns "男人" or "黑人" as a sign of hate and flags "称赞男人".
    """
    return _mask_pattern().sub(GROUP_PLACEHOLDER, text)
