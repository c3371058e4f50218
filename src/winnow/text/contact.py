"""Finds contact details, links, prices and spam markers in text, with their spans.

Pure functions over one text; :mod:`winnow.detectors.text_rules` turns the findings into scores.
Obfuscated forms are read too: ``w w w . x . com``, ``x dot com``, ``x[.]com``, ``wechat: abc``,
``➕V abc``, ``加微信``, full-width digits, and digits spelled as Chinese numerals.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["Finding", "find_contacts", "spam_markers"]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # url, shortener, handle, phone, email, price, promo, solicit
    start: int
    end: int
    text: str


_TLDS = (
    "com|net|org|info|biz|io|co|me|ly|gg|xyz|top|cn|ru|uk|de|fr|jp|kr|in|br|tk|ml|ga|cf|vip|"
    "shop|site|online|club|app|link|live|store|tv|cc|ws|su|pw|win|bid|loan|icu|buzz|fun|asia"
)
_SHORTENERS = (
    "bit.ly|t.co|tinyurl.com|goo.gl|is.gd|ow.ly|t.me|wa.me|buff.ly|cutt.ly|rb.gy|s.id|"
    "shorturl.at|tiny.cc|v.gd|rebrand.ly|linktr.ee|dwz.cn|url.cn|suo.im"
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'，。]+"
    r"|\b[a-z0-9][a-z0-9\-]{0,62}(?:\.[a-z0-9\-]{1,63})*\.(?:" + _TLDS + r")\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_SHORT = re.compile(r"\b(?:" + _SHORTENERS.replace(".", r"\.") + r")/?\S*", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_PLATFORMS = (
    r"wechat|we\s?chat|weixin|wei\s?xin|wx|vx|v信|微信|薇信|威信|徽信|加v|\+\s?v|➕\s?v|"
    r"qq|q群|扣扣|telegram|tg|whats\s?app|line|kik|snap(?:chat)?|insta(?:gram)?|ig|discord|"
    r"skype|signal|viber|电报|飞机"
)
_WEAK_PLATFORMS = re.compile(
    r"(?:line|signal|kik|snap|snapchat|ig|tg|discord|skype|viber|insta|instagram|wx|飞机)\b",
    re.IGNORECASE,
)
_HANDLE = re.compile(
    r"(?<![a-z0-9])(?P<platform>"
    + _PLATFORMS
    + r")(?:\s*(?:id|号|號|账号))?\s*(?:[:：=\-@]|是|is|me)?\s*"
    r"(?P<id>@?[a-z0-9][a-z0-9_.\-]{3,31})",
    re.IGNORECASE,
)
_PLATFORM_ONLY = re.compile(
    r"(?:加|➕|\+)\s?(?:微信|薇信|v信|vx|v|微|扣扣|qq)(?![a-z])", re.IGNORECASE
)
_SOLICIT = re.compile(
    r"\b(?:add me|dm me|pm me|message me|text me|contact me|hit me up|whatsapp me|call me|"
    r"inbox me|slide into|link in (?:my )?bio|check my (?:profile|bio)|click (?:here|the link)|"
    r"sign up|subscribe to my|follow me)\b|加我|私聊|私信|联系我|详聊|咨询|找我|扫码|点击链接",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![0-9A-Za-z.])\+?\(?\d[\d\s\-().]{6,18}\d(?![0-9A-Za-z.])")
_CN_DIGITS = re.compile(r"[零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖幺两①②③④⑤⑥⑦⑧⑨⓪]{7,}")
_PRICE = re.compile(
    r"(?:[$€£¥￥]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:usd|dollars|bucks|eur|rmb|元|块|圆)(?![a-z])|"
    r"\b\d{1,2}\s?% off\b|\d+折)",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"\b(?:cheap|discount|promo(?:tion)? code|coupon|free shipping|limited time|best price|"
    r"buy now|order now|act now|sale|followers|likes|earn \$?\d+|make money|work from home|"
    r"giveaway|winner|you(?:'ve| have)? won|congratulations|claim (?:your|now)|free gift|"
    r"casino|betting|bitcoin|crypto|investment|loan|100% free|guaranteed)\b|"
    r"代购|刷单|兼职|日结|低价|优惠|促销|特价|贷款|秒批|博彩|彩票|棋牌|返利|免费领|包邮|招代理|出售|赚钱",
    re.IGNORECASE,
)
_DEOBFUSCATE = (
    (
        re.compile(
            r"\s*(?:\[\.\]|\(\.\)|\(dot\)|\[dot\]|\bdot\b|。|點|点)\s*|\s+\.\s*", re.IGNORECASE
        ),
        ".",
    ),
)
_SPACED = re.compile(r"(?:\b\w\s){2,}\w\b")


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


# Cheap triggers, found in one C pass over the lower-cased text: the expensive expressions only
# run on texts that contain one of their keywords. Each list is broader than its expression.
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "handle": ("wechat", "we chat", "weixin", "wei xin", "wx", "vx", "v信", "微信", "薇信", "威信",
               "徽信", "加v", "+v", "+ v", "➕", "qq", "q群", "扣扣", "telegram", "tg", "whats",
               "line", "kik", "snap", "insta", "ig", "discord", "skype", "signal", "viber", "电报",
               "飞机", "加微"),
    "promo": ("cheap", "discount", "promo", "coupon", "free", "limited time", "best price", "buy",
              "order now", "act now", "sale", "follower", "likes", "earn", "money", "work from",
              "giveaway", "winner", "won", "congratulation", "claim", "casino", "betting",
              "bitcoin", "crypto", "investment", "loan", "guaranteed", "代购", "刷单", "兼职",
              "日结", "低价", "优惠", "促销", "特价", "贷款", "秒批", "博彩", "彩票", "棋牌", "返利",
              "免费", "包邮", "招代理", "出售", "赚钱"),
    "solicit": ("add me", "dm me", "pm me", "message me", "text me", "contact me", "hit me up",
                "whatsapp me", "call me", "inbox me", "slide into", "link in", "check my", "click",
                "sign up", "subscribe", "follow me", "加我", "私聊", "私信", "联系我", "详聊", "咨询",
                "找我", "扫码", "点击链接"),
}  # fmt: skip
_DOT_WORD = re.compile(r"\.[^\W\d_]{2}")
_DIGIT = re.compile(r"\d")


@cache
def _trigger_automaton() -> Any:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for kind, words in _TRIGGERS.items():
        for word in words:
            kinds = automaton.get(word, set())
            kinds.add(kind)
            automaton.add_word(word, kinds)
    automaton.make_automaton()
    return automaton


def _triggered(lowered: str) -> set[str]:
    kinds: set[str] = set()
    for _, hit in _trigger_automaton().iter(lowered):
        kinds |= hit
    return kinds


def find_contacts(text: str) -> list[Finding]:
    """Every link, handle, phone number, e-mail, price, promo phrase and solicitation in ``text``."""
    found: list[Finding] = []
    lowered = text.lower()
    kinds = _triggered(lowered)
    emails: list[tuple[int, int]] = []
    if "@" in text:
        for m in _EMAIL.finditer(text):
            emails.append((m.start(), m.end()))
            found.append(Finding("email", m.start(), m.end(), m.group()))
    if _DOT_WORD.search(text) or "http" in lowered or "www" in lowered:
        for m in _SHORT.finditer(text):
            found.append(Finding("shortener", m.start(), m.end(), m.group()))
        for m in _URL.finditer(text):
            if any(s <= m.start() < e for s, e in emails) or _is_number_like(m.group()):
                continue
            found.append(Finding("url", m.start(), m.end(), m.group()))
    if "handle" in kinds:
        found.extend(_handles(text))
    has_digit = _DIGIT.search(text) is not None
    if has_digit:
        for m in _PHONE.finditer(text):
            if 8 <= _digits(m.group()) <= 15 and not _is_date_like(m.group()):
                found.append(Finding("phone", m.start(), m.end(), m.group()))
    if not text.isascii():
        for m in _CN_DIGITS.finditer(text):
            found.append(Finding("phone", m.start(), m.end(), m.group()))
    if has_digit:
        for m in _PRICE.finditer(text):
            found.append(Finding("price", m.start(), m.end(), m.group()))
    if "promo" in kinds:
        for m in _PROMO.finditer(text):
            found.append(Finding("promo", m.start(), m.end(), m.group()))
    if "solicit" in kinds:
        for m in _SOLICIT.finditer(text):
            found.append(Finding("solicit", m.start(), m.end(), m.group()))
    found.extend(_obfuscated_urls(text, {(f.start, f.end) for f in found if f.kind == "url"}))
    return _dedupe(found)


def _dedupe(found: list[Finding]) -> list[Finding]:
    """Drop findings inside a longer finding of the same kind; sort by position."""
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for f in found:
        if any(k.kind == f.kind and k.start <= f.start and f.end <= k.end for k in kept):
            continue
        kept.append(f)
    return kept


def _handles(text: str) -> list[Finding]:
    found = []
    for m in _HANDLE.finditer(text):
        handle = m.group("id")
        if handle.lower() in _NOT_HANDLES:
            continue
        weak = _WEAK_PLATFORMS.fullmatch(m.group("platform"))
        if weak and not (re.search(r"[:：=@]", m.group()) or any(c.isdigit() for c in handle)):
            continue
        found.append(Finding("handle", m.start(), m.end(), m.group()))
    for m in _PLATFORM_ONLY.finditer(text):
        found.append(Finding("handle", m.start(), m.end(), m.group()))
    return found


_NOT_HANDLES = {"group", "chat", "call", "account", "message", "with", "them", "that", "this"}


def _is_number_like(s: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", s))


def _is_date_like(s: str) -> bool:
    return bool(
        re.fullmatch(
            r"\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4}", s.strip()
        )
    )


def _obfuscated_urls(text: str, seen: set[tuple[int, int]]) -> list[Finding]:
    """URLs written with spaced letters or ``dot`` words, mapped back to original spans."""
    lowered = text.lower()
    if not (
        _SPACED.search(text)
        or " ." in text
        or "dot" in lowered
        or "[.]" in text
        or "点" in text
        or "。" in text
    ):
        return []
    chars: list[str] = []
    index: list[int] = []
    # Remove spaces between single characters ("w w w . x . c o m"), then rewrite dot words.
    spaced_spans = [(m.start(), m.end()) for m in _SPACED.finditer(text)]
    for i, ch in enumerate(text):
        if ch == " " and any(s <= i < e for s, e in spaced_spans):
            continue
        chars.append(ch)
        index.append(i)
    collapsed = "".join(chars)
    for pattern, repl in _DEOBFUSCATE:
        out: list[str] = []
        new_index: list[int] = []
        pos = 0
        for m in pattern.finditer(collapsed):
            out.append(collapsed[pos : m.start()])
            new_index.extend(index[pos : m.start()])
            out.append(repl)
            new_index.append(index[m.start()])
            pos = m.end()
        out.append(collapsed[pos:])
        new_index.extend(index[pos:])
        collapsed, index = "".join(out), new_index
    findings = []
    for m in _URL.finditer(collapsed):
        if _is_number_like(m.group()):
            continue
        start, end = index[m.start()], index[m.end() - 1] + 1
        if (start, end) in seen or any(s <= start and end <= e for s, e in seen):
            continue
        findings.append(Finding("url", start, end, text[start:end]))
    return findings


@dataclass(frozen=True, slots=True)
class SpamMarkers:
    repeated_token_ratio: float  # share of tokens that repeat the most common token
    max_char_run: int
    caps_ratio: float  # uppercase share of letters (texts with >= 12 letters)
    exclamations: int
    tokens: int


_TOKEN = re.compile(r"\w+")
_RUN = re.compile(r"(\S)\1{7,}")
_UPPER = re.compile(r"[A-Z]")
_UPPER_PAIR = re.compile(r"[A-Z]{2}")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def spam_markers(text: str) -> SpamMarkers:
    tokens = _TOKEN.findall(text.lower())
    most = Counter(tokens).most_common(1)[0][1] if tokens else 0
    run = _RUN.search(text)
    best = len(run.group()) if run else 1
    if run:
        for m in _RUN.finditer(text, run.end()):
            best = max(best, len(m.group()))
    caps = 0.0
    if _UPPER_PAIR.search(text):  # a caps burst needs two capitals in a row somewhere
        letters = len(_ASCII_LETTER.findall(text))
        caps = len(_UPPER.findall(text)) / letters if letters >= 12 else 0.0
    return SpamMarkers(
        repeated_token_ratio=most / len(tokens) if len(tokens) >= 6 else 0.0,
        max_char_run=best,
        caps_ratio=caps,
        exclamations=text.count("!") + text.count("！"),
        tokens=len(tokens),
    )
