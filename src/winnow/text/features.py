"""Lexical features: hashed character and word n-grams of the cleaned, folded text.

Stateless (hashing, no vocabulary), so the trained weights are the whole model and training and
inference cannot disagree. Changing anything here changes the model: bump ``FEATURES_VERSION``
and retrain.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from winnow.text.normalize import fold
from winnow.text.preprocess import clean

__all__ = ["FEATURES_VERSION", "N_FEATURES", "lexical_features", "prepare"]

FEATURES_VERSION = "lex-1"
N_FEATURES = 2**18


def prepare(text: str) -> str:
    """The string the lexical model sees: cleaned, then folded (case, width, homoglyphs)."""
    return fold(clean(text))


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


def term_feature_indices(terms: Sequence[str]) -> list[int]:
    """Columns of the n-grams that lie inside ``terms`` (two characters or more, word n-grams
    included), as :func:`lexical_features` hashes them: what a model must not weigh to be blind
    to those terms. Single characters are left alone (they are in every other word too)."""
    from sklearn.utils import murmurhash3_32

    chars, words = _vectorizers()
    grams: set[str] = set()
    for term in terms:
        prepared = prepare(term)
        grams.update(g for g in chars.build_analyzer()(prepared) if len(g.strip()) >= 2)
        grams.update(words.build_analyzer()(prepared))
    return sorted({abs(murmurhash3_32(g, seed=0, positive=False)) % N_FEATURES for g in grams})
