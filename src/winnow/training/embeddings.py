"""A disk cache of sentence embeddings keyed by text, so retraining does not re-encode."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from winnow.text.encoder import FULL_LAYERS, MAX_CHARS, Encoder, encoder_name
from winnow.text.preprocess import clean

__all__ = ["EmbeddingCache"]


def _key(text: str) -> str:
    return hashlib.sha1(clean(text)[:MAX_CHARS].encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, directory: Path, layers: int = FULL_LAYERS) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.layers = layers
        self.path = directory / (encoder_name(layers).replace("/", "_") + ".npz")
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as data:
                for k, v in zip(data["keys"], data["vectors"], strict=True):
                    self._vectors[str(k)] = v
        self._encoder: Encoder | None = None

    def save(self) -> None:
        keys = np.array(list(self._vectors), dtype="U40")
        vectors = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, 384))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors.astype(np.float32))
        tmp.replace(self.path)

    def embed(
        self,
        texts: Sequence[str],
        batch: int = 256,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items()
        )
        if missing:
            self._encoder = self._encoder or Encoder(cache_size=0, layers=self.layers)
            for start in range(0, len(missing), batch):
                chunk = missing[start : start + batch]
                vecs = self._encoder.encode([t for _, t in chunk])
                for (k, _), v in zip(chunk, vecs, strict=True):
                    self._vectors[k] = v
                if progress is not None:
                    progress(min(start + batch, len(missing)), len(missing))
                if (start // batch) % 20 == 19:
                    self.save()
            self.save()
        return (
            np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)
        )
