"""``text.onnx``: bring your own text classifier (an ONNX export in Hugging Face layout).

For an operator with a bigger model (a guard model exported with ``optimum``, a fine-tuned
classifier): point ``detector_options."text.onnx".model_dir`` at a folder holding

* ``model.onnx`` — inputs named ``input_ids`` / ``attention_mask`` (``token_type_ids``
  optional), output logits of shape (batch, labels);
* ``tokenizer.json`` — a Hugging Face *tokenizers* file;
* ``config.json`` (optional) — ``id2label`` and ``problem_type``,

and map the model's labels to taxonomy categories with ``labels = {"toxic": "harassment", ...}``.
Labels left unmapped are ignored. ``activation`` is ``sigmoid`` for multi-label models and
``softmax`` otherwise (default: from ``problem_type``). Needs ``pip install winnow[byo]``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from winnow.detectors.base import Detector
from winnow.errors import ConfigError, DetectorError
from winnow.settings import Settings
from winnow.taxonomy import CATEGORY_KEYS, is_category
from winnow.types import DetectorResult, Evidence, Item, Locator, MediaType, Signal, TextItem

__all__ = ["OnnxTextClassifier"]


class OnnxTextClassifier(Detector):
    name: ClassVar[str] = "text.onnx"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = CATEGORY_KEYS
    description: ClassVar[str] = (
        "Bring your own ONNX text classifier (Hugging Face layout), labels mapped in config."
    )

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        id2label: dict[int, str],
        label_map: dict[str, str],
        activation: str,
        batch_size: int = 16,
    ) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self._columns = [
            (index, label_map[label])
            for index, label in sorted(id2label.items())
            if label in label_map
        ]
        self._activation = activation
        self._batch = batch_size

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        if "model_dir" not in options or "labels" not in options:
            raise ConfigError(
                'text.onnx needs detector_options."text.onnx" with model_dir and labels '
                '(e.g. {"toxic": "harassment"})'
            )
        return cls.from_dir(
            Path(options["model_dir"]),
            dict(options["labels"]),
            activation=options.get("activation"),
            max_length=int(options.get("max_length", 256)),
            threads=settings.threads,
        )

    @classmethod
    def from_dir(
        cls,
        model_dir: Path,
        label_map: dict[str, str],
        activation: str | None = None,
        max_length: int = 256,
        threads: int = 0,
    ) -> Self:
        bad = sorted(c for c in label_map.values() if not is_category(c))
        if bad:
            raise ConfigError(f"text.onnx labels map to unknown categories {bad}")
        model, tok = model_dir / "model.onnx", model_dir / "tokenizer.json"
        for path in (model, tok):
            if not path.is_file():
                raise ConfigError(f"text.onnx: {path} does not exist")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise DetectorError("text.onnx needs: pip install 'winnow[byo]'") from None
        config = _read_config(model_dir / "config.json")
        id2label = {int(k): str(v) for k, v in config.get("id2label", {}).items()}
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        n_out = session.get_outputs()[0].shape[-1]
        if not id2label and isinstance(n_out, int):
            id2label = {i: str(i) for i in range(n_out)}
        unknown = sorted(set(label_map) - set(id2label.values()))
        if unknown:
            raise ConfigError(
                f"text.onnx: the model has no labels {unknown}; it has {sorted(id2label.values())}"
            )
        tokenizer = Tokenizer.from_file(str(tok))
        tokenizer.enable_truncation(max_length)
        tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0) or 0))
        if activation is None:
            multi = config.get("problem_type") == "multi_label_classification"
            activation = "sigmoid" if multi else "softmax"
        if activation not in ("sigmoid", "softmax"):
            raise ConfigError("text.onnx activation must be 'sigmoid' or 'softmax'")
        return cls(session, tokenizer, id2label, label_map, activation)

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        texts = [item.text for item in items if isinstance(item, TextItem)]
        results: list[DetectorResult] = []
        for start in range(0, len(texts), self._batch):
            probs = self._probabilities(texts[start : start + self._batch])
            for row in probs:
                best: dict[str, tuple[float, int]] = {}
                for index, category in self._columns:
                    p = float(row[index])
                    if category not in best or p > best[category][0]:
                        best[category] = (p, index)
                signals = [
                    Signal(
                        c, round(p, 4), (Evidence(Locator.whole(), None, f"label {i}: {p:.2f}"),)
                    )
                    for c, (p, i) in best.items()
                ]
                results.append(self.result(signals))
        return results

    def _probabilities(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        feed: dict[str, np.ndarray] = {}
        if "input_ids" in self._inputs:
            feed["input_ids"] = np.array([e.ids for e in encodings], dtype=np.int64)
        if "attention_mask" in self._inputs:
            feed["attention_mask"] = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        logits = np.asarray(self._session.run(None, feed)[0], dtype=np.float64)
        if self._activation == "sigmoid":
            out: np.ndarray = 1.0 / (1.0 + np.exp(-logits))
            return out
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        soft: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
        return soft


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from None
    return data if isinstance(data, dict) else {}
