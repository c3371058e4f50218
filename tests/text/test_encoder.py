"""The encoder's cache of recent inputs gives the vectors the model gives, and stays bounded."""

from __future__ import annotations

import numpy as np

from winnow.text.encoder import Encoder


def test_cached_vectors_equal_fresh_ones_and_the_cache_is_bounded() -> None:
    cached = Encoder(cache_size=2)
    fresh = Encoder(cache_size=0)
    texts = ["thanks for the help", "you are a disgrace", "thanks for the help"]
    first = cached.encode(texts)
    assert np.allclose(first[0], first[2])
    assert not np.allclose(first[0], first[1])
    again = cached.encode(["you are a disgrace", "a third text", "thanks for the help"])
    assert np.allclose(
        again,
        fresh.encode(["you are a disgrace", "a third text", "thanks for the help"]),
        atol=1e-5,
    )
    assert len(cached._cache) == 2
    assert fresh._cache == {}
