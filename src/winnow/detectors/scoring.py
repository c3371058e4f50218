"""Scores of rule-based detectors: independent pieces of evidence combined as a noisy OR."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["noisy_or"]


def noisy_or(weights: Mapping[str, float], kinds: Iterable[str]) -> float:
    """``1 - prod(1 - weights[k])`` over the distinct ``kinds``, rounded to 4 decimals.

    Taken in sorted order: a product in set order changes in its last bits with the process's
    string-hash seed, and the rounding then makes two scan workers disagree on the same input.
    """
    p = 1.0
    for kind in sorted(set(kinds)):
        p *= 1.0 - weights.get(kind, 0.0)
    return round(1.0 - p, 4)
