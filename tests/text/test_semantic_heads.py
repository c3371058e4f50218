"""The semantic heads' forward pass gives the logits scikit-learn's MLP gives for its weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from winnow.text.model import mlp_logits


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_logits_equal_scikit_learns_for_each_head() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 12)).astype(np.float32)
    targets = [(X[:, 0] * X[:, 1] > 0), (X[:, 2] + X[:, 3] ** 2 > 1)]
    heads = [
        MLPClassifier(hidden_layer_sizes=(8,), random_state=0, max_iter=500).fit(X, y)
        for y in targets
    ]
    w1 = np.stack([h.coefs_[0] for h in heads])
    b1 = np.stack([h.intercepts_[0] for h in heads])
    w2 = np.stack([h.coefs_[1][:, 0] for h in heads])
    b2 = np.array([h.intercepts_[1][0] for h in heads])
    ours = mlp_logits(X, w1, b1, w2, b2)
    p = np.stack([h.predict_proba(X)[:, 1] for h in heads], axis=1)
    assert ours.shape == (400, 2)
    assert np.allclose(1 / (1 + np.exp(-ours)), p, atol=1e-5)
    # The heads learned something non-linear: the first target is an XOR of signs.
    assert ((ours[:, 0] > 0) == targets[0]).mean() > 0.9
