"""Local scans on every core: chunks go to a pool of processes, lines come back in input order.

Each worker process builds its pipeline once (it calls a picklable factory, such as
``functools.partial(Pipeline.from_settings, settings)``), then takes whole chunks of raw input
(JSONL lines as bytes, or a folder's file paths), parses them, skips ids already done, moderates
the rest and returns their lines already encoded. The parent only reads and writes: it hands out
chunks and writes each chunk's lines in input order, flushed, once that chunk and all before it
are done. The output is the one :func:`winnow.scanning.scan` writes (a repeated id keeps its first
line), and resume works the same way. One chunk per worker is in flight, so memory stays bounded
on inputs of any size.

Ctrl-C reaches only the parent (workers ignore SIGINT); it stops the workers and leaves only
whole chunks in the output, which a rerun resumes. A worker's pipeline that cannot be built
(a missing model, a bad setting) raises its own error in the parent; a worker that dies (out of
memory) raises :class:`~winnow.errors.DetectorError`. The pool is a few processes and pipes of
our own rather than ``concurrent.futures``: terminating that executor's workers on Ctrl-C can
leave its result thread blocked on a half-written message, and the process never exits.
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO

from winnow.errors import DetectorError, InputError
from winnow.pipeline import Pipeline
from winnow.scanning import ScanInput, ScanStats, chunk_lines, iter_inputs, parse_line
from winnow.types import Content

__all__ = ["PipelineFactory", "scan_parallel"]

PipelineFactory = Callable[[], Pipeline]
"""Builds a worker's pipeline; must pickle (a module-level function or a ``partial`` of one)."""

_Raw = tuple[int, bytes] | tuple[str, str]
"""A JSONL line as (line number, bytes), or a folder's file as (id, path)."""
_Line = tuple[str, str, bool, bool]
"""An output line as (id, encoded line, is an error, is flagged)."""


def _worker_main(
    conn: Connection, factory: PipelineFactory, done: frozenset[str], base: str
) -> None:
    """A worker: build the pipeline once, then answer each chunk received with its lines."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    pipeline: Pipeline | None = None
    setup_error: Exception | None = None
    try:
        pipeline = factory()
    except Exception as exc:  # reported, as itself, in the parent
        setup_error = exc
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        try:
            if pipeline is None:
                raise setup_error or DetectorError("scan worker has no pipeline")
            conn.send(("ok", _work(pipeline, chunk, done, Path(base))))
        except Exception as exc:
            conn.send(("error", _picklable(exc)))


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
    except Exception:
        return DetectorError(f"scan worker failed: {type(exc).__name__}: {exc}")
    return exc


def _parse(raw: _Raw, base: Path) -> ScanInput:
    first, second = raw
    if isinstance(first, int) and isinstance(second, bytes):
        return parse_line(second, first, base)
    item_id, path = str(first), str(second)
    return ScanInput(item_id, Content(item_id, path=path))


def _work(
    pipeline: Pipeline, chunk: list[_Raw], done: frozenset[str], base: Path
) -> tuple[int, list[_Line]]:
    """Moderate one chunk: (inputs skipped as already done, output lines)."""
    inputs = [_parse(raw, base) for raw in chunk]
    todo = [item for item in inputs if item.id not in done]
    lines = chunk_lines(pipeline, todo)
    encoded = [
        (
            str(line["id"]),
            json.dumps(line, ensure_ascii=False) + "\n",
            line["error"] is not None,
            line["verdict"] in ("review", "block"),
        )
        for line in lines
    ]
    return len(inputs) - len(todo), encoded


def scan_parallel(
    factory: PipelineFactory,
    source: Path,
    out: IO[str],
    done: set[str],
    workers: int,
    chunk_size: int = 256,
    on_progress: Callable[[int], None] | None = None,
) -> ScanStats:
    """:func:`winnow.scanning.scan` of ``source`` (JSONL or folder) on ``workers`` processes.

    Chunk ``i`` goes to worker ``i mod workers``, one chunk at a time per worker, so results
    come back in input order and a pipe never has both ends blocked on a full buffer."""
    stats = ScanStats()
    context = multiprocessing.get_context("spawn")  # no fork of a parent holding threads
    chunks = _raw_chunks(source, chunk_size)
    processes: list[BaseProcess] = []  # spawn processes, typed by their base
    conns: list[Connection] = []
    in_flight: deque[tuple[int, int]] = deque()  # (worker, items in its chunk), oldest first

    def write(skipped: int, lines: list[_Line], count: int) -> None:
        stats.skipped += skipped
        text = []
        for item_id, line, error, flagged in lines:
            if item_id in done:  # a repeated id: its first line stands
                stats.skipped += 1
                continue
            done.add(item_id)
            text.append(line)
            stats.errors += error
            stats.flagged += flagged
        out.write("".join(text))
        out.flush()
        stats.written += len(text)
        if on_progress is not None:
            on_progress(count)

    def give(worker: int) -> None:
        chunk = next(chunks, None)
        if chunk is not None:
            conns[worker].send(chunk)
            in_flight.append((worker, len(chunk)))

    try:
        for _ in range(workers):
            parent_end, child_end = context.Pipe()
            process: BaseProcess = context.Process(
                target=_worker_main,
                args=(child_end, factory, frozenset(done), str(source.parent)),
                daemon=True,
            )
            process.start()
            child_end.close()  # so a dead worker reads as EOF here
            processes.append(process)
            conns.append(parent_end)
        for worker in range(workers):
            give(worker)
        while in_flight:
            worker, count = in_flight.popleft()
            try:
                status, result = conns[worker].recv()
            except EOFError:
                raise DetectorError(
                    "a scan worker died (out of memory?); finished items are kept, run the same "
                    "command again to resume, with fewer --workers or a smaller --chunk-size"
                ) from None
            if status != "ok":
                raise result
            skipped, lines = result
            write(skipped, lines, count)
            give(worker)
        for conn in conns:
            conn.send(None)
        for process in processes:
            process.join(timeout=30)
    finally:
        for process in processes:  # on Ctrl-C or an error: chunks in flight are never written
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
        for conn in conns:
            conn.close()
    return stats


def _raw_chunks(source: Path, size: int) -> Iterator[list[_Raw]]:
    """The inputs of :func:`winnow.scanning.iter_inputs`, unparsed, ``size`` at a time."""
    chunk: list[_Raw] = []
    for raw in _iter_raw(source):
        chunk.append(raw)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _iter_raw(source: Path) -> Iterator[_Raw]:
    if source.is_dir():  # cheap: no parsing, the parent can list the files
        for item in iter_inputs(source):
            yield item.id, str(item.content.path if item.content else "")
        return
    if not source.is_file():
        raise InputError(f"{source}: no such file or folder")
    with source.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if raw.strip():
                yield lineno, raw
