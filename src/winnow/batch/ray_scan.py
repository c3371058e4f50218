"""``winnow scan --engine ray``: the same scan on Ray Data, from one machine to a cluster.

The job is ``read → map_batches(ScoreBatch, concurrency=N, batch_size=B) → write``: each actor
builds its pipeline once in ``__init__`` and moderates a batch in ``__call__``, returning the
scan lines already encoded by :func:`winnow.serialize.outcome_to_json` (the same code the local
scan runs), so both engines write the same lines for the same input.

Inputs: a local JSONL file or folder is read on the driver by :func:`winnow.scanning.iter_inputs`
(same ids, same per-line errors, relative paths resolved the same way; paths must be readable
from every node: a shared filesystem on a cluster). Parquet (``.parquet`` file or a folder of
them, columns ``id`` and ``text`` and/or ``path``) is read by Ray, as is any URL that pyarrow
and fsspec understand (``s3://bucket/items.parquet``, ``s3://bucket/items.jsonl``, an
``s3://bucket/prefix/`` listing of files whose bytes are moderated): untested here, since tests
do not reach the network.

Output: the driver writes the lines in input order, flushed batch by batch, as the local scan
does: a JSONL output resumes after an interruption (ids already in it are skipped: by the driver
on what it reads, by the actors on what Ray reads). A
``.parquet`` output is written in one go (no resume): one row per line, ``scores``, ``matches``,
``detectors`` and ``segments`` as JSON strings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from winnow.errors import ConfigError
from winnow.pipeline import Pipeline
from winnow.scanning import ScanInput, ScanStats, chunk_lines, iter_inputs, read_done
from winnow.settings import Settings
from winnow.types import Content

__all__ = ["PARQUET_COLUMNS", "ScoreBatch", "local_ray", "ray_scan", "read_source"]

PARQUET_COLUMNS = (
    "id", "verdict", "error", "sha256", "media_type", "policy_version", "language",
    "scores", "matches", "detectors", "segments",
)  # fmt: skip
"""Columns of a Parquet output; the last four hold JSON."""

_JSON_COLUMNS = {"scores", "matches", "detectors", "segments"}


class ScoreBatch:
    """Ray Data callable class: one pipeline per actor, one batch of rows per call."""

    def __init__(self, settings: Settings, done: frozenset[str] = frozenset()) -> None:
        self.pipeline = Pipeline.from_settings(settings)
        self.done = done  # ids already in the output, skipped (inputs Ray reads itself)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        inputs = [_to_input(batch, k) for k in range(len(batch["id"]))]
        inputs = [item for item in inputs if item.id not in self.done]
        lines = chunk_lines(self.pipeline, inputs)
        return {
            "id": [line["id"] for line in lines],
            "line": [json.dumps(line, ensure_ascii=False) for line in lines],
            "error": [line["error"] is not None for line in lines],
            "flagged": [line["verdict"] in ("review", "block") for line in lines],
        }


def _to_input(batch: dict[str, Any], k: int) -> ScanInput:
    def get(column: str) -> Any:
        values = batch.get(column)
        value = None if values is None else values[k]
        return None if value is None or (isinstance(value, float) and value != value) else value

    item_id = str(get("id"))
    kind = get("kind")
    if kind is not None:  # rows read on the driver: kind is text, path or error
        value = str(get("value"))
        if kind == "error":
            return ScanInput(item_id, error=value)
        if kind == "text":
            return ScanInput(item_id, Content(item_id, text=value))
        return ScanInput(item_id, Content(item_id, path=value))
    text, path, data = get("text"), get("path"), get("bytes")
    if data is not None:
        return ScanInput(item_id, Content(item_id, data=bytes(data)))
    if isinstance(text, str) and path is None:
        return ScanInput(item_id, Content(item_id, text=text))
    if isinstance(path, str) and text is None:
        return ScanInput(item_id, Content(item_id, path=path))
    return ScanInput(item_id, error="give exactly one of 'text' (a string) or 'path' (a string)")


def _is_url(source: str) -> bool:
    return "://" in source


def read_source(source: str, done: set[str]) -> Any:
    """The input as a Ray dataset of rows ``{id, kind, value}`` (read on the driver),
    ``{id, text, path}`` (Parquet, JSONL URLs) or ``{id, bytes}`` (a listing of files)."""
    import ray.data

    if _read_by_ray(source):  # done ids are skipped by the actors
        if source.endswith(".parquet") or not _is_url(source):
            return ray.data.read_parquet(source)
        if source.endswith((".jsonl", ".json")):
            return ray.data.read_json(source, lines=True)
        files = ray.data.read_binary_files(source, include_paths=True)
        return files.map(lambda row: {"id": row["path"], "bytes": row["bytes"]})
    path = Path(source).resolve()  # actors may run in another working directory
    rows = [_row(item) for item in iter_inputs(path) if item.id not in done]
    return ray.data.from_items(rows) if rows else None


def _row(item: ScanInput) -> dict[str, str]:
    """A driver-read input as a row of strings only (no nulls for Arrow to turn into NaN)."""
    content = item.content
    if content is None:
        return {"id": item.id, "kind": "error", "value": item.error or "unreadable input"}
    if content.text is not None:
        return {"id": item.id, "kind": "text", "value": content.text}
    return {"id": item.id, "kind": "path", "value": str(content.path)}


def _read_by_ray(source: str) -> bool:
    """Parquet and URLs are read by Ray's tasks; local JSONL and folders by the driver."""
    path = Path(source)
    return (
        _is_url(source)
        or source.endswith(".parquet")
        or (path.is_dir() and any(path.glob("*.parquet")))
    )


def ray_scan(
    settings: Settings,
    source: Path | str,
    output: Path,
    concurrency: int,
    batch_size: int = 256,
    stats: ScanStats | None = None,
) -> int:
    """Scan ``source`` on the connected Ray cluster; write ``output``; return lines written."""
    import ray.data

    stats = stats if stats is not None else ScanStats()
    parquet = output.suffix == ".parquet"
    done = set() if parquet else read_done(output)
    stats.skipped = len(done)
    # Before reading: a dataset keeps the context it was created under.
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # lines in input order, like the local scan
    context.enable_progress_bars = False
    ds = read_source(str(source), done)
    if ds is None:
        return 0
    scored = ds.map_batches(
        ScoreBatch,
        # The driver skips done ids of what it reads; the actors skip those of what Ray reads.
        fn_constructor_kwargs={
            "settings": settings,
            "done": frozenset(done) if _read_by_ray(str(source)) else frozenset(),
        },
        compute=ray.data.ActorPoolStrategy(size=concurrency),  # `concurrency=` before 2.51
        batch_size=batch_size,
        batch_format="numpy",
        num_cpus=1,
    )
    batches = scored.iter_batches(batch_size=batch_size, batch_format="numpy")
    if parquet:
        _write_parquet(batches, output, stats)
    else:
        with output.open("a", encoding="utf-8") as out:
            for batch in batches:
                lines = list(batch["line"])
                out.write("".join(f"{line}\n" for line in lines))
                out.flush()
                _count(batch, stats)
    return stats.written


def _count(batch: dict[str, Any], stats: ScanStats) -> None:
    stats.written += len(batch["line"])
    stats.errors += int(sum(batch["error"]))
    stats.flagged += int(sum(batch["flagged"]))


def _write_parquet(batches: Iterator[dict[str, Any]], output: Path, stats: ScanStats) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, pa.string()) for name in PARQUET_COLUMNS])
    tmp = output.with_name(output.name + ".partial")
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in batches:
            _count(batch, stats)
            rows = [json.loads(raw) for raw in batch["line"]]
            columns = {name: [_cell(row, name) for row in rows] for name in PARQUET_COLUMNS}
            writer.write_table(pa.table(columns, schema=schema))
    tmp.replace(output)


def _cell(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    if name in _JSON_COLUMNS:
        return None if value is None else json.dumps(value, ensure_ascii=False)
    return None if value is None else str(value)


@contextmanager
def local_ray(
    num_cpus: int, object_store_mb: int = 512, address: str | None = None
) -> Iterator[None]:
    """Connect to Ray for one scan: ``address`` (``auto``, ``ray://host:10001``) or, when None,
    a private single-machine Ray bound to 127.0.0.1 with ``num_cpus`` logical CPUs."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address is None:
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # else it binds every interface
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "the Ray engine needs Ray: pip install 'winnow[ray]'  (or use --engine local)"
        ) from None
    if address is None:
        from ray._private import ray_constants

        # Ray reads the variable once, at import: hold it here too when ray came in earlier.
        ray_constants.ENABLE_RAY_CLUSTER = False
        ray.init(
            address="local",
            num_cpus=num_cpus,
            object_store_memory=object_store_mb * 1024 * 1024,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()
