"""Insight figures from the review store: precision per category with its sample size."""

from __future__ import annotations

from pathlib import Path

from winnow.review.insight import build_insight
from winnow.store import Resolution, ReviewItem, open_store, review_store


def test_precision_counts_removed_over_resolved(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    reviews = review_store(store)
    now = 10 * 86400.0
    for i, cats in enumerate([("hate",), ("hate", "spam"), ("spam",), ("hate",)]):
        reviews.open_item(
            ReviewItem(f"d{i}", "acme", "0" * 64, "text", "k", cats, now - 60), None, None
        )
    for did, outcome in (("d0", "remove"), ("d1", "allow"), ("d2", "remove")):
        reviews.resolve("acme", did, "rev_a", Resolution(outcome, None, ""), now)
    got = build_insight(reviews, "acme", now, days=7, names={"rev_a": "alice"})
    assert [(p.category, p.removed, p.n) for p in got.precision] == [("hate", 1, 2), ("spam", 1, 2)]
    assert got.open_items == 1 and got.oldest_open_s == 60
    assert [(b.label, b.value) for b in got.throughput] == [("alice", 3)]
    assert [(b.label, b.value) for b in got.items_per_category] == [("hate", 3), ("spam", 2)]
    assert len(got.verdicts_per_day) == 7
    store.close()
