"""Content → items → extractors (derived items) → detectors → policy → decision.

Extractors derive items from items (text read from an image, frames of a video); detectors run
on every item, and the findings on a derived item are lifted onto its parent, located where the
derived item came from. One bad item never sinks a batch: loading errors are caught per item,
and when a detector fails on a batch, the batch is retried item by item so only the bad item
gets an error.

A :class:`~winnow.detectors.base.StreamingExtractor` (a video's frames) is consumed batch by
batch: each batch is extracted from and detected on at once, its findings lifted, and dropped.
Video and audio decisions carry segments (:mod:`winnow.segments`) built from the lifted findings.

Up to ``threads`` things run at once (0: one per core) when a batch holds media: the contents
are loaded (decoded) concurrently, and the detectors run on a batch concurrently, each detector
on one thread at a time (text-only batches run one after another: nothing to gain there).
Decoding, onnxruntime, PDQ and zxing release the GIL, so on 2 cores an image batch's
single-threaded steps (decode, PDQ, QR) overlap the classifiers. Results are merged in
detector order: the output does not depend on which thread finished first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TypeVar

from winnow.detectors.base import Component, Detector, Extractor, StreamingExtractor
from winnow.detectors.registry import DetectorRegistry, default_registry
from winnow.errors import DetectorError, WinnowError
from winnow.media.load import load_content
from winnow.policy import Policy, evaluate, load_policy
from winnow.segments import Sample, build_segments
from winnow.settings import Limits, Settings
from winnow.types import (
    Content,
    Derived,
    DetectorResult,
    Evidence,
    Item,
    MediaType,
    Outcome,
    Signal,
)

__all__ = ["MAX_DEPTH", "Pipeline"]

T = TypeVar("T")
U = TypeVar("U")

MAX_DEPTH = 2
"""Derived items may themselves be extracted from (video → frame → text), this deep at most."""


@dataclass
class Pipeline:
    detectors: Sequence[Detector]
    policy: Policy
    limits: Limits = field(default_factory=Limits)
    batch_size: int = 64
    extractors: Sequence[Extractor] = ()
    threads: int = 0
    """Most loads or detectors run at once (0: one per core; 1: one after another)."""
    _pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False, compare=False)
    _pool_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @classmethod
    def from_settings(
        cls, settings: Settings, registry: DetectorRegistry | None = None
    ) -> Pipeline:
        """Build the enabled detectors and extractors (loading models once) and the policy."""
        registry = registry or default_registry()
        policy = load_policy(settings.policy)
        built: list[Component] = registry.build(settings.detectors, settings)
        detectors = [c for c in built if isinstance(c, Detector)]
        extractors = [c for c in built if isinstance(c, Extractor)]
        return cls(
            detectors, policy, settings.limits, settings.batch_size, extractors, settings.threads
        )

    def check(self, content: Content) -> Outcome:
        return self.run([content])[0]

    def run(self, contents: Sequence[Content]) -> list[Outcome]:
        """Moderate ``contents``; one :class:`Outcome` per content, in order."""
        items: list[Item | None] = []
        errors: dict[int, WinnowError] = {}
        # Texts load in microseconds: a thread hop would cost more than it saves.
        media = any(c.text is None for c in contents)
        for i, loaded in enumerate(self._map(self._load, contents, parallel=media)):
            if isinstance(loaded, WinnowError):
                items.append(None)
                errors[i] = loaded
            else:
                items.append(loaded)
        samples: dict[int, list[Sample]] = {}
        results = self._detect(items, errors, samples=samples)
        outcomes = []
        for i, content in enumerate(contents):
            item = items[i]
            if i in errors or item is None:
                outcomes.append(Outcome(content.id, error=errors.get(i)))
                continue
            decision = evaluate(item.ref, results[i], self.policy)
            if item.media_type in (MediaType.VIDEO, MediaType.AUDIO):
                segments = build_segments(results[i], self.policy, samples.get(i, []))
                decision = replace(decision, segments=segments)
            outcomes.append(Outcome(content.id, decision=decision, results=tuple(results[i])))
        return outcomes

    def _detect(
        self,
        items: Sequence[Item | None],
        errors: dict[int, WinnowError],
        depth: int = MAX_DEPTH,
        samples: dict[int, list[Sample]] | None = None,
    ) -> list[list[DetectorResult]]:
        # Every node is an original item or a derived one; parents[j] = (parent node, derived).
        # Level by level: the detectors run on a level's nodes while the extractors derive the
        # next level from them (OCR overlaps the image classifiers).
        nodes: list[Item | None] = list(items)
        parents: dict[int, tuple[int, Derived]] = {}
        streamed: dict[int, list[DetectorResult]] = {}
        streamed_samples: dict[int, list[Sample]] = {}
        detected: dict[int, list[DetectorResult]] = {}
        frontier = [i for i, item in enumerate(items) if item is not None]
        for level in range(depth + 1):
            if not frontier:
                break
            join = self._start_detectors(nodes, frontier, errors)
            new: list[int] = []
            if level < depth:
                new = self._extract(
                    nodes,
                    frontier,
                    parents,
                    errors,
                    (streamed, streamed_samples, depth - level - 1),
                )
            # An item that failed is failed: its first error (extractors, then detectors in
            # their order) stands.
            for outputs in join():
                for i, out in outputs:
                    if i in errors:
                        continue
                    if isinstance(out, WinnowError):
                        errors[i] = out
                    else:
                        detected.setdefault(i, []).append(out)
            frontier = new
        results: list[list[DetectorResult]] = [[] for _ in nodes]
        for i, lifted in streamed.items():
            results[i].extend(lifted)
        for i, own in detected.items():
            if i not in errors:
                results[i].extend(own)
        if samples is not None:
            for i, found in streamed_samples.items():
                samples.setdefault(i, []).extend(found)
            for parent, derived in parents.values():
                if parent < len(items):
                    samples.setdefault(parent, []).append(Sample(derived.label, derived.origin))
        # Lift findings from derived nodes to their parents, deepest first.
        for j in sorted(parents, reverse=True):
            parent, derived = parents[j]
            if j in errors:
                errors.setdefault(parent, errors.pop(j))
                continue
            results[parent].extend(_lift(r, derived) for r in results[j])
        return results[: len(items)]

    def _start_detectors(
        self, nodes: Sequence[Item | None], frontier: Sequence[int], errors: dict[int, WinnowError]
    ) -> Callable[[], list[list[tuple[int, DetectorResult | WinnowError]]]]:
        """Start every detector on the ``frontier`` nodes (on the pool when ``threads`` allows
        more than one); the returned call waits for them and gives each one's results."""
        work: list[tuple[Detector, list[tuple[int, Item]]]] = []
        for detector in self.detectors:
            todo = [
                (i, node)
                for i in frontier
                if (node := nodes[i]) is not None and i not in errors
                and node.media_type in detector.media_types
            ]  # fmt: skip
            if todo:
                work.append((detector, todo))

        def run(
            job: tuple[Detector, list[tuple[int, Item]]],
        ) -> list[tuple[int, DetectorResult | WinnowError]]:
            detector, todo = job
            out: list[tuple[int, DetectorResult | WinnowError]] = []
            for chunk in _chunks(todo, self.batch_size):
                batch = [item for _, item in chunk]
                out.extend(zip((i for i, _ in chunk), _safe_batch(detector, batch), strict=True))
            return out

        # Text detectors either take microseconds (rules, lists) or use every core themselves
        # (the encoder): running them at once only adds thread hops (the rules-only scan was 25%
        # slower). Media items have single-threaded steps worth overlapping.
        media = any(node.media_type is not MediaType.TEXT for _, todo in work for _, node in todo)
        pool = self._get_pool() if len(work) > 1 and media else None
        if pool is None:
            return lambda: [run(job) for job in work]
        futures = [pool.submit(run, job) for job in work]
        return lambda: [f.result() for f in futures]

    def _load(self, content: Content) -> Item | WinnowError:
        try:
            return load_content(content, self.limits)
        except WinnowError as exc:
            return exc

    def _map(self, call: Callable[[U], T], args: Sequence[U], parallel: bool = True) -> list[T]:
        """``[call(a) for a in args]``, up to ``threads`` at once when ``parallel``; results in
        ``args``' order."""
        pool = self._get_pool() if parallel and len(args) > 1 else None
        if pool is None:
            return [call(a) for a in args]
        return list(pool.map(call, args))

    def _get_pool(self) -> ThreadPoolExecutor | None:
        """The pool, made on first use; None when ``threads`` allows one thing at a time.

        Only the calling thread waits on the pool's work (pool threads never submit to it), so
        concurrent :meth:`run` calls share it without risk of deadlock.
        """
        workers = self.threads or os.cpu_count() or 1
        if workers == 1:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(workers, "winnow-pipeline")
            return self._pool

    def _extract(
        self,
        nodes: list[Item | None],
        frontier: list[int],
        parents: dict[int, tuple[int, Derived]],
        errors: dict[int, WinnowError],
        stream: tuple[dict[int, list[DetectorResult]], dict[int, list[Sample]], int],
    ) -> list[int]:
        new: list[int] = []
        streamed, streamed_samples, remaining = stream
        for extractor in self.extractors:
            todo = [
                i
                for i in frontier
                if i not in errors and nodes[i] is not None
                and nodes[i].media_type in extractor.media_types  # type: ignore[union-attr]
            ]  # fmt: skip
            if isinstance(extractor, StreamingExtractor):
                for i in todo:
                    try:
                        lifted, found = self._stream(extractor, nodes[i], remaining)  # type: ignore[arg-type]
                    except Exception as exc:
                        if isinstance(exc, (KeyboardInterrupt, MemoryError)):
                            raise
                        errors[i] = _isolate(extractor, exc)
                        continue
                    streamed.setdefault(i, []).extend(lifted)
                    streamed_samples.setdefault(i, []).extend(found)
                continue
            for chunk in _chunks(todo, self.batch_size):
                batch: list[Item] = [nodes[i] for i in chunk]  # type: ignore[misc]
                for i, out in zip(chunk, _safe_extract(extractor, batch), strict=True):
                    if isinstance(out, WinnowError):
                        errors[i] = out
                        continue
                    for derived in out:
                        parents[len(nodes)] = (i, derived)
                        new.append(len(nodes))
                        nodes.append(derived.item)
        return new

    def _stream(
        self, extractor: StreamingExtractor, item: Item, remaining: int
    ) -> tuple[list[DetectorResult], list[Sample]]:
        """Moderate ``extractor``'s items from ``item`` batch by batch; return their findings
        lifted onto ``item`` and where each derived item came from. A derived item's error is
        the parent's."""
        lifted: list[DetectorResult] = []
        found: list[Sample] = []
        for chunk in _batched(extractor.iter_extract(item), self.batch_size):
            chunk_errors: dict[int, WinnowError] = {}
            chunk_results = self._detect([d.item for d in chunk], chunk_errors, depth=remaining)
            for k, derived in enumerate(chunk):
                if k in chunk_errors:
                    raise chunk_errors[k]
                lifted.extend(_lift(r, derived) for r in chunk_results[k])
                found.append(Sample(derived.label, derived.origin))
        return lifted, found


def _batched(derived: Iterator[Derived], size: int) -> Iterator[list[Derived]]:
    while chunk := list(islice(derived, size)):
        yield chunk


def _lift(result: DetectorResult, derived: Derived) -> DetectorResult:
    """A derived item's result as its parent's: evidence located at the derived item's origin."""
    signals = tuple(
        Signal(
            s.category,
            s.score,
            tuple(
                Evidence(
                    derived.origin,
                    e.snippet,
                    f"{derived.label} {e.locator}" + (f": {e.detail}" if e.detail else ""),
                )
                for e in s.evidence
            )
            or (Evidence(derived.origin, None, derived.label),),
            s.action,
        )
        for s in result.signals
    )
    info = {k: v for k, v in result.info.items() if k != "language"}
    return DetectorResult(result.detector, result.version, signals, info)


def _chunks(values: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _isolate(component: Component, exc: Exception) -> WinnowError:
    if isinstance(exc, WinnowError):
        return exc
    return DetectorError(f"{component.name} failed: {type(exc).__name__}: {exc}")


def _safe_batch(detector: Detector, batch: Sequence[Item]) -> list[DetectorResult | WinnowError]:
    return _isolated(detector, detector.detect_batch, batch)


def _safe_extract(extractor: Extractor, batch: Sequence[Item]) -> list[list[Derived] | WinnowError]:
    return _isolated(extractor, extractor.extract_batch, batch)


def _isolated(
    component: Component, call: Callable[[Sequence[Item]], list[T]], batch: Sequence[Item]
) -> list[T | WinnowError]:
    """``call(batch)``; when it fails, retried item by item so only the bad item gets an error."""
    try:
        out = call(batch)
        if len(out) != len(batch):
            raise DetectorError(
                f"{component.name} returned {len(out)} results for {len(batch)} items"
            )
        return list(out)
    except Exception as exc:
        if isinstance(exc, (KeyboardInterrupt, MemoryError)):
            raise
        if len(batch) > 1:
            return [r for item in batch for r in _isolated(component, call, [item])]
        return [_isolate(component, exc)]
