"""``winnow train text``: rebuild the text model from ../shared/data and the seed sets.

Reproducible: splits come from hashes of the normalised text, sampling uses a fixed seed, and
the solvers are deterministic. Steps:

1. Corpus: every dataset loader (:mod:`winnow.training.corpus`) plus ``data/seed``; the dev
   split (20%, by hash) is never trained on. The rest splits again by hash into *fit* (85%) and
   *calib* (15%).
2. Label handling: a category a source does not annotate is unknown, except that rows whose
   known labels are all 0 (fully benign) are weak negatives (weight 0.5) for every category.
3. Lexical heads on all of *fit*, plus identity-swapped copies (:mod:`winnow.text.identity`);
   the hate and harassment heads read the texts with protected-group names masked (one token
   for every group, :func:`winnow.text.identity.mask_groups`), so every group is read alike.
4. Semantic heads (one hidden layer each) on a per-source sample of *fit*, over the encoder's
   first ``encoder_layers`` layers (all 12 by default: about 40 ms of CPU a text).
5. Per category, a logistic calibrator over both stages' logits (and one over the lexical logit
   alone) on *calib*; the gate is chosen on *calib* to lose at most ``gate_max_loss`` (1%) of
   flagged positives.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from winnow.taxonomy import CATEGORY_KEYS
from winnow.text.encoder import FULL_LAYERS, encoder_name
from winnow.text.features import (
    FEATURES_VERSION,
    N_FEATURES,
    lexical_features,
    prepare,
)
from winnow.text.identity import mask_groups, swap_group
from winnow.text.model import DEFAULT_MODEL_DIR, mlp_logits
from winnow.training.corpus import LabelledText, iter_corpus, normalise, split_of
from winnow.training.embeddings import EmbeddingCache

__all__ = ["TrainConfig", "load_seeds", "train_text_model"]

CATS = list(CATEGORY_KEYS)


@dataclass
class TrainConfig:
    data_dir: Path
    seed_dir: Path
    out_dir: Path = DEFAULT_MODEL_DIR
    cache_dir: Path = Path(".cache/winnow")
    semantic_cap: int = 2500  # fit rows per source for the semantic heads
    calib_cap: int = 800  # calib rows per source
    long_source_cap: dict[str, int] = field(
        default_factory=lambda: {"reddit-cssrs-suicide": 800}  # long posts: encoding is slow
    )
    seed_weight: float = 3.0
    source_weights: dict[str, float] = field(
        default_factory=lambda: {
            # Labelled by account, not by tweet: mostly news and chatter (see corpus docstring).
            "isis-fanboy-tweets": 0.3,
            # Every post inherits its user's label.
            "reddit-cssrs-suicide": 0.5,
        }
    )
    benign_weight: float = 0.5
    lexical_c: float = 8.0
    # Semantic heads: one hidden layer of this many ReLU units, L2 penalty alpha. On calib, over
    # logistic heads on the same embeddings: hate AUPRC 0.626 -> 0.713, violence 0.653 -> 0.778,
    # extremism 0.641 -> 0.777 (semantic stage alone).
    semantic_hidden: int = 256
    semantic_alpha: float = 1e-3
    # Encoder layers the semantic heads read (of 12; winnow.text.encoder). Three run 3.7x as
    # fast with the same dev AUPRC, but miss short direct insults and most non-English seed
    # violence (model card), so the default model reads all twelve.
    encoder_layers: int = FULL_LAYERS
    augment: bool = True
    blind_categories: tuple[str, ...] = ("hate", "harassment")
    # The most suspicious sentence of a long text is encoded only from this lexical score up
    # (below it, its lexical score stands): on dev, 17% fewer encodings for -0.001 AUPRC.
    sentence_gate: float = 0.5
    # The gate may skip the encoder for at most this share of the positives the full model flags
    # at 0.5 (on calib). For a 3-layer model 0.005 is better: at 1% its gate rose to 0.26 and
    # dev violence AUPRC fell 0.750 -> 0.726.
    gate_max_loss: float = 0.01
    seed: int = 0
    sources: list[str] | None = None
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr, flush=True))


def load_seeds(seed_dir: Path) -> Iterator[LabelledText]:
    """The reviewed seed sets (``data/seed/**/*.jsonl``), in the eval JSONL format."""
    for path in sorted(seed_dir.rglob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            labels = {k: int(v) for k, v in obj["labels"].items() if k in CATEGORY_KEYS}
            yield LabelledText(
                obj["text"], labels, obj.get("lang", "und"), obj.get("source", "seed")
            )


def _calib_of(text: str) -> bool:
    digest = hashlib.sha1(("calib:" + normalise(text)).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < 15


@dataclass
class _Rows:
    texts: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    labels: list[list[int]] = field(default_factory=list)  # -1 unknown
    weights: list[list[float]] = field(default_factory=list)

    def add(self, rec: LabelledText, cfg: TrainConfig) -> None:
        y = [rec.labels.get(c, -1) for c in CATS]
        base = cfg.seed_weight if rec.source.startswith("seed") else 1.0
        base *= cfg.source_weights.get(rec.source, 1.0)
        w = [base if v >= 0 else 0.0 for v in y]
        if rec.labels and all(v == 0 for v in rec.labels.values()):
            for k, v in enumerate(y):
                if v < 0:
                    y[k], w[k] = 0, cfg.benign_weight
        self.texts.append(rec.text)
        self.langs.append(rec.lang)
        self.sources.append(rec.source)
        self.labels.append(y)
        self.weights.append(w)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.labels, dtype=np.int8), np.array(self.weights, dtype=np.float32)

    def subset(self, idx: Iterable[int]) -> _Rows:
        out = _Rows()
        for i in idx:
            out.texts.append(self.texts[i])
            out.langs.append(self.langs[i])
            out.sources.append(self.sources[i])
            out.labels.append(self.labels[i])
            out.weights.append(self.weights[i])
        return out


def _cap_per_source(
    rows: _Rows, cap: int, rng: random.Random, caps: dict[str, int] | None = None
) -> list[int]:
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(rows.sources):
        by_source[s].append(i)
    keep: list[int] = []
    for s in sorted(by_source):
        idx = by_source[s]
        limit = min(cap, (caps or {}).get(s, cap))
        if s.startswith("seed") or len(idx) <= limit:
            keep.extend(idx)
        else:
            keep.extend(sorted(rng.sample(idx, limit)))
    return sorted(keep)


def _fit_heads(
    X: Any,
    Y: np.ndarray,
    W: np.ndarray,
    c: float,
    log: Callable[[str], None],
    name: str,
    X_alt: Any = None,
    alt_ks: set[int] | frozenset[int] = frozenset(),
) -> tuple[np.ndarray, np.ndarray]:
    """One logistic head per category; heads in ``alt_ks`` fit on ``X_alt`` instead of ``X``."""
    from sklearn.linear_model import LogisticRegression

    coefs, biases = [], []
    for k, cat in enumerate(CATS):
        mask = (Y[:, k] >= 0) & (W[:, k] > 0)
        y = Y[mask, k]
        start = time.time()
        clf = LogisticRegression(C=c, solver="liblinear", max_iter=300)
        clf.fit((X_alt if k in alt_ks else X)[mask], y, sample_weight=W[mask, k])
        coefs.append(clf.coef_[0].astype(np.float32))
        biases.append(float(clf.intercept_[0]))
        log(
            f"  {name} {cat:<17} rows={int(mask.sum()):>7} pos={int(y.sum()):>6} ({time.time() - start:.1f}s)"
        )
    return np.stack(coefs), np.array(biases, dtype=np.float32)


def _fit_mlp_heads(
    X: np.ndarray, Y: np.ndarray, W: np.ndarray, cfg: TrainConfig, log: Callable[[str], None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One one-hidden-layer ReLU head per category (scikit-learn's MLP, early stopping on a
    held-out tenth, fixed seed). Returns ``(w1 (C, D, H), b1 (C, H), w2 (C, H), b2 (C,))`` as
    :func:`winnow.text.model.mlp_logits` reads them; ``w1`` is rounded to float16 as stored,
    so the calibrators see the logits inference computes."""
    from sklearn.neural_network import MLPClassifier

    w1s, b1s, w2s, b2s = [], [], [], []
    for k, cat in enumerate(CATS):
        mask = (Y[:, k] >= 0) & (W[:, k] > 0)
        start = time.time()
        clf = MLPClassifier(
            hidden_layer_sizes=(cfg.semantic_hidden,),
            alpha=cfg.semantic_alpha,
            early_stopping=True,
            random_state=cfg.seed,
            max_iter=200,
        )
        clf.fit(X[mask], Y[mask, k], sample_weight=W[mask, k])
        w1s.append(clf.coefs_[0].astype(np.float16).astype(np.float32))
        b1s.append(clf.intercepts_[0].astype(np.float32))
        w2s.append(clf.coefs_[1][:, 0].astype(np.float32))
        b2s.append(np.float32(clf.intercepts_[1][0]))
        log(f"  semantic {cat:<17} rows={int(mask.sum()):>7} ({time.time() - start:.1f}s)")
    return np.stack(w1s), np.stack(b1s), np.stack(w2s), np.array(b2s, dtype=np.float32)


def _fit_calibrators(
    zA: np.ndarray, zB: np.ndarray, Y: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    stack, solo = [], []
    for k in range(len(CATS)):
        mask = (Y[:, k] >= 0) & (W[:, k] > 0)
        y, w = Y[mask, k], W[mask, k]
        if len(set(y.tolist())) < 2:
            stack.append([1.0, 0.0, 0.0])
            solo.append([1.0, 0.0])
            continue
        both = LogisticRegression(C=100.0).fit(np.c_[zA[mask, k], zB[mask, k]], y, sample_weight=w)
        stack.append([float(both.coef_[0, 0]), float(both.coef_[0, 1]), float(both.intercept_[0])])
        alone = LogisticRegression(C=100.0).fit(zA[mask, k : k + 1], y, sample_weight=w)
        solo.append([float(alone.coef_[0, 0]), float(alone.intercept_[0])])
    return np.array(stack), np.array(solo)


def _lexical_logits(
    texts: list[str], coef: np.ndarray, bias: np.ndarray, blind_ks: list[int]
) -> np.ndarray:
    """What :meth:`winnow.text.model.TextModel.lexical_logits` computes, from raw arrays."""
    prepared = [prepare(t) for t in texts]
    z: np.ndarray = np.asarray(lexical_features(prepared) @ coef.T) + bias
    masked = np.asarray(lexical_features([mask_groups(p) for p in prepared]) @ coef.T) + bias
    z[:, blind_ks] = masked[:, blind_ks]
    return z


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


def _choose_gate(
    solo: np.ndarray, stacked: np.ndarray, Y: np.ndarray, max_loss: float = 0.01
) -> tuple[float, float]:
    """Largest gate losing at most ``max_loss`` of positives the stacked model flags at 0.5."""
    flagged = ((stacked >= 0.5) & (Y == 1)).any(axis=1)
    benign = (Y <= 0).all(axis=1)
    best = 0.0
    for g in np.arange(0.01, 0.5, 0.01):
        lost = flagged & (solo.max(axis=1) < g)
        if flagged.sum() and lost.sum() / flagged.sum() <= max_loss:
            best = float(g)
    skipped = float((solo.max(axis=1)[benign] < best).mean()) if benign.any() else 0.0
    return round(best, 2), skipped


def _auprc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def train_text_model(cfg: TrainConfig) -> dict[str, Any]:
    log = cfg.log
    rng = random.Random(cfg.seed)
    t0 = time.time()
    fit, calib, dev = _Rows(), _Rows(), _Rows()
    counts: Counter[str] = Counter()
    records = list(iter_corpus(cfg.data_dir, cfg.sources)) + list(load_seeds(cfg.seed_dir))
    seen: set[str] = set()
    for rec in records:
        key = normalise(rec.text)
        if key in seen:
            continue
        seen.add(key)
        if split_of(rec.text) == "dev":
            dev.add(rec, cfg)
            counts["dev"] += 1
        elif _calib_of(rec.text):
            calib.add(rec, cfg)
            counts["calib"] += 1
        else:
            fit.add(rec, cfg)
            counts["fit"] += 1
    log(f"corpus: {dict(counts)} from {len(records)} records ({time.time() - t0:.0f}s)")

    # Lexical stage on all of fit (+ identity swaps).
    lex_rows = fit.subset(range(len(fit.texts)))
    if cfg.augment:
        added = 0
        for i, text in enumerate(fit.texts):
            swapped = swap_group(text, rng)
            if swapped is not None and swapped != text:
                lex_rows.texts.append(swapped)
                lex_rows.langs.append(fit.langs[i])
                lex_rows.sources.append(fit.sources[i] + "+swap")
                lex_rows.labels.append(fit.labels[i])
                lex_rows.weights.append(fit.weights[i])
                added += 1
        log(f"identity-swapped copies: {added}")
    Y_lex, W_lex = lex_rows.arrays()
    prepared = [prepare(t) for t in lex_rows.texts]
    X_lex = lexical_features(prepared).tocsr()
    X_blind = lexical_features([mask_groups(p) for p in prepared]).tocsr()
    log(f"lexical features: {X_lex.shape} ({time.time() - t0:.0f}s)")
    blind_ks = {CATS.index(c) for c in cfg.blind_categories}
    lex_coef, lex_bias = _fit_heads(
        X_lex, Y_lex, W_lex, cfg.lexical_c, log, "lexical", X_blind, blind_ks
    )
    del X_lex, X_blind

    # Semantic stage on a per-source sample of fit.
    cache = EmbeddingCache(cfg.cache_dir, cfg.encoder_layers)
    sem_idx = _cap_per_source(fit, cfg.semantic_cap, rng, cfg.long_source_cap)
    sem_rows = fit.subset(sem_idx)
    log(f"encoding {len(sem_rows.texts)} fit texts (cached ones are free)")
    E_fit = cache.embed(sem_rows.texts, progress=_progress(log, "fit"))
    mean, scale = E_fit.mean(axis=0), E_fit.std(axis=0) + 1e-6
    Y_sem, W_sem = sem_rows.arrays()
    sem = _fit_mlp_heads((E_fit - mean) / scale, Y_sem, W_sem, cfg, log)

    # Calibration and gate on the calib fold.
    cal_rows = calib.subset(_cap_per_source(calib, cfg.calib_cap, rng, cfg.long_source_cap))
    E_cal = cache.embed(cal_rows.texts, progress=_progress(log, "calib"))
    Y_cal, W_cal = cal_rows.arrays()
    zA = _lexical_logits(cal_rows.texts, lex_coef, lex_bias, sorted(blind_ks))
    zB = mlp_logits((E_cal - mean) / scale, *sem)
    stack, solo = _fit_calibrators(zA, zB, Y_cal, W_cal)
    p_solo = _sigmoid(zA * solo[:, 0] + solo[:, 1])
    p_stack = _sigmoid(zA * stack[:, 0] + zB * stack[:, 1] + stack[:, 2])
    gate, skipped = _choose_gate(p_solo, p_stack, Y_cal, cfg.gate_max_loss)
    lang_counts = Counter(fit.langs)
    gate_languages = sorted(lang for lang, n in lang_counts.items() if n >= 3000)
    log(
        f"gate {gate}: skips the encoder for {skipped:.0%} of benign calib texts; languages {gate_languages}"
    )

    calib_report = {}
    for k, cat in enumerate(CATS):
        mask = Y_cal[:, k] >= 0
        y = Y_cal[mask, k]
        calib_report[cat] = {
            "rows": int(mask.sum()),
            "positives": int(y.sum()),
            "auprc_lexical": round(_auprc(y, zA[mask, k]), 4),
            "auprc_semantic": round(_auprc(y, zB[mask, k]), 4),
            "auprc_stacked": round(_auprc(y, p_stack[mask, k]), 4),
        }
        log(f"  calib {cat:<17} " + " ".join(f"{k2}={v}" for k2, v in calib_report[cat].items()))

    digest = hashlib.sha256("".join(sorted(seen)).encode("utf-8")).hexdigest()[:16]
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in cfg.__dict__.items()
              if k not in ("log", "data_dir", "seed_dir", "out_dir", "cache_dir")}  # fmt: skip
    arrays = {
        "lex_coef": lex_coef.astype(np.float16),
        "lex_bias": lex_bias,
        "sem_w1": sem[0].astype(np.float16),
        "sem_b1": sem[1],
        "sem_w2": sem[2],
        "sem_b2": sem[3],
        "sem_mean": mean.astype(np.float32),
        "sem_scale": scale.astype(np.float32),
        "stack": stack,
        "solo": solo,
    }
    weights_digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays.values())).hexdigest()
    meta = {
        "version": f"text-{datetime.now(UTC):%Y%m%d}-{weights_digest[:8]}",
        "features_version": FEATURES_VERSION,
        "n_features": N_FEATURES,
        "encoder": encoder_name(cfg.encoder_layers),
        "encoder_layers": cfg.encoder_layers,
        "categories": CATS,
        "gate": gate,
        "gate_languages": gate_languages,
        "sentence_gate": max(cfg.sentence_gate, gate),
        "blind_categories": list(cfg.blind_categories),
        "gate_benign_skip_rate_calib": round(skipped, 4),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus_digest": digest,
        "counts": {"fit": counts["fit"], "calib": counts["calib"], "dev": counts["dev"],
                   "semantic_fit": len(sem_rows.texts), "calib_used": len(cal_rows.texts)},
        "languages_fit": dict(lang_counts.most_common()),
        "calib_report": calib_report,
        "config": config,
    }  # fmt: skip
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cfg.out_dir / "weights.npz", **arrays)
    (cfg.out_dir / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    log(f"wrote {cfg.out_dir} in {time.time() - t0:.0f}s")
    return meta


def _progress(log: Callable[[str], None], what: str) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        if time.time() - last[0] > 30 or done == total:
            last[0] = time.time()
            log(f"  encoded {done}/{total} {what}")

    return report


def write_dev_split(cfg: TrainConfig, out: Path, cap_per_source: int = 1500) -> int:
    """Write the dev split (never trained on) as eval JSONL, sampled per source."""
    rng = random.Random(cfg.seed)
    dev = _Rows()
    recs: list[LabelledText] = []
    seen: set[str] = set()
    for rec in [*iter_corpus(cfg.data_dir, cfg.sources), *load_seeds(cfg.seed_dir)]:
        key = normalise(rec.text)
        if key in seen or split_of(rec.text) != "dev":
            continue
        seen.add(key)
        dev.add(rec, cfg)
        recs.append(rec)
    keep = _cap_per_source(dev, cap_per_source, rng)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for i in keep:
            rec = recs[i]
            line = {"text": rec.text, "labels": rec.labels, "lang": rec.lang, "source": rec.source}
            if rec.group:
                line["group"] = rec.group
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(keep)


def write_identity_sets(
    data_dir: Path, out_dir: Path, per_group: int = 40, seed: int = 0
) -> dict[str, int]:
    """Sample the ConversationAI identity templates (never trained on) per group and language.

    Writes ``identity-en.jsonl`` and ``identity-zh.jsonl``: up to ``per_group`` benign and
    ``per_group // 2`` toxic lines for every identity term, each with its ``group``.
    """
    from winnow.training.corpus import iter_identity_templates

    rng = random.Random(seed)
    by_key: dict[tuple[str, str, bool], list[LabelledText]] = defaultdict(list)
    for rec in iter_identity_templates(data_dir):
        if rec.group:
            toxic = any(v == 1 for v in rec.labels.values())
            by_key[(rec.lang, rec.group, toxic)].append(rec)
    counts: dict[str, int] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh"):
        path = out_dir / f"identity-{lang}.jsonl"
        n = 0
        with path.open("w", encoding="utf-8") as fh:
            for (lg, group, toxic), recs in sorted(by_key.items()):
                if lg != lang:
                    continue
                k = per_group // 2 if toxic else per_group
                for rec in rng.sample(recs, min(k, len(recs))):
                    line = {"text": rec.text, "labels": rec.labels, "lang": lang, "group": group}
                    fh.write(json.dumps(line, ensure_ascii=False) + "\n")
                    n += 1
        counts[path.name] = n
    return counts
