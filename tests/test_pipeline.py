import threading
import time
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from tests.conftest import encode
from tests.fakes import ImageCounter, KeywordDetector
from winnow.detectors.base import Detector
from winnow.errors import DecodeError, DetectorError, InputError
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.types import Content, DetectorResult, ImageItem, Item, MediaType, Signal, Verdict


def make(batch_size: int = 64) -> tuple[Pipeline, KeywordDetector, ImageCounter]:
    kw, img = KeywordDetector(), ImageCounter()
    return Pipeline([kw, img], default_policy(), batch_size=batch_size), kw, img


def test_routes_by_media_type_and_decides(benign_png: bytes) -> None:
    pipe, kw, img = make()
    out = pipe.run(
        [
            Content("t1", text="a HATEFUL thing"),
            Content("i1", data=benign_png),
            Content("t2", text="fine"),
        ]
    )
    assert [o.content_id for o in out] == ["t1", "i1", "t2"]
    assert out[0].decision is not None and out[0].decision.verdict is Verdict.BLOCK
    assert out[0].decision.hits[0].evidence[0].snippet == "HATEFUL"
    assert out[0].decision.info["language"] == "en"
    assert out[1].decision is not None and out[1].decision.verdict is Verdict.ALLOW
    assert out[1].decision.detectors == (("test.image", "1"),)
    assert out[2].decision is not None and out[2].decision.verdict is Verdict.ALLOW
    assert kw.batches == [2] and img.seen == 1


def test_batches_are_chunked() -> None:
    pipe, kw, _ = make(batch_size=3)
    pipe.run([Content(str(i), text="x") for i in range(7)])
    assert kw.batches == [3, 3, 1]


def test_one_bad_item_never_sinks_the_batch(benign_png: bytes) -> None:
    pipe, _, _ = make()
    out = pipe.run(
        [
            Content("ok", text="fine"),
            Content("crash", text="CRASH now"),
            Content("corrupt", data=benign_png[:40]),
            Content("hate", text="HATEFUL"),
        ]
    )
    by_id = {o.content_id: o for o in out}
    assert by_id["ok"].decision is not None
    assert isinstance(by_id["crash"].error, DetectorError)
    assert "model exploded" in str(by_id["crash"].error)
    assert isinstance(by_id["corrupt"].error, DecodeError)
    assert by_id["hate"].decision is not None and by_id["hate"].decision.verdict is Verdict.BLOCK


def test_check_single_and_input_error() -> None:
    pipe, _, _ = make()
    out = pipe.check(Content("e", data=b""))
    assert isinstance(out.error, InputError)


def test_extractor_findings_are_lifted_to_the_parent_with_the_box(benign_png: bytes) -> None:
    import numpy as np

    from tests.conftest import encode
    from tests.fakes import FakeOCR

    kw = KeywordDetector()
    pipe = Pipeline([kw, ImageCounter()], default_policy(), extractors=[FakeOCR()])
    thin = encode(np.zeros((1, 5, 3), dtype=np.uint8))
    img, bad, text = pipe.run(
        [Content("img", data=benign_png), Content("thin", data=thin), Content("t", text="fine")]
    )
    assert img.decision is not None and img.decision.verdict is Verdict.BLOCK
    (hit,) = img.decision.hits
    assert hit.category == "hate" and hit.detector == "test.keyword"
    (ev,) = hit.evidence
    assert ev.locator.box == (1, 2, 30, 40)
    assert ev.snippet == "HATEFUL" and ev.detail == "ocr chars=8-15: keyword"
    assert "language" not in img.decision.info
    assert isinstance(bad.error, DetectorError) and "ocr exploded" in str(bad.error)
    assert text.decision is not None and text.decision.verdict is Verdict.ALLOW


class _Waiter(Detector):
    """An image detector that waits at a barrier shared with another, then fails 1-pixel-high
    images and scores the others ``hate`` 0.95."""

    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = ("hate",)

    def __init__(self, name: str, barrier: threading.Barrier, delay: float) -> None:
        self.name, self.barrier, self.delay = name, barrier, delay  # type: ignore[misc]

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.barrier.wait()
        time.sleep(self.delay)  # the first detector finishes last
        if any(isinstance(item, ImageItem) and item.height == 1 for item in items):
            raise RuntimeError(f"{self.name} failed")
        return [self.result([Signal("hate", 0.95)]) for _ in items]


def _waiters(threads: int, timeout: float = 5.0) -> Pipeline:
    barrier = threading.Barrier(2, timeout=timeout)
    first, second = _Waiter("test.first", barrier, 0.05), _Waiter("test.second", barrier, 0.0)
    return Pipeline([first, second], default_policy(), threads=threads)


def test_detectors_run_concurrently_and_merge_in_detector_order(benign_png: bytes) -> None:
    thin = encode(np.zeros((1, 5, 3), dtype=np.uint8))
    hate, both = _waiters(threads=2).run([Content("h", data=benign_png), Content("t", data=thin)])
    # Both detectors met at the barrier, so they ran at once; results follow detector order,
    # not finishing order, and the first detector's error is the one reported.
    assert hate.decision is not None and hate.decision.verdict is Verdict.BLOCK
    assert [r.detector for r in hate.results] == ["test.first", "test.second"]
    assert isinstance(both.error, DetectorError) and "test.first failed" in str(both.error)


def test_one_thread_runs_detectors_one_after_another(benign_png: bytes) -> None:
    # The same barrier cannot be passed by one thread: every item fails (the check above can).
    outs = _waiters(threads=1, timeout=0.2).run([Content("h", data=benign_png)])
    assert isinstance(outs[0].error, DetectorError) and "BrokenBarrierError" in str(outs[0].error)


class _Traced(KeywordDetector):
    """Records the thread each batch ran on."""

    def __init__(self, threads: list[str]) -> None:
        super().__init__()
        self.threads = threads

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.threads.append(threading.current_thread().name)
        return super().detect_batch(items)


def test_text_batches_run_detectors_one_after_another() -> None:
    # Text detectors are either microseconds or multi-threaded themselves: no pool for them.
    threads: list[str] = []
    pipe = Pipeline([_Traced(threads), _Traced(threads)], default_policy(), threads=2)
    pipe.run([Content("a", text="x"), Content("b", text="y")])
    assert threads == [threading.current_thread().name] * 2


def test_contents_are_loaded_concurrently_and_stay_in_order(benign_png: bytes) -> None:
    pipe, _, img = make()
    contents = [Content(f"i{k}", data=benign_png) for k in range(5)]
    contents.insert(2, Content("bad", data=benign_png[:40]))
    out = pipe.run(contents)
    assert [o.content_id for o in out] == [c.id for c in contents]
    assert isinstance(out[2].error, DecodeError)
    assert img.seen == 5
