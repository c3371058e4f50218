"""Generate benign Chinese sentences that mention identity groups (hard negatives for `hate`).

Written for winnow: everyday frames (neighbours, colleagues, food, festivals, books) crossed
with group names. Deterministic (fixed seed). Run from the repository root:

    python data/seed/make_zh_identity.py > data/seed/zh/identity_benign.jsonl

The frames deliberately differ from the ConversationAI identity templates used for evaluation
("我是X", "作为一名X我感觉…", "做X很…", "你是一位…"), so the evaluation is not taught to.
"""

from __future__ import annotations

import json
import random

GROUPS = [
    "男人", "女人", "男生", "女生", "黑人", "白人", "中国人", "外国人", "日本人", "韩国人",
    "印度人", "非洲人", "欧洲人", "美国人", "俄罗斯人", "以色列人", "巴基斯坦人", "穆斯林",
    "基督徒", "佛教徒", "犹太人", "维吾尔族", "回族", "藏族", "蒙古族", "壮族", "上海人",
    "河南人", "东北人", "四川人", "广东人", "新疆人", "农民工", "同性恋", "双性恋", "跨性别者",
    "残疾人", "盲人", "聋人", "老年人", "年轻人", "少数民族",
]  # fmt: skip

FRAMES = [
    "我的邻居是{g}，人很热情。",
    "今天和几个{g}同事一起加班到很晚。",
    "关于{g}的这部纪录片拍得很用心。",
    "我们班有{g}同学，大家相处得很好。",
    "周末去参加了{g}社区组织的义卖活动。",
    "这本书讲了一位{g}医生的故事，很感人。",
    "{g}朋友送了我一盒家乡的点心。",
    "新闻里说{g}在找工作时常遇到歧视，这不公平。",
    "我表姐嫁给了一个{g}，婚礼很热闹。",
    "那位{g}老师讲课特别有耐心。",
    "听{g}讲他们的节日习俗，真长见识。",
    "{g}也有权利被平等对待。",
]


def main() -> None:
    rng = random.Random(0)
    pairs = [(g, f) for g in GROUPS for f in FRAMES]
    rng.shuffle(pairs)
    for g, frame in pairs[:300]:
        line = {
            "text": frame.format(g=g),
            "labels": {"hate": 0, "harassment": 0, "violence": 0, "extremism": 0},
            "lang": "zh",
            "source": "seed-zh/identity-generated",
            "kind": "hard_negative",
        }
        print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
