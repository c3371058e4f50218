"""Micro-batching of ``POST /v1/moderate``: requests in flight together run through the pipeline
together, so the text classifier encodes them in one batch instead of one at a time.

No request waits for company: a batch is whatever is queued when a runner is free (at most
``max_batch``, in arrival order), so a lone request runs at once and batches grow only under load.
At most ``runners`` batches run at once, each in a worker thread; a batch holding several tenants'
contents runs once per tenant, through that tenant's pipeline. One bad item never sinks its batch
(the pipeline isolates errors per item); an exception outside the pipeline fails only the
requests of that tenant's group. What follows moderation (storing the decision) runs in the same
thread, item by item, so a request costs one thread hop as before batching.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import anyio

from winnow.pipeline import Pipeline
from winnow.tenancy import TenantPipelines
from winnow.types import Content, Outcome

__all__ = ["Batcher"]

T = TypeVar("T")
Then = Callable[[Pipeline, Outcome], Any]
"""What to do with an item's outcome, in the batch's thread (store it, build the answer)."""


class Batcher:
    def __init__(
        self,
        pipelines: TenantPipelines,
        runners: int,
        max_batch: int = 16,
        on_batch: Callable[[int], object] | None = None,
    ) -> None:
        """``on_batch(size)`` is called as each batch starts (metrics)."""
        self.pipelines = pipelines
        self.runners = max(1, runners)
        self.max_batch = max(1, max_batch)
        self.on_batch = on_batch
        self._queue: deque[tuple[str, Content, Then, _Slot]] = deque()
        self._running = 0
        self._changed: anyio.Event | None = None  # set (and replaced) whenever a batch ends

    async def check(
        self, tenant: str, content: Content, then: Callable[[Pipeline, Outcome], T]
    ) -> T:
        """Moderate ``content`` with ``tenant``'s pipeline, then ``then(pipeline, outcome)`` in
        the same worker thread (one thread hop a request); its result, or its exception.

        The waiting requests run the batches themselves: whoever finds a runner free takes the
        next batch (shielded from its own cancellation, since it holds others' items too)."""
        slot = _Slot()
        self._queue.append((tenant, content, then, slot))
        while not slot.done:
            if self._running < self.runners and self._queue:
                self._running += 1
                try:
                    with anyio.CancelScope(shield=True):
                        await self._run_batch()
                finally:
                    self._running -= 1
                    changed, self._changed = self._changed, None
                    if changed is not None:
                        changed.set()
            else:
                if self._changed is None:
                    self._changed = anyio.Event()  # created in the event loop, not at start
                await self._changed.wait()
        if slot.error is not None:
            raise slot.error
        return cast(T, slot.value)

    async def _run_batch(self) -> None:
        size = min(self.max_batch, len(self._queue))
        batch = [self._queue.popleft() for _ in range(size)]
        if self.on_batch is not None:
            self.on_batch(size)
        try:
            await anyio.to_thread.run_sync(self._run, batch)
        except BaseException as exc:  # the thread could not even start: fail these, go on
            for *_, slot in batch:
                if not slot.done:
                    slot.fail(exc)

    def _run(self, batch: Sequence[tuple[str, Content, Then, _Slot]]) -> None:
        groups: dict[str, list[int]] = {}
        for i, (tenant, *_) in enumerate(batch):
            groups.setdefault(tenant, []).append(i)
        for tenant, indices in groups.items():
            try:
                pipeline = self.pipelines.get(tenant)
                outcomes = pipeline.run([batch[i][1] for i in indices])
            except Exception as exc:
                for i in indices:
                    batch[i][3].fail(exc)
                continue
            for i, outcome in zip(indices, outcomes, strict=True):
                _, _, then, slot = batch[i]
                try:
                    slot.succeed(then(pipeline, outcome))
                except Exception as exc:
                    slot.fail(exc)


class _Slot:
    """Where a batch puts one request's result or error."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def succeed(self, value: Any) -> None:
        self.value, self.done = value, True

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True
