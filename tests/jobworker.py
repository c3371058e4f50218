"""`winnow` with one more detector, ``test.slow``, for the kill -9 test of jobs: run as
``python -m tests.jobworker serve ...`` (the real CLI, the real server and worker)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar

from tests.fakes import KeywordDetector
from winnow.types import DetectorResult, Item


class SlowText(KeywordDetector):
    """:class:`KeywordDetector`, 0.25 s per text: a job's steps last long enough to be killed."""

    name: ClassVar[str] = "test.slow"

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        time.sleep(0.25 * len(items))
        return super().detect_batch(items)


def main() -> None:
    import winnow.pipeline
    from winnow.cli.main import main as winnow_main

    original = winnow.pipeline.default_registry

    def registry():  # type: ignore[no-untyped-def]
        found = original()
        found.register("test.slow", "tests.jobworker:SlowText", origin="tests")
        return found

    winnow.pipeline.default_registry = registry  # type: ignore[assignment]
    winnow_main()


if __name__ == "__main__":
    main()
