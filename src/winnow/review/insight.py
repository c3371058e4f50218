"""Insight into moderation and review: volumes, queue age, reviewer throughput, and the precision
of automatic decisions per category, estimated from the items reviewers resolved.

Precision of category C = removed / (removed + allowed) over resolved review items that C sent to
review; ``n`` (the sample size) is shown with it, since a handful of items says little.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from winnow.store import QueueFilter, ReviewStore

__all__ = ["Bar", "Insight", "Precision", "build_insight"]

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    parts: tuple[tuple[str, int], ...] = ()  # (series, value) stacked in the bar


@dataclass(frozen=True, slots=True)
class Precision:
    category: str
    removed: int
    allowed: int

    @property
    def n(self) -> int:
        return self.removed + self.allowed

    @property
    def value(self) -> float:
        return self.removed / self.n if self.n else 0.0


@dataclass(frozen=True, slots=True)
class Insight:
    days: int
    verdicts_per_day: list[Bar]
    items_per_category: list[Bar]
    open_items: int
    oldest_open_s: float | None
    median_open_s: float | None
    throughput: list[Bar]  # actions per reviewer
    precision: list[Precision]


def _day_label(day: int) -> str:
    import time

    return time.strftime("%m-%d", time.gmtime(day * DAY))


def build_insight(
    reviews: ReviewStore,
    tenant: str,
    now: float,
    days: int = 14,
    names: dict[str, str] | None = None,
) -> Insight:
    since = now - days * DAY
    per_day: dict[int, dict[str, int]] = defaultdict(dict)
    for day, verdict, n in reviews.verdict_counts(tenant, since):
        per_day[day][verdict] = n
    first = int(since // DAY) + 1
    verdict_bars = [
        Bar(_day_label(d), sum(per_day[d].values()),
            tuple((v, per_day[d].get(v, 0)) for v in ("allow", "review", "block")))
        for d in range(first, int(now // DAY) + 1)
    ]  # fmt: skip
    items = reviews.items_since(tenant, since)
    by_category = Counter(c for it in items for c in it.categories)
    waiting = [
        *reviews.queue(tenant, QueueFilter("open", limit=10_000), now),
        *reviews.queue(tenant, QueueFilter("escalated", limit=10_000), now),
    ]
    ages = [now - it.created_at for it in waiting]
    removed: Counter[str] = Counter()
    allowed: Counter[str] = Counter()
    for it in items:
        if it.status == "resolved":
            for c in it.categories:
                (removed if it.outcome == "remove" else allowed)[c] += 1
    actions = Counter(a.reviewer_id for a in reviews.audit_since(tenant, since))
    names = names or {}
    return Insight(
        days=days,
        verdicts_per_day=verdict_bars,
        items_per_category=[Bar(c, n) for c, n in by_category.most_common()],
        open_items=len(ages),
        oldest_open_s=max(ages) if ages else None,
        median_open_s=statistics.median(ages) if ages else None,
        throughput=[Bar(names.get(r, r), n) for r, n in actions.most_common()],
        precision=[Precision(c, removed[c], allowed[c]) for c in sorted(removed | allowed)],
    )
