"""``text.onnx`` with a tiny classifier and tokenizer built inside the test."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from winnow.detectors.text_onnx import OnnxTextClassifier
from winnow.errors import ConfigError
from winnow.settings import Settings
from winnow.testing import DetectorContract, text_item
from winnow.types import Item

VOCAB = ["[PAD]", "[UNK]", "hello", "friend", "hate", "idiot", "buy", "now"]


def build_model(directory: Path) -> Path:
    """Mean of word embeddings → linear → logits for labels (toxic, promo)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers

    emb = np.zeros((len(VOCAB), 2), dtype=np.float32)
    emb[VOCAB.index("hate")] = [4.0, 0.0]
    emb[VOCAB.index("idiot")] = [4.0, 0.0]
    emb[VOCAB.index("buy")] = [0.0, 4.0]
    emb[VOCAB.index("now")] = [0.0, 2.0]
    weights = np.eye(2, dtype=np.float32)
    bias = np.array([-1.0, -1.0], dtype=np.float32)
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["tok"]),
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["tok", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["maskf", "axis1"], ["count"], keepdims=1),
        helper.make_node("Div", ["summed", "count"], ["mean"]),
        helper.make_node("MatMul", ["mean", "W"], ["lin"]),
        helper.make_node("Add", ["lin", "b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["B", "T"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["B", "T"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["B", 2])],
        [numpy_helper.from_array(emb, "emb"), numpy_helper.from_array(weights, "W"),
         numpy_helper.from_array(bias, "b"),
         numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
         numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, directory / "model.onnx")
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(directory / "tokenizer.json"))
    config = {
        "id2label": {"0": "toxic", "1": "promo"},
        "problem_type": "multi_label_classification",
    }
    (directory / "config.json").write_text(json.dumps(config))
    return directory


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return build_model(tmp_path)


class TestContract(DetectorContract):
    @pytest.fixture
    def detector(self, model_dir: Path) -> OnnxTextClassifier:
        return OnnxTextClassifier.from_dir(
            model_dir, {"toxic": "harassment", "promo": "advertising"}
        )

    @pytest.fixture
    def sample_items(self) -> Sequence[Item]:
        return [text_item("hello friend"), text_item("you idiot i hate you"), text_item("buy now")]


def test_scores_follow_the_model_and_the_label_map(model_dir: Path) -> None:
    det = OnnxTextClassifier.from_dir(model_dir, {"toxic": "harassment"})
    benign, toxic, promo = det.detect_batch(
        [text_item("hello friend"), text_item("hate idiot"), text_item("buy now")]
    )
    b, t, p = ({s.category: s.score for s in r.signals} for r in (benign, toxic, promo))
    assert t["harassment"] == pytest.approx(1 / (1 + np.exp(-3.0)), abs=1e-4)
    assert b["harassment"] == pytest.approx(1 / (1 + np.exp(1.0)), abs=1e-4)
    assert set(p) == {"harassment"}  # promo is unmapped: ignored


def test_softmax_and_config_errors(model_dir: Path) -> None:
    det = OnnxTextClassifier.from_dir(
        model_dir, {"toxic": "harassment", "promo": "spam"}, activation="softmax"
    )
    (r,) = det.detect_batch([text_item("hate")])
    assert sum(s.score for s in r.signals) == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ConfigError, match="unknown categories"):
        OnnxTextClassifier.from_dir(model_dir, {"toxic": "politics"})
    with pytest.raises(ConfigError, match="has no labels"):
        OnnxTextClassifier.from_dir(model_dir, {"insult": "harassment"})
    with pytest.raises(ConfigError, match="does not exist"):
        OnnxTextClassifier.from_dir(model_dir / "nope", {"toxic": "harassment"})
    with pytest.raises(ConfigError, match="needs"):
        OnnxTextClassifier.from_settings(Settings(detectors=["text.onnx"]))


def test_from_settings_in_the_pipeline(model_dir: Path) -> None:
    from winnow.pipeline import Pipeline
    from winnow.types import Content, Verdict

    settings = Settings(
        detectors=["text.onnx"],
        detector_options={
            "text.onnx": {"model_dir": str(model_dir), "labels": {"toxic": "harassment"}}
        },
    )
    (out,) = Pipeline.from_settings(settings).run([Content("x", text="hate friend")])
    assert out.decision is not None and out.decision.verdict is Verdict.REVIEW
    assert out.decision.hits[0].detector == "text.onnx"
