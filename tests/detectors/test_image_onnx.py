"""``image.onnx`` with a tiny model built here: per-channel means of the image as logits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from winnow.detectors.image_onnx import OnnxImageClassifier
from winnow.errors import ConfigError
from winnow.settings import Settings
from winnow.testing import DetectorContract, image_item
from winnow.types import ImageItem

onnx = pytest.importorskip("onnx")


def tiny_model(path: Path) -> Path:
    """[N,3,8,8] -> ReduceMean over H,W -> [N,3] * 10: 'red', 'green', 'blue' logits."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])
    axes = helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3])
    ten = helper.make_tensor("ten", TensorProto.FLOAT, [], [10.0])
    nodes = [
        helper.make_node("ReduceMean", ["x", "axes"], ["m"], keepdims=0),
        helper.make_node("Mul", ["m", "ten"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "tiny", [x], [y], initializer=[axes, ten])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def options(path: Path) -> dict[str, object]:
    return {"model_path": str(path), "class_names": ["red", "green", "blue"],
            "labels": {"red": "violence/graphic"}, "input_size": 8}  # fmt: skip


def solid(rgb: tuple[int, int, int]) -> ImageItem:
    return image_item(np.full((20, 30, 3), rgb, np.uint8))


class TestOnnxImageClassifier(DetectorContract):
    @pytest.fixture
    def detector(self, tmp_path: Path) -> OnnxImageClassifier:
        settings = Settings(
            detector_options={"image.onnx": options(tiny_model(tmp_path / "m.onnx"))}
        )
        return OnnxImageClassifier.from_settings(settings)

    @pytest.fixture
    def sample_items(self) -> list[ImageItem]:
        return [solid((255, 0, 0)), solid((0, 0, 255))]


def test_labels_are_mapped_and_unmapped_ones_ignored(tmp_path: Path) -> None:
    settings = Settings(detector_options={"image.onnx": options(tiny_model(tmp_path / "m.onnx"))})
    det = OnnxImageClassifier.from_settings(settings)
    red, blue = det.detect_batch([solid((255, 0, 0)), solid((0, 0, 255))])
    assert [s.category for s in red.signals] == ["violence/graphic"]
    assert red.signals[0].score > 0.99 and blue.signals[0].score < 0.01


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": {"red": "ethnicity"}}, "not a category"),
        ({"labels": {"purple": "spam"}}, "not in class_names"),
        ({"model_path": "/nope.onnx"}, "is not a file"),
        ({"layout": "chwn"}, "layout must be"),
    ],
)
def test_bad_config_says_what_to_fix(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    opts = {**options(tiny_model(tmp_path / "m.onnx")), **change}
    with pytest.raises(ConfigError, match=message):
        OnnxImageClassifier.from_settings(Settings(detector_options={"image.onnx": opts}))
    with pytest.raises(ConfigError, match="needs detector_options"):
        OnnxImageClassifier.from_settings(Settings())
