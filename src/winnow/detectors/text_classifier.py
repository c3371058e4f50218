"""``text.classifier``: the trained multilingual text model, with language and evidence spans.

Scores every taxonomy category (calibrated; see :mod:`winnow.text.model`), reports the detected
language, and for each category scoring at least its evidence floor gives the sentence and words
that drove it. The floor of a category is the lowest threshold at which the configured policy acts
on it (categories the policy disables get none): finding words costs a few milliseconds a text,
and is only worth it where a person or a rule will look. Options
(``detector_options."text.classifier"``): ``model_dir`` (a directory made by ``winnow train
text``), ``evidence_floor`` (one number for every category instead of the policy's thresholds).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self

from winnow.detectors.base import Detector
from winnow.policy.model import Policy, load_policy
from winnow.settings import Settings
from winnow.taxonomy import CATEGORY_KEYS
from winnow.text.langid import detect_language
from winnow.text.model import DEFAULT_MODEL_DIR, TextModel
from winnow.types import DetectorResult, Evidence, Item, Locator, MediaType, Signal, TextItem

__all__ = ["DEFAULT_EVIDENCE_FLOOR", "TextClassifier", "policy_floors"]

DEFAULT_EVIDENCE_FLOOR = 0.3


def policy_floors(policy: Policy, categories: Sequence[str]) -> dict[str, float]:
    """Per category, the lowest threshold at which ``policy`` acts; disabled ones are left out."""
    floors = {}
    for category in categories:
        rule = policy.rule(category)
        thresholds = [t for t in (rule.review, rule.block) if t is not None]
        if rule.enabled and thresholds:
            floors[category] = min(thresholds)
    return floors


class TextClassifier(Detector):
    name: ClassVar[str] = "text.classifier"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.TEXT})
    labels: ClassVar[tuple[str, ...]] = CATEGORY_KEYS
    description: ClassVar[str] = (
        "Trained multilingual classifier (hashed n-grams + multilingual-e5-small, calibrated, "
        "cascaded) for every category; reports language and evidence spans."
    )

    def __init__(self, model: TextModel, evidence_floors: dict[str, float] | None = None) -> None:
        self.model = model
        self.evidence_floors = (
            evidence_floors
            if evidence_floors is not None
            else dict.fromkeys(model.categories, DEFAULT_EVIDENCE_FLOOR)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        model = TextModel.load(Path(options.get("model_dir", DEFAULT_MODEL_DIR)))
        if settings.threads:
            from winnow.text.encoder import Encoder

            model.attach_encoder(Encoder(threads=settings.threads, layers=model.encoder_layers))
        if "evidence_floor" in options:
            floors = dict.fromkeys(model.categories, float(options["evidence_floor"]))
        else:
            floors = policy_floors(load_policy(settings.policy), model.categories)
        return cls(model, floors)

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        texts = [item.text for item in items if isinstance(item, TextItem)]
        languages = [detect_language(t)[0] for t in texts]
        prediction = self.model.predict(texts, languages)
        scores = [
            {c: float(prediction.scores[i, k]) for k, c in enumerate(self.model.categories)}
            for i in range(len(texts))
        ]
        flagged = [
            [c for c, score in row.items() if score >= self.evidence_floors.get(c, 2.0)]
            for row in scores
        ]
        spans = self.model.explain_many(texts, flagged)
        results = []
        for i, text in enumerate(texts):
            signals = [
                Signal(
                    c, round(score, 4), _evidence(text, spans[i].get(c)) if c in spans[i] else ()
                )
                for c, score in scores[i].items()
            ]
            results.append(self.result(signals, language=languages[i]))
        return results


def _evidence(text: str, spans: list[tuple[int, int, str]] | None) -> tuple[Evidence, ...]:
    if not spans:
        return (Evidence(Locator.chars(0, len(text)), text[:200], "whole text"),)
    return tuple(Evidence(Locator.chars(s, e), text[s:e], kind) for s, e, kind in spans)
