"""Registry of detectors and extractors. Built-ins register through the same call as plugins.

Third-party packages expose detector classes in the entry-point group ``winnow.detectors``.
Names are storage keys: a second registration of a name is refused. Registration is lazy (an
import path), so listing detectors does not load any model.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points

from winnow.detectors.base import NAME_PATTERN, Component
from winnow.errors import ConfigError, DetectorError
from winnow.settings import Settings

__all__ = ["BUILTIN_DETECTORS", "DetectorRegistry", "default_registry"]

ENTRY_POINT_GROUP = "winnow.detectors"

BUILTIN_DETECTORS: dict[str, str] = {
    "text.rules": "winnow.detectors.text_rules:ContactSpamRules",
    "text.lists": "winnow.detectors.text_lists:TermLists",
    "text.classifier": "winnow.detectors.text_classifier:TextClassifier",
    "text.onnx": "winnow.detectors.text_onnx:OnnxTextClassifier",
    "image.safety": "winnow.detectors.image_safety:ImageSafety",
    "image.opennsfw": "winnow.detectors.image_safety:OpenNSFW",
    "image.hashes": "winnow.detectors.image_hashes:ImageHashes",
    "image.qr": "winnow.detectors.image_qr:QrCodes",
    "image.ocr": "winnow.detectors.image_ocr:OcrText",
    "image.frames": "winnow.detectors.image_frames:ImageFrames",
    "image.onnx": "winnow.detectors.image_onnx:OnnxImageClassifier",
    "video.frames": "winnow.detectors.video_frames:VideoFrames",
    "video.hashes": "winnow.detectors.video_hashes:VideoHashes",
    "audio.transcript": "winnow.detectors.audio_transcript:AudioTranscript",
}


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    target: str  # "module:Class"
    origin: str  # "builtin" or the distribution name


class DetectorRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._classes: dict[str, type[Component]] = {}

    def register(self, name: str, target: str, origin: str = "builtin") -> None:
        """Register detector ``name`` implemented by ``target`` ("module:Class")."""
        if not NAME_PATTERN.match(name):
            raise ConfigError(f"detector name {name!r} must look like 'media.name' (lowercase)")
        if name in self._entries:
            raise ConfigError(
                f"detector {name!r} is already registered by {self._entries[name].origin}; "
                "names are storage keys and must be unique"
            )
        self._entries[name] = _Entry(name, target, origin)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def origin(self, name: str) -> str:
        return self._entries[name].origin

    def get(self, name: str) -> type[Component]:
        """Import and return the class registered as ``name``."""
        if name not in self._entries:
            known = ", ".join(self.names())
            raise ConfigError(f"unknown detector {name!r}; installed detectors: {known}")
        if name not in self._classes:
            module_name, _, attr = self._entries[name].target.partition(":")
            try:
                cls = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as exc:
                raise DetectorError(f"cannot load detector {name!r}: {exc}") from None
            if not (isinstance(cls, type) and issubclass(cls, Component)) or cls.name != name:
                raise DetectorError(f"{self._entries[name].target} is not the detector {name!r}")
            self._classes[name] = cls
        return self._classes[name]

    def build(self, names: Iterable[str], settings: Settings) -> list[Component]:
        """Instantiate the enabled detectors and extractors, in the order given."""
        return [self.get(name).from_settings(settings) for name in names]


def default_registry() -> DetectorRegistry:
    """The registry of built-ins plus every installed ``winnow.detectors`` entry point."""
    registry = DetectorRegistry()
    for name, target in BUILTIN_DETECTORS.items():
        registry.register(name, target)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = ep.dist.name if ep.dist is not None else "entry point"
        registry.register(ep.name, ep.value, origin=origin)
    return registry
