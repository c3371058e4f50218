"""Lexical features: hashed character and word n-grams of the cleaned, folded text.

Stateless (hashing, no vocabulary), so the trained weights are the whole model and training and
inference cannot disagree. Changing anything here changes the model: bump ``FEATURES_VERSION``
and retrain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from winnow.text.normalize import fold
from winnow.text.preprocess import clean

__all__ = ["FEATURES_VERSION", "N_FEATURES", "lexical_features", "prepare"]

FEATURES_VERSION = "lex-2"  # 2: spaces between Chinese/Japanese and Latin letters or digits dropped
N_FEATURES = 2**18

_HAN = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_BETWEEN_SCRIPTS = re.compile(rf"(?<=[{_HAN}])\s+(?=[a-z0-9])|(?<=[a-z0-9])\s+(?=[{_HAN}])")


def prepare(text: str) -> str:
    """The string the lexical model sees: cleaned, then folded (case, width, homoglyphs), and
    without the optional space between Han or kana and Latin letters or digits ("打 call" and
    "打call" are one word to a Chinese reader; the model saw "打 call" mostly in hateful posts)."""
    return _BETWEEN_SCRIPTS.sub("", fold(clean(text)))


@cache
def _vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    chars = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 4),
        n_features=N_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
    )
    words = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=N_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b",
    )
    return chars, words


def lexical_features(prepared: Sequence[str]) -> Any:
    """Sparse matrix (n, N_FEATURES): char n-grams plus word n-grams, each l2-normalised."""
    chars, words = _vectorizers()
    return chars.transform(prepared) + words.transform(prepared)
