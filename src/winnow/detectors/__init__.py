"""Detectors: each turns a batch of items into scored signals with evidence."""

from winnow.detectors.base import Detector
from winnow.detectors.registry import DetectorRegistry, default_registry

__all__ = ["Detector", "DetectorRegistry", "default_registry"]
