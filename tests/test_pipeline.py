from tests.fakes import ImageCounter, KeywordDetector
from winnow.errors import DecodeError, DetectorError, InputError
from winnow.pipeline import Pipeline
from winnow.policy import default_policy
from winnow.types import Content, Verdict


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
