"""``winnow train text|evalsets``: rebuild the text model; write the evaluation sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["command"]


@click.group("train")
def command() -> None:
    """Rebuild trained models from labelled data (needs the 'train' extra)."""


def _data_options(f: Any) -> Any:
    """--data-dir and --seed-dir, shared by the training commands."""
    f = click.option(
        "--seed-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("data/seed"),
        show_default=True,
        help="Folder of the reviewed seed sets.",
    )(f)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("../shared/data/text"),
        show_default=True,
        help="Folder of the public datasets (see ../shared/data/SOURCES.md).",
    )(f)


@command.command("text")
@_data_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the model (default: the bundled model's folder).")  # fmt: skip
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path(".cache/winnow"), show_default=True, help="Embedding cache.")  # fmt: skip
@click.option("--semantic-cap", default=2500, show_default=True,
              help="Rows per source for the encoder heads.")  # fmt: skip
@click.option("--encoder-layers", default=None, type=click.IntRange(1, 12),
              help="Encoder layers the heads read (default: as TrainConfig).")  # fmt: skip
def text(
    data_dir: Path,
    seed_dir: Path,
    out: Path | None,
    cache_dir: Path,
    semantic_cap: int,
    encoder_layers: int | None,
) -> None:
    """Train the text model: lexical and encoder heads, calibration, gate."""
    from winnow.errors import ConfigError
    from winnow.text.model import DEFAULT_MODEL_DIR
    from winnow.training.text_model import TrainConfig, train_text_model

    if not data_dir.is_dir():
        raise ConfigError(f"training data folder {data_dir} does not exist; pass --data-dir")
    cfg = TrainConfig(
        data_dir=data_dir,
        seed_dir=seed_dir,
        out_dir=out or DEFAULT_MODEL_DIR,
        cache_dir=cache_dir,
        semantic_cap=semantic_cap,
    )
    if encoder_layers is not None:
        cfg.encoder_layers = encoder_layers
    meta = train_text_model(cfg)
    click.echo(f"trained {meta['version']} → {cfg.out_dir}", err=True)


@command.command("evalsets")
@_data_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval/data"),
    show_default=True,
    help="Folder to write dev.jsonl, identity-en.jsonl and identity-zh.jsonl into.",
)
@click.option("--per-source", default=700, show_default=True,
              help="Dev rows sampled per source (seed sets are kept whole).")  # fmt: skip
def evalsets(data_dir: Path, seed_dir: Path, out: Path, per_source: int) -> None:
    """Write the held-out dev split and identity-template samples as eval JSONL."""
    from winnow.errors import ConfigError
    from winnow.training.text_model import TrainConfig, write_dev_split, write_identity_sets

    if not data_dir.is_dir():
        raise ConfigError(f"training data folder {data_dir} does not exist; pass --data-dir")
    cfg = TrainConfig(data_dir=data_dir, seed_dir=seed_dir)
    n = write_dev_split(cfg, out / "dev.jsonl", cap_per_source=per_source)
    counts = write_identity_sets(data_dir, out, per_group=30)
    click.echo(f"wrote {n} dev rows and identity samples {counts} to {out}", err=True)
