"""``image.onnx``: bring your own ONNX image classifier, its labels mapped to our categories.

Configured in ``detector_options["image.onnx"]``::

    model_path = "/models/my-classifier.onnx"    # a local file; nothing is downloaded
    class_names = ["safe", "gore", "weapons"]    # the model's output order
    labels = { gore = "violence/graphic", weapons = "violence" }   # model label -> category
    input_size = 224          # square input, the image is resized (aspect not kept)
    layout = "nchw"           # or "nhwc"
    scale = 0.00392156862745098   # pixel * scale, then (x - mean) / std per RGB channel
    mean = [0.485, 0.456, 0.406]
    std = [0.229, 0.224, 0.225]
    activation = "softmax"    # applied to the output: "none" (already probabilities) or "sigmoid"

Only taxonomy categories may be targets, and the taxonomy describes content, never people: this
slot cannot be used to tell who a person is or any attribute of their identity (no face
recognition, no ethnicity, religion, orientation or politics). Labels not mapped are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
from PIL import Image

from winnow.detectors.base import Detector
from winnow.errors import ConfigError, DetectorError
from winnow.settings import Settings
from winnow.taxonomy import CATEGORY_KEYS, is_category
from winnow.types import DetectorResult, ImageItem, Item, MediaType, Signal

__all__ = ["OnnxImageClassifier"]

_ACTIVATIONS = ("none", "softmax", "sigmoid")


class OnnxImageClassifier(Detector):
    name: ClassVar[str] = "image.onnx"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = CATEGORY_KEYS
    description: ClassVar[str] = (
        "Your own ONNX image classifier (local file), labels mapped to categories in config."
    )

    def __init__(self, model_path: Path, class_names: Sequence[str], labels: dict[str, str],
                 input_size: int = 224, layout: str = "nchw", scale: float = 1 / 255,
                 mean: Sequence[float] = (0.0, 0.0, 0.0), std: Sequence[float] = (1.0, 1.0, 1.0),
                 activation: str = "softmax", threads: int = 0) -> None:  # fmt: skip
        where = f"detector_options['{self.name}']"
        for label, category in labels.items():
            if label not in class_names:
                raise ConfigError(
                    f"{where}: label {label!r} is not in class_names {list(class_names)}"
                )
            if not is_category(category):
                raise ConfigError(
                    f"{where}: {label!r} maps to {category!r}, which is not a category; use one of "
                    f"{', '.join(CATEGORY_KEYS)}"
                )
        if layout not in ("nchw", "nhwc") or activation not in _ACTIVATIONS or input_size < 8:
            raise ConfigError(
                f"{where}: layout must be nchw or nhwc, activation one of {_ACTIVATIONS}, "
                "input_size at least 8"
            )
        if not Path(model_path).is_file():
            raise ConfigError(f"{where}: model_path {str(model_path)!r} is not a file")
        self.class_names, self.label_map = list(class_names), dict(labels)
        self.input_size, self.layout, self.activation = input_size, layout, activation
        self.scale = scale
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        from winnow.detectors.image_safety import _load_session

        self._session: Any = _load_session(Path(model_path), threads)
        self._input = self._session.get_inputs()[0].name

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        o = dict(settings.detector_options.get(cls.name, {}))
        if "model_path" not in o or "class_names" not in o or "labels" not in o:
            raise ConfigError(
                f"detector {cls.name} needs detector_options['{cls.name}'] with model_path, "
                "class_names and labels (see its documentation)"
            )
        model_path, class_names, labels = (
            Path(o.pop("model_path")),
            o.pop("class_names"),
            o.pop("labels"),
        )
        return cls(model_path, class_names, labels, threads=settings.threads, **o)

    def preprocess(self, item: ImageItem) -> npt.NDArray[np.float32]:
        img = Image.fromarray(item.pixels).resize(
            (self.input_size, self.input_size), Image.Resampling.BILINEAR
        )
        x = np.asarray(img, dtype=np.float32) * np.float32(self.scale)
        x = (x - self.mean) / self.std
        return x.transpose(2, 0, 1) if self.layout == "nchw" else x

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        images = [item for item in items if isinstance(item, ImageItem)]
        if not images:
            return []
        batch = np.stack([self.preprocess(item) for item in images]).astype(np.float32)
        try:
            raw = np.asarray(self._session.run(None, {self._input: batch})[0], dtype=np.float64)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise DetectorError(
                f"{self.name}: the model failed: {type(exc).__name__}: {exc}"
            ) from None
        if raw.ndim != 2 or raw.shape[1] != len(self.class_names):
            raise DetectorError(
                f"{self.name}: the model outputs shape {raw.shape}, but class_names has "
                f"{len(self.class_names)} names; fix class_names"
            )
        probs = self._activate(raw)
        return [self._result(row) for row in probs]

    def _activate(self, raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if self.activation == "softmax":
            e = np.exp(raw - raw.max(axis=1, keepdims=True))
            out: npt.NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
            return out
        if self.activation == "sigmoid":
            sig: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-raw))
            return sig
        return np.clip(raw, 0.0, 1.0)

    def _result(self, row: npt.NDArray[np.float64]) -> DetectorResult:
        scores: dict[str, float] = {}
        for label, category in self.label_map.items():
            value = round(float(row[self.class_names.index(label)]), 4)
            scores[category] = max(scores.get(category, 0.0), value)
        return self.result([Signal(c, s) for c, s in sorted(scores.items())])
