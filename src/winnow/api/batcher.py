"""Micro-batching of ``POST /v1/moderate``: requests in flight together run through the pipeline
together, so the text classifier encodes them in one batch instead of one at a time.

No request waits for company: a batch is whatever is queued when a runner is free (at most
``max_batch``, in arrival order), so a lone request runs at once and batches grow only under load.
At most ``runners`` batches run at once, each in a worker thread; a batch holding several tenants'
contents runs once per tenant, through that tenant's pipeline. One bad item never sinks its batch
(the pipeline isolates errors per item); an exception outside the pipeline fails only the
requests of that tenant's group.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import anyio

from winnow.pipeline import Pipeline
from winnow.tenancy import TenantPipelines
from winnow.types import Content, Outcome

__all__ = ["Batcher"]

Ran = tuple[Pipeline, Outcome] | BaseException


class Batcher:
    def __init__(self, pipelines: TenantPipelines, runners: int, max_batch: int = 16) -> None:
        self.pipelines = pipelines
        self.runners = max(1, runners)
        self.max_batch = max(1, max_batch)
        self._queue: deque[tuple[str, Content, _Slot]] = deque()
        self._running = 0
        self._changed: anyio.Event | None = None  # set (and replaced) whenever a batch ends
        self.batches = 0  # batches run, and the items in them
        self.items = 0

    async def check(self, tenant: str, content: Content) -> tuple[Pipeline, Outcome]:
        """Moderate ``content`` with ``tenant``'s pipeline; (that pipeline, the outcome).

        The waiting requests run the batches themselves: whoever finds a runner free takes the
        next batch (shielded from its own cancellation, since it holds others' items too)."""
        slot = _Slot()
        self._queue.append((tenant, content, slot))
        while slot.value is None:
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
        if isinstance(slot.value, BaseException):
            raise slot.value
        return slot.value

    async def _run_batch(self) -> None:
        size = min(self.max_batch, len(self._queue))
        batch = [self._queue.popleft() for _ in range(size)]
        self.batches += 1
        self.items += len(batch)
        try:
            ran = await anyio.to_thread.run_sync(self._run, [(t, c) for t, c, _ in batch])
        except BaseException as exc:  # the thread could not even start: fail these, go on
            ran = [exc] * len(batch)
        for (_, _, slot), out in zip(batch, ran, strict=True):
            slot.value = out

    def _run(self, batch: Sequence[tuple[str, Content]]) -> list[Ran]:
        out: list[Ran] = [RuntimeError("not moderated")] * len(batch)
        groups: dict[str, list[int]] = {}
        for i, (tenant, _) in enumerate(batch):
            groups.setdefault(tenant, []).append(i)
        for tenant, indices in groups.items():
            try:
                pipeline = self.pipelines.get(tenant)
                outcomes = pipeline.run([batch[i][1] for i in indices])
            except Exception as exc:
                for i in indices:
                    out[i] = exc
                continue
            for i, outcome in zip(indices, outcomes, strict=True):
                out[i] = (pipeline, outcome)
        return out


class _Slot:
    """Where a batch puts one request's result."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Ran | None = None
