"""Content → items → enabled detectors for each item's media type → policy → decision.

One bad item never sinks a batch: loading errors are caught per item, and when a detector fails
on a batch, the batch is retried item by item so only the bad item gets an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from winnow.detectors.base import Detector
from winnow.detectors.registry import DetectorRegistry, default_registry
from winnow.errors import DetectorError, WinnowError
from winnow.media.load import load_content
from winnow.policy import Policy, evaluate, load_policy
from winnow.settings import Limits, Settings
from winnow.types import Content, DetectorResult, Item, Outcome

__all__ = ["Pipeline"]


@dataclass
class Pipeline:
    detectors: Sequence[Detector]
    policy: Policy
    limits: Limits = field(default_factory=Limits)
    batch_size: int = 64

    @classmethod
    def from_settings(
        cls, settings: Settings, registry: DetectorRegistry | None = None
    ) -> Pipeline:
        """Build the enabled detectors (loading their models once) and the policy."""
        registry = registry or default_registry()
        policy = load_policy(settings.policy)
        detectors = registry.build(settings.detectors, settings)
        return cls(detectors, policy, settings.limits, settings.batch_size)

    def check(self, content: Content) -> Outcome:
        return self.run([content])[0]

    def run(self, contents: Sequence[Content]) -> list[Outcome]:
        """Moderate ``contents``; one :class:`Outcome` per content, in order."""
        items: list[Item | None] = []
        errors: dict[int, WinnowError] = {}
        for i, content in enumerate(contents):
            try:
                items.append(load_content(content, self.limits))
            except WinnowError as exc:
                items.append(None)
                errors[i] = exc
        results = self._detect(items, errors)
        outcomes = []
        for i, content in enumerate(contents):
            item = items[i]
            if i in errors or item is None:
                outcomes.append(Outcome(content.id, error=errors.get(i)))
                continue
            decision = evaluate(item.ref, results[i], self.policy)
            outcomes.append(Outcome(content.id, decision=decision))
        return outcomes

    def detect_items(self, items: Sequence[Item]) -> list[list[DetectorResult] | WinnowError]:
        """Run the detectors on already-loaded items (used by evaluation)."""
        errors: dict[int, WinnowError] = {}
        results = self._detect(list(items), errors)
        return [errors.get(i, results[i]) for i in range(len(items))]

    def _detect(
        self, items: Sequence[Item | None], errors: dict[int, WinnowError]
    ) -> list[list[DetectorResult]]:
        results: list[list[DetectorResult]] = [[] for _ in items]
        for detector in self.detectors:
            todo = [
                i
                for i, item in enumerate(items)
                if item is not None and i not in errors and item.media_type in detector.media_types
            ]
            for chunk in _chunks(todo, self.batch_size):
                batch = [items[i] for i in chunk]
                for i, out in zip(chunk, _safe_batch(detector, batch), strict=True):  # type: ignore[arg-type]
                    if isinstance(out, WinnowError):
                        errors[i] = out
                    else:
                        results[i].append(out)
        return results


def _chunks(indices: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start : start + size]


def _safe_batch(detector: Detector, batch: Sequence[Item]) -> list[DetectorResult | WinnowError]:
    try:
        out = detector.detect_batch(batch)
        if len(out) != len(batch):
            raise DetectorError(
                f"detector {detector.name} returned {len(out)} results for {len(batch)} items"
            )
        return list(out)
    except Exception as exc:
        if isinstance(exc, (KeyboardInterrupt, MemoryError)):
            raise
        if len(batch) > 1:
            return [r for item in batch for r in _safe_batch(detector, [item])]
        if isinstance(exc, WinnowError):
            return [exc]
        return [DetectorError(f"detector {detector.name} failed: {type(exc).__name__}: {exc}")]
