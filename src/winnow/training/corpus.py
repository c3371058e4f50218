"""One labelled, deduplicated corpus from every text dataset under ``shared/data/text``.

Each dataset directory has one loader in :data:`SOURCES`. A loader reads the files as published
and yields :class:`LabelledText` records whose ``labels`` give 0/1 only for the categories that
dataset actually annotates: a category that is missing from ``labels`` is *unknown* for that
record, and a trainer must mask it out of the loss rather than treat it as 0. The loader's
docstring is the label mapping for that dataset (it is copied into the model card).

:func:`iter_corpus` runs the loaders and drops duplicates by normalised text (NFKC, casefold,
whitespace collapsed), merging the labels of duplicates with max per category. :func:`split_of`
puts a text in ``train`` or ``dev`` from a hash of that same normalised text, so duplicates can
never straddle the split and the split does not depend on which sources were loaded.

Run as ``python -m winnow.training.corpus DATA_DIR OUT_DIR [--max-per-source N] [--seed S]``
to write ``OUT_DIR/train.jsonl`` and ``OUT_DIR/dev.jsonl`` (the ``winnow eval`` line format)
and print the counts per split and source as JSON.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import html
import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from winnow.taxonomy import CATEGORY_KEYS

__all__ = [
    "SOURCES",
    "LabelledText",
    "iter_corpus",
    "iter_identity_templates",
    "normalise",
    "split_of",
    "to_json",
    "write_splits",
]

_KEYS = frozenset(CATEGORY_KEYS)


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One text with the labels its source knows.

    ``labels`` maps a category key to 0 or 1 for the categories this source annotates; a
    category that is absent is unknown. ``lang`` is the ISO 639-1 code of the text's language
    as the source gives it; ``source`` is the dataset directory name; ``group`` is the identity
    group (or topic) the text is about, where the source says.
    """

    text: str
    labels: dict[str, int]
    lang: str
    source: str
    group: str | None = None


Loader = Callable[[Path], Iterator[LabelledText]]

SOURCES: dict[str, Loader] = {}


def _register(name: str) -> Callable[[Loader], Loader]:
    def deco(fn: Loader) -> Loader:
        SOURCES[name] = fn
        return fn

    return deco


# --------------------------------------------------------------------------------------------
# Text helpers

_WS = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")
_INVISIBLE = re.compile("[\ufeff\ufffd\u200b]")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")
_U_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
_TAG = re.compile(r"<[^>]{0,300}>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")


def normalise(text: str) -> str:
    """The dedup and split key: NFKC, casefolded, whitespace collapsed and stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _clean(text: str) -> str:
    """Drop byte-order marks, replacement characters, zero-width spaces and lone surrogates."""
    return _SURROGATES.sub("", _INVISIBLE.sub("", text)).strip()


def _rec(
    text: str, labels: dict[str, int], lang: str, source: str, group: str | None = None
) -> LabelledText | None:
    text = _clean(text)
    if not labels or not normalise(text):  # nothing known about it, or nothing to read
        return None
    for key, value in labels.items():
        if key not in _KEYS or value not in (0, 1):
            raise ValueError(f"{source}: bad label {key}={value!r}")
    return LabelledText(text=text, labels=dict(labels), lang=lang, source=source, group=group)


def _zeros(*keys: str) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def _read_csv(path: Path, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh, delimiter=delimiter)


def _read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                if isinstance(obj, dict):
                    yield obj


def _decode_u_escapes(text: str) -> str:
    """Turn literal ``\\u2019`` / surrogate-pair escapes (JSON style) into characters."""

    def sub(m: re.Match[str]) -> str:
        try:
            decoded = json.loads('"' + m.group(0) + '"')
        except ValueError:
            return m.group(0)
        return _SURROGATES.sub("", decoded) if isinstance(decoded, str) else m.group(0)

    return _U_ESCAPES.sub(sub, text)


def _fix_gbk_mojibake(text: str) -> str:
    """Repair UTF-8 text once decoded as GBK (``n茫o`` -> ``não``), run by run of non-ASCII
    characters; a run that does not round-trip (a real CJK character, ``卐``) is left alone."""
    if not _CJK.search(text):
        return text

    def sub(m: re.Match[str]) -> str:
        run = m.group(0)
        if not _CJK.search(run):
            return run
        try:
            raw = run.replace("\ufffd", "").encode("gbk")
        except UnicodeEncodeError:
            return run
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            if "\ufffd" not in run:  # nothing was lost, so this is not mojibake
                return run
            return raw.decode("utf-8", errors="replace").replace("\ufffd", "")

    return _NON_ASCII_RUN.sub(sub, text)


def _fix_latin1_mojibake(text: str) -> str:
    """Repair UTF-8 bytes read as Latin-1 (``fiancÃ©`` -> ``fiancé``); else unchanged."""
    if all(ord(c) < 128 for c in text) or any(ord(c) > 255 for c in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _strip_html(text: str) -> str:
    return html.unescape(_TAG.sub("", _BR.sub(" ", text)))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_WORDS = _words(
    "the a an and or to of in on for with is are was were be been being this that these those "
    "it its you your we our they their them he she his her him i my me not no but if so do does "
    "did have has had will would can could should just from at by as what who how why when all "
    "about more out up there here than then into after over"
)
_FR_WORDS = _words(
    "le la les des du de et est une un pour pas que qui dans sur avec ce il elle nous vous ils "
    "sont au aux ne se en mais ou je tu son sa ses leur"
)


def _looks_english(text: str) -> bool:
    """Crude stdlib-only English check for tweets: mostly ASCII letters, English function words."""
    body = _MENTION.sub(" ", _URL.sub(" ", text)).replace("#", " ")
    letters = [c for c in body if c.isalpha()]
    if len(letters) < 12:
        return False
    if sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return False
    words = re.findall(r"[a-z']+", body.lower())
    if len(words) < 4:
        return False
    en = sum(w in _EN_WORDS for w in words)
    fr = sum(w in _FR_WORDS for w in words)
    return en >= 2 and en > fr


def _int(value: str | None, default: int = 0) -> int:
    try:
        return round(float(value)) if value not in (None, "") else default
    except ValueError:
        return default


# --------------------------------------------------------------------------------------------
# Loaders (one per dataset directory; the docstring is the label mapping)


@_register("davidson-hate-offensive")
def load_davidson(root: Path) -> Iterator[LabelledText]:
    """Davidson et al. 2017, English tweets (``data/labeled_data.csv``), majority ``class``.

    - 0 hate speech -> hate=1 (other categories unknown).
    - 1 offensive language -> profanity=1, hate=0.
    - 2 neither -> hate=0, harassment=0, profanity=0, violence=0.

    HTML entities (``&amp;``, ``&#128514;``) are unescaped; ``RT @user:`` prefixes are kept.
    """
    src = root.name
    for row in _read_csv(root / "data" / "labeled_data.csv"):
        cls = row.get("class", "")
        if cls == "0":
            labels = {"hate": 1}
        elif cls == "1":
            labels = {"profanity": 1, "hate": 0}
        elif cls == "2":
            labels = _zeros("hate", "harassment", "profanity", "violence")
        else:
            continue
        rec = _rec(html.unescape(row.get("tweet") or ""), labels, "en", src)
        if rec:
            yield rec


_TOXIGEN_GROUPS = {"mental_dis": "mental_disability", "physical_dis": "physical_disability"}


@_register("toxigen")
def load_toxigen(root: Path) -> Iterator[LabelledText]:
    """ToxiGen (Hartvigsen et al. 2022), English, machine-generated statements about 13 groups.

    - ``annotated-train-mirror/data/toxigen.csv`` (the human-annotated set): hate=1 when
      ``toxicity_ai + toxicity_human > 5.5`` (mean of the two 1-5 human ratings above 2.75, the
      binarisation used by the lm-evaluation-harness ToxiGen task), else hate=0. The file's
      ``label`` column is the *prompt* type used to generate the text, not the annotation, and
      is ignored. ``group`` = ``target_group``. Texts are stored as Python bytes literals and
      are decoded as UTF-8.
    - ``demonstrations/*/hate_*.txt``: the authors' hand-written hateful seed statements ->
      hate=1.
    - ``demonstrations/*/neutral_*.txt``: benign statements about the same groups -> hate=0,
      harassment=0, violence=0, extremism=0 (false-positive probes).
    - Demonstration ``group`` comes from the file name (``hate_middle_east_sentences`` ->
      ``middle_east``).
    """
    src = root.name
    for row in _read_csv(root / "annotated-train-mirror" / "data" / "toxigen.csv"):
        raw = row.get("text") or ""
        text = raw
        if raw[:2] in ("b'", 'b"'):
            try:
                value = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, bytes):
                text = value.decode("utf-8", errors="replace")
        try:
            score = float(row.get("toxicity_ai") or "") + float(row.get("toxicity_human") or "")
        except ValueError:
            continue
        group = row.get("target_group") or None
        group = _TOXIGEN_GROUPS.get(group, group) if group else None
        rec = _rec(text, {"hate": int(score > 5.5)}, "en", src, group)
        if rec:
            yield rec
    for path in sorted((root / "demonstrations").glob("*/*.txt")):
        stem = path.stem
        if stem.startswith("hate_"):
            labels = {"hate": 1}
            group = stem[len("hate_") :]
        elif stem.startswith("neutral_"):
            labels = _zeros("hate", "harassment", "violence", "extremism")
            group = stem[len("neutral_") :]
        else:
            continue
        group = group.removesuffix("_sentences")
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = _rec(line.lstrip("-• "), labels, "en", src, group)
            if rec:
                yield rec


@_register("gab-hate-corpus")
def load_gab(root: Path) -> Iterator[LabelledText]:
    """Gab Hate Corpus (Kennedy et al.), English Gab posts, ``ghc_train.tsv`` + ``ghc_test.tsv``.

    The published columns are already the annotator majority (0/1):
    ``hd`` (assault on human dignity) -> hate; ``cv`` (call for violence) -> violence;
    ``vo`` (vulgarity/offensive language) -> profanity. All three are always known.
    """
    src = root.name
    for name in ("ghc_train.tsv", "ghc_test.tsv"):
        for row in _read_csv(root / "GabHateCorpus" / "Data" / name, delimiter="\t"):
            labels = {
                "hate": int(_int(row.get("hd")) > 0),
                "violence": int(_int(row.get("cv")) > 0),
                "profanity": int(_int(row.get("vo")) > 0),
            }
            rec = _rec(row.get("text") or "", labels, "en", src)
            if rec:
                yield rec


def _implicit_text(text: str) -> str:
    # Posts carry quote debris from a CSV round-trip ("  \" : text \" \" \""): trim it.
    return _WS.sub(" ", text).strip(' "')


@_register("implicit-hate-corpus")
def load_implicit_hate(root: Path) -> Iterator[LabelledText]:
    """Latent Hatred (ElSherief et al. 2021), English tweets.

    - Stage 1 (``implicit_hate_v1_stg1_posts.tsv``): ``implicit_hate`` / ``explicit_hate`` ->
      hate=1; ``not_hate`` -> hate=0.
    - Stage 2 (``implicit_hate_v1_stg2_posts.tsv``, implicit-hate posts only, joined to stage 1
      by post text; posts missing from stage 1 are still hate=1): ``incitement`` in the
      primary or extra class -> extremism=1 (flaunting in-group power, promoting hate groups
      and movements), else extremism=0; ``threatening`` -> violence=1, else violence=0.
      Stage-1 posts without a stage-2 row leave extremism and violence unknown.
    - Surrounding quote debris from the authors' CSV export is trimmed.
    """
    src = root.name
    base = root / "implicit-hate-corpus"
    fine: dict[str, set[str]] = {}
    for row in _read_csv(base / "implicit_hate_v1_stg2_posts.tsv", delimiter="\t"):
        classes = {row.get("implicit_class") or "", row.get("extra_implicit_class") or ""}
        fine.setdefault(_implicit_text(row.get("post") or ""), set()).update(classes - {""})
    seen: set[str] = set()
    for row in _read_csv(base / "implicit_hate_v1_stg1_posts.tsv", delimiter="\t"):
        cls = row.get("class", "")
        if cls not in ("implicit_hate", "explicit_hate", "not_hate"):
            continue
        text = _implicit_text(row.get("post") or "")
        labels = {"hate": int(cls != "not_hate")}
        if text in fine and cls != "not_hate":
            labels["extremism"] = int("incitement" in fine[text])
            labels["violence"] = int("threatening" in fine[text])
            seen.add(text)
        rec = _rec(text, labels, "en", src)
        if rec:
            yield rec
    for text, classes in fine.items():
        if text in seen:
            continue
        labels = {
            "hate": 1,
            "extremism": int("incitement" in classes),
            "violence": int("threatening" in classes),
        }
        rec = _rec(text, labels, "en", src)
        if rec:
            yield rec


@_register("stormfront-hate")
def load_stormfront(root: Path) -> Iterator[LabelledText]:
    """De Gibert et al. 2018, English sentences from the Stormfront white-supremacist forum.

    ``hate`` -> hate=1; ``noHate`` -> hate=0; ``relation`` (needs the neighbouring sentence)
    and ``idk/skip`` are dropped. Only hate is known: the forum's noHate sentences are not
    labelled for extremism.
    """
    src = root.name
    for obj in _read_jsonl(root / "stormfront_sentences.jsonl"):
        label = obj.get("label")
        if label not in ("hate", "noHate"):
            continue
        text = obj.get("text")
        rec = _rec(str(text or ""), {"hate": int(label == "hate")}, "en", src)
        if rec:
            yield rec


_HATEXPLAIN_TARGETS = ("race", "religion", "gender", "minority", "economic")


@_register("hatexplain-magpie")
def load_hatexplain(root: Path) -> Iterator[LabelledText]:
    """HateXplain (Mathew et al. 2021) as preprocessed by MAGPIE: English tweets and Gab posts,
    lower-cased, punctuation stripped; ``label`` 0 normal, 1 offensive, 2 hate speech.

    - 2 hate speech -> hate=1.
    - 1 offensive -> hate=0; and harassment=1 only when no target group is marked (those are
      insults aimed at a person: "you fucking retarded asshole ..."). Offensive posts with a
      target group (86% of them) are mostly group-directed, not aimed at an individual, so
      harassment stays unknown for them.
    - 0 normal -> hate=0, harassment=0 (profanity unknown: "normal" posts can swear).
    - ``group`` = first marked target of race, religion, gender, minority, economic.
    """
    src = root.name
    for row in _read_csv(root / "datasets" / "92_HateXplain" / "preprocessed.csv"):
        targets = [t for t in _HATEXPLAIN_TARGETS if row.get(f"label_{t}") == "1"]
        label = row.get("label")
        if label == "2":
            labels = {"hate": 1}
        elif label == "1":
            labels = {"hate": 0} if targets else {"hate": 0, "harassment": 1}
        elif label == "0":
            labels = _zeros("hate", "harassment")
        else:
            continue
        rec = _rec(row.get("text") or "", labels, "en", src, targets[0] if targets else None)
        if rec:
            yield rec


ISIS_CAP = 3000


@_register("isis-fanboy-tweets")
def load_isis_fanboy(root: Path) -> Iterator[LabelledText]:
    """Tweets from ~100 pro-ISIS accounts (Kaggle "How ISIS uses Twitter"). WEAK labels.

    Labelled by *account*, not by tweet: many rows are news, retweets of news, chatter or
    replies. Kept as extremism=1 only when the tweet is not a retweet (no leading ``RT`` and no
    ``RT @``), looks English (stdlib heuristic: mostly ASCII letters, English function words
    outnumber French ones) and has at least 4 words once URLs and @mentions are removed. At
    most 3,000 are kept: the first 3,000 by a salted SHA-1 of the normalised text
    (deterministic, order-independent, and independent of :func:`split_of`). Treat this
    source as noisy positives; weight it down.
    """
    src = root.name
    keep: list[tuple[str, str]] = []
    for row in _read_csv(root / "First_filter" / "IsisFanboy.csv"):
        text = html.unescape(row.get("tweets") or "").strip()
        if not text or text.startswith("RT") or "RT @" in text:
            continue
        if not _looks_english(text):
            continue
        # Salted, so that the cap is independent of split_of's hash (unsalted, it would keep
        # the lowest hashes, which are exactly the dev bucket).
        keep.append((_sha1("isis-cap:" + normalise(text)), text))
    keep.sort()
    for _, text in keep[:ISIS_CAP]:
        rec = _rec(text, {"extremism": 1}, "en", src)
        if rec:
            yield rec


@_register("radicalization-tt")
def load_radicalization_tt(root: Path) -> Iterator[LabelledText]:
    """Gupta et al. 2017, tweets collected by hashtag (``tt_tweets_text_labels.jsonl``).

    Its ``pro`` label means "carries an ISIS-related hashtag" (#ISIS, #IslamicState, #AlQaeda);
    spot checks show news headlines, commentary and critics, not propaganda. ``con`` rows are
    cricket (#IPL) tweets and ``unlabeled`` rows Game of Thrones tweets. Every row -> extremism=0
    ("news about terrorism is not extremism" negatives; some genuine supporter tweets may slip
    through). Only rows whose Twitter ``lang`` is ``en`` are kept.
    """
    src = root.name
    for obj in _read_jsonl(root / "tt_tweets_text_labels.jsonl"):
        if obj.get("lang") != "en":
            continue
        rec = _rec(html.unescape(str(obj.get("text") or "")), {"extremism": 0}, "en", src)
        if rec:
            yield rec


_PY_STR = re.compile(r"""\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*(?:,|\])""", re.DOTALL)
REDDIT_POST_CHARS = 1000
REDDIT_MIN_CHARS = 20


def _split_py_list(value: str) -> list[str]:
    """Items of a ``str(list_of_str)`` cell, tolerating a cell cut off mid-list (Excel's 32,767
    character limit): complete items are kept, the truncated last one is dropped."""
    value = value.strip()
    if not value.startswith("["):
        return [value] if value else []
    items: list[str] = []
    pos = 1
    while True:
        m = _PY_STR.match(value, pos)
        if not m:
            break
        try:
            item = ast.literal_eval(m.group(1))
        except (ValueError, SyntaxError):
            break
        if isinstance(item, str):
            items.append(item)
        pos = m.end()
    return items


@_register("reddit-cssrs-suicide")
def load_reddit_cssrs(root: Path) -> Iterator[LabelledText]:
    """Gaur et al. 2019: 500 Reddit users, each with all their posts in one cell and one
    C-SSRS level for the *user*.

    Each user's cell (a Python list literal, some truncated at 32,759 characters) is split
    into posts; posts under 20 characters ("Thanks!") are dropped, the rest are cut to 1,000
    characters, and each inherits the user's level:
    ``Ideation`` / ``Behavior`` / ``Attempt`` -> self-harm=1; ``Supportive`` -> self-harm=0;
    ``Indicator`` -> self-harm=0 (hard negatives: distress without suicidality). Post-level
    labels are NOISY: an at-risk user's posts are not all about self-harm. The authors
    replaced some words with medical concepts ("a Asthenia" for "a week", "Pain" for "hurt")
    and stripped apostrophes; Latin-1 mojibake (``fiancÃ©``) is repaired.
    """
    src = root.name
    levels = {"Ideation": 1, "Behavior": 1, "Attempt": 1, "Supportive": 0, "Indicator": 0}
    for row in _read_csv(root / "data" / "500_Reddit_users_posts_labels.csv"):
        level = levels.get(row.get("Label") or "")
        if level is None:
            continue
        for post in _split_py_list(row.get("Post") or ""):
            text = _fix_latin1_mojibake(post).strip()[:REDDIT_POST_CHARS]
            if len(text) < REDDIT_MIN_CHARS:
                continue
            rec = _rec(text, {"self-harm": level}, "en", src)
            if rec:
                yield rec


@_register("sms-spam-collection")
def load_sms_spam(root: Path) -> Iterator[LabelledText]:
    """SMS Spam Collection v.1 (Almeida et al.), English, the ~81% given here.

    ``spam`` -> spam=1, advertising=1 (SMS spam here is prize/offer/service solicitation with
    numbers to call or text); ``ham`` -> spam=0, advertising=0.
    """
    src = root.name
    with (root / "SMSSpamCollection.train.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            label, _, text = line.rstrip("\n").partition("\t")
            if label not in ("spam", "ham"):
                continue
            value = int(label == "spam")
            rec = _rec(html.unescape(text), {"spam": value, "advertising": value}, "en", src)
            if rec:
                yield rec


@_register("youtube-spam-collection")
def load_youtube_spam(root: Path) -> Iterator[LabelledText]:
    """YouTube Spam Collection (Alberto et al. 2015), English comments on five music videos
    (``data_csv/*.csv``; ``data_split`` holds the same comments).

    ``CLASS`` 1 -> spam=1; 0 -> spam=0. Advertising is left unknown (spam here is mostly
    "check out my channel" self-promotion, but not labelled as such). HTML (``<br />``, links,
    entities) is stripped to text.
    """
    src = root.name
    for path in sorted((root / "data_csv").glob("*.csv")):
        for row in _read_csv(path):
            cls = row.get("CLASS")
            if cls not in ("0", "1"):
                continue
            rec = _rec(_strip_html(row.get("CONTENT") or ""), {"spam": int(cls)}, "en", src)
            if rec:
                yield rec


@_register("cold")
def load_cold(root: Path) -> Iterator[LabelledText]:
    """COLD (Deng et al. 2022), Chinese, ``COLDataset/train.csv`` + ``dev.csv`` (the test split
    is a held-out benchmark and is not here).

    ``label`` 1 offensive (about race, region or gender) -> hate=1; 0 -> hate=0. The
    ``split`` column is ignored (wrong for half of dev.csv). ``group`` = ``topic``
    (``race`` / ``region`` / ``gender``).
    """
    src = root.name
    for name in ("train.csv", "dev.csv"):
        for row in _read_csv(root / "COLDataset" / name):
            label = row.get("label")
            if label not in ("0", "1"):
                continue
            rec = _rec(row.get("TEXT") or "", {"hate": int(label)}, "zh", src, row.get("topic"))
            if rec:
                yield rec


@_register("swsr")
def load_swsr(root: Path) -> Iterator[LabelledText]:
    """SWSR (Jiang et al. 2022), Chinese Weibo comments (``SWSR/SexComment.csv``).

    ``label`` 1 sexist -> hate=1; 0 -> hate=0; ``group`` = ``gender``. ``SexWeibo.csv``
    (unlabelled source posts) and the SexHateLex lexicon are not used.
    """
    src = root.name
    for row in _read_csv(root / "SWSR" / "SexComment.csv"):
        label = row.get("label")
        if label not in ("0", "1"):
            continue
        rec = _rec(row.get("comment_text") or "", {"hate": int(label)}, "zh", src, "gender")
        if rec:
            yield rec


@_register("mlma-hate-speech")
def load_mlma(root: Path) -> Iterator[LabelledText]:
    """MLMA (Ousidhoum et al. 2019): English, French and Arabic tweets, multi-label
    ``sentiment`` (hostility type: abusive, hateful, offensive, disrespectful, fearful,
    normal). English uses ``en_dataset_with_stop_words.csv`` (original text; its literal
    ``\\u2019`` escapes are decoded); ``en_dataset.csv`` is the same rows with stop words
    removed and is skipped.

    Following the authors' binary setting (only a lone ``normal`` is non-toxic):

    - only ``normal`` -> hate=0, harassment=0.
    - contains ``hateful`` -> hate=1.
    - otherwise toxic, with ``group`` ``individual`` -> harassment=1 (plus hate=1 if
      ``hateful``); with any other group -> hate=1 (the corpus was collected around
      identity groups and the authors treat all non-normal tweets as hate/abuse).
    - ``group`` = ``group`` column except ``other`` / ``individual``.
    """
    src = root.name
    files = [
        ("en", "en_dataset_with_stop_words.csv"),
        ("fr", "fr_dataset.csv"),
        ("ar", "ar_dataset.csv"),
    ]
    for lang, name in files:
        for row in _read_csv(root / "hate_speech_mlma" / name):
            kinds = set((row.get("sentiment") or "").split("_")) - {""}
            if not kinds:
                continue
            group = row.get("group") or ""
            if kinds == {"normal"}:
                labels = _zeros("hate", "harassment")
            elif group == "individual":
                labels = {"harassment": 1}
                if "hateful" in kinds:
                    labels["hate"] = 1
            else:
                labels = {"hate": 1}
            text = row.get("tweet") or ""
            if lang == "en":
                text = _decode_u_escapes(text).replace("\\n", " ").replace("\\", '"')
            gname = group if group not in ("", "other", "individual") else None
            rec = _rec(text, labels, lang, src, gname)
            if rec:
                yield rec


@_register("germeval2018")
def load_germeval(root: Path) -> Iterator[LabelledText]:
    """GermEval 2018 (Wiegand et al.), German tweets, training + test files; columns text,
    coarse (OFFENSE/OTHER), fine (ABUSE/INSULT/PROFANITY/OTHER).

    - ABUSE (degrading people for group membership) -> hate=1 (harassment unknown).
    - INSULT (offensive towards a person, not group-based) -> harassment=1, hate=0.
    - PROFANITY (swearing not aimed at anyone) -> profanity=1, hate=0, harassment=0.
    - OTHER -> hate=0, harassment=0, profanity=0.

    ``|LBR|`` line-break placeholders become spaces; @mentions are kept.
    """
    src = root.name
    fine_map = {
        "ABUSE": {"hate": 1},
        "INSULT": {"harassment": 1, "hate": 0},
        "PROFANITY": {"profanity": 1, "hate": 0, "harassment": 0},
        "OTHER": _zeros("hate", "harassment", "profanity"),
    }
    for name in ("germeval2018.training.txt", "germeval2018.test.txt"):
        with (root / name).open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or parts[2] not in fine_map:
                    continue
                text = parts[0].replace("|LBR|", " ")
                rec = _rec(text, fine_map[parts[2]], "de", src)
                if rec:
                    yield rec


@_register("korean-hate-speech")
def load_korean_hate(root: Path) -> Iterator[LabelledText]:
    """Korean HateSpeech (Moon et al. 2020), comments on entertainment news,
    ``labeled/train.tsv`` + ``dev.tsv``; ``hate`` in {hate, offensive, none}, ``bias`` in
    {gender, others, none}.

    The guideline's ``hate`` level means "strong hate *or severe insult*", so:

    - hate with a social bias (gender/others) -> hate=1 (``group`` = ``gender`` / ``others``).
    - hate with no bias -> harassment=1, hate=0 (insults of a celebrity or commenter).
    - offensive -> harassment=1, hate=0 (rude, sarcastic, bad words).
    - none -> hate=0, harassment=0, profanity=0.
    """
    src = root.name
    for name in ("train.tsv", "dev.tsv"):
        for row in _read_csv(root / "labeled" / name, delimiter="\t"):
            level, bias = row.get("hate"), row.get("bias") or "none"
            group = bias if bias != "none" else None
            if level == "hate":
                labels = {"hate": 1} if group else {"harassment": 1, "hate": 0}
            elif level == "offensive":
                labels = {"harassment": 1, "hate": 0}
            elif level == "none":
                labels = _zeros("hate", "harassment", "profanity")
            else:
                continue
            rec = _rec(row.get("comments") or "", labels, "ko", src, group)
            if rec:
                yield rec


_TOLD_HATE = {
    "homophobia": "lgbtq",
    "racism": "race",
    "xenophobia": "nationality",
    "misogyny": "women",
}


@_register("told-br")
def load_told_br(root: Path) -> Iterator[LabelledText]:
    """ToLD-Br (Leite et al. 2020), Brazilian Portuguese tweets; each column counts how many of
    3 annotators flagged that aspect (0-3).

    A category is 1 when at least 2 of 3 annotators flagged it, 0 when none did, and unknown
    when exactly one did:

    - hate <- homophobia, racism, xenophobia, misogyny (1 if any has >= 2 flags; 0 if all
      four have 0; else unknown); ``group`` = the first of those with >= 2 flags.
    - harassment <- insult.
    - profanity <- obscene.

    About 1,100 rows are UTF-8 mis-decoded as GBK (``n茫o``); these are repaired where the
    characters round-trip (a few keep stray CJK characters).
    """
    src = root.name
    for row in _read_csv(root / "ToLD-BR.csv"):
        counts = {k: _int(row.get(k)) for k in (*_TOLD_HATE, "insult", "obscene")}
        labels: dict[str, int] = {}
        hate_counts = [counts[k] for k in _TOLD_HATE]
        if max(hate_counts) >= 2:
            labels["hate"] = 1
        elif max(hate_counts) == 0:
            labels["hate"] = 0
        for key, col in (("harassment", "insult"), ("profanity", "obscene")):
            if counts[col] >= 2:
                labels[key] = 1
            elif counts[col] == 0:
                labels[key] = 0
        group = next((g for k, g in _TOLD_HATE.items() if counts[k] >= 2), None)
        text = _fix_gbk_mojibake(row.get("text") or "")
        rec = _rec(text, labels, "pt", src, group)
        if rec:
            yield rec


@_register("multilingual-paradetox")
def load_paradetox(root: Path) -> Iterator[LabelledText]:
    """Multilingual ParaDetox (textdetox), 400 pairs per language (en, ru, uk, de, es, am, zh,
    ar, hi; ``lang`` from the shard name): a toxic sentence and its detoxified rewrite.

    - ``toxic_sentence`` -> harassment=1 (hate and profanity unknown). NOISY: many toxic
      sentences are swearing aimed at no one ("it's like fucking jurassic park").
    - ``neutral_sentence`` -> harassment=0, hate=0, profanity=0 (matched hard negatives).

    Needs pyarrow (``pip install 'winnow[train]'``).
    """
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "multilingual-paradetox needs pyarrow: pip install 'winnow[train]'"
        ) from exc
    src = root.name
    for path in sorted((root / "data").glob("*.parquet")):
        lang = path.name.split("-", 1)[0]
        for row in pq.read_table(path).to_pylist():
            toxic, neutral = row.get("toxic_sentence"), row.get("neutral_sentence")
            if isinstance(toxic, str):
                rec = _rec(toxic, {"harassment": 1}, lang, src)
                if rec:
                    yield rec
            if isinstance(neutral, str):
                rec = _rec(neutral, _zeros("harassment", "hate", "profanity"), lang, src)
                if rec:
                    yield rec


# --------------------------------------------------------------------------------------------
# Evaluation-only data (not in SOURCES)

_EN_TEMPLATE_PREFIXES = (
    re.compile(r"^I am (?P<x>.+)$"),
    re.compile(r"^I hate (?P<x>.+)$"),
)


def iter_identity_templates(data_dir: Path) -> Iterator[LabelledText]:
    """ConversationAI identity-term templates (English and zh-cn); NOT for training.

    Use them to measure false positives on mentions of identity groups. ``toxicity`` toxic ->
    hate=1, except the ``you_occupation`` template ("You are a fucked writer"), which is an
    insult to a person: harassment=1, hate=0. nontoxic -> hate=0, harassment=0. ``group`` is
    the identity (or occupation) term, found from the ``I am X`` / ``I hate X`` (English) and
    ``我是X`` / ``我讨厌X`` (Chinese) templates; ``lang`` is ``en`` or ``zh``.
    """
    src = "conversationai-bias-templates"
    base = data_dir / src / "sentence_templates"
    for lang, name in (("en", "en_sentence_templates.csv"), ("zh", "zh-cn_sentence_templates.csv")):
        rows = list(_read_csv(base / name))
        terms = _template_terms(rows, lang)
        for row in rows:
            phrase, template = row.get("phrase") or "", row.get("template") or ""
            toxic = row.get("toxicity") == "toxic"
            if template == "you_occupation":
                labels = {"harassment": int(toxic), "hate": 0}
                group = _occupation(phrase, lang)
            else:
                labels = {"hate": 1} if toxic else _zeros("hate", "harassment")
                group = _find_term(phrase, terms, lang)
            rec = _rec(phrase, labels, lang, src, group)
            if rec:
                yield rec


def _template_terms(rows: list[dict[str, str]], lang: str) -> list[str]:
    terms: set[str] = set()
    for row in rows:
        phrase = (row.get("phrase") or "").strip()
        if lang == "en" and row.get("template") == "am_hate_adj":
            for pat in _EN_TEMPLATE_PREFIXES:
                m = pat.match(phrase)
                if m:
                    terms.add(m.group("x").strip())
        elif lang == "zh" and row.get("template") in ("am_identity", "hate_identity"):
            for prefix in ("我是一名", "我是", "我讨厌"):
                if phrase.startswith(prefix):
                    terms.add(phrase[len(prefix) :].strip())
                    break
    return sorted(terms, key=len, reverse=True)


def _find_term(phrase: str, terms: list[str], lang: str) -> str | None:
    if lang == "en":
        padded = f" {phrase.lower()} "
        for term in terms:
            if f" {term.lower()} " in padded:
                return term
        return None
    return next((t for t in terms if t in phrase), None)


_EN_OCCUPATION = re.compile(r"^You are an? \S+ (?P<x>.+)$")
_ZH_OCCUPATION = re.compile(r"^你是一位(?:.+的)?(?P<x>[^的]+)$")


def _occupation(phrase: str, lang: str) -> str | None:
    m = (_EN_OCCUPATION if lang == "en" else _ZH_OCCUPATION).match(phrase.strip())
    return m.group("x").strip() if m else None


# --------------------------------------------------------------------------------------------
# Corpus


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def iter_corpus(data_dir: Path, sources: Iterable[str] | None = None) -> Iterator[LabelledText]:
    """All records of the named sources (default: every loader in :data:`SOURCES`), once each.

    Records whose normalised text repeats are merged into the first one seen (its text, lang,
    source and first non-empty group are kept) and their labels are combined with max per
    category, so a text any source calls positive stays positive. Yields after all sources are
    read, in first-seen order.
    """
    names = list(SOURCES) if sources is None else list(sources)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise KeyError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    merged: dict[str, LabelledText] = {}
    for name in names:
        for rec in SOURCES[name](Path(data_dir) / name):
            key = normalise(rec.text)
            prev = merged.get(key)
            if prev is None:
                merged[key] = rec
                continue
            labels = dict(prev.labels)
            for cat, value in rec.labels.items():
                labels[cat] = max(labels.get(cat, value), value)
            if labels != prev.labels or (prev.group is None and rec.group is not None):
                merged[key] = LabelledText(
                    text=prev.text,
                    labels=labels,
                    lang=prev.lang,
                    source=prev.source,
                    group=prev.group if prev.group is not None else rec.group,
                )
    yield from merged.values()


def split_of(text: str, dev_fraction: float = 0.2) -> Literal["train", "dev"]:
    """``dev`` for a fixed ``dev_fraction`` of texts, from SHA-1 of the normalised text."""
    digest = hashlib.sha1(normalise(text).encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") / 2.0**64
    return "dev" if bucket < dev_fraction else "train"


def to_json(rec: LabelledText) -> dict[str, object]:
    """The ``winnow eval`` JSONL line for a record."""
    return {
        "text": rec.text,
        "labels": dict(rec.labels),
        "lang": rec.lang,
        "source": rec.source,
        "group": rec.group,
    }


def write_splits(
    data_dir: Path,
    out_dir: Path,
    max_per_source: int | None = None,
    seed: int = 0,
    *,
    sources: Iterable[str] | None = None,
) -> dict[str, dict[str, int]]:
    """Write ``out_dir/train.jsonl`` and ``out_dir/dev.jsonl`` from :func:`iter_corpus`
    (all of :data:`SOURCES`, or just ``sources``).

    With ``max_per_source``, a source with more records is cut to a random sample of that size
    (``random.Random(f"{seed}:{source}")``, deterministic; kept records stay in corpus order).
    Returns ``{"train": {source: n}, "dev": {source: n}}``.
    """
    records = list(iter_corpus(data_dir, sources))
    if max_per_source is not None:
        by_source: dict[str, list[int]] = {}
        for i, rec in enumerate(records):
            by_source.setdefault(rec.source, []).append(i)
        keep: set[int] = set()
        for source, idx in by_source.items():
            if len(idx) > max_per_source:
                idx = random.Random(f"{seed}:{source}").sample(idx, max_per_source)
            keep.update(idx)
        records = [r for i, r in enumerate(records) if i in keep]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict[str, int]] = {"train": {}, "dev": {}}
    paths = {split: out_dir / f"{split}.jsonl" for split in counts}
    handles = {split: path.open("w", encoding="utf-8") for split, path in paths.items()}
    try:
        for rec in records:
            split = split_of(rec.text)
            handles[split].write(json.dumps(to_json(rec), ensure_ascii=False) + "\n")
            counts[split][rec.source] = counts[split].get(rec.source, 0) + 1
    finally:
        for fh in handles.values():
            fh.close()
    return {split: dict(sorted(c.items())) for split, c in counts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m winnow.training.corpus",
        description="Write train.jsonl and dev.jsonl from every dataset under DATA_DIR.",
    )
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--max-per-source", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    counts = write_splits(args.data_dir, args.out_dir, args.max_per_source, args.seed)
    json.dump(counts, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
