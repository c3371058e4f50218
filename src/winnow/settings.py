"""Typed settings: environment variables ``WINNOW_*`` override a TOML file, which overrides defaults.

The TOML file is ``$WINNOW_CONFIG`` if set, else ``./winnow.toml`` if present. Nested values use
``__`` in environment variables (``WINNOW_LIMITS__MAX_TEXT_CHARS=5000``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["DEFAULT_DETECTORS", "Limits", "Settings", "load_settings"]

DEFAULT_DETECTORS: tuple[str, ...] = (
    "text.rules",
    "text.lists",
    "text.classifier",
    "image.safety",
    "image.opennsfw",
    "image.hashes",
    "image.qr",
    "image.frames",
    "image.ocr",
    "video.frames",
    "video.hashes",
    "audio.transcript",
)


class Limits(BaseModel):
    """Input limits; content past them is refused with a clear error, never half-processed."""

    max_text_chars: int = Field(100_000, gt=0, description="Longest text accepted, in characters.")
    max_image_bytes: int = Field(25 * 1024 * 1024, gt=0, description="Largest image file accepted.")
    max_image_pixels: int = Field(
        40_000_000, gt=0, description="Most pixels (width x height) an image may declare."
    )
    max_media_bytes: int = Field(
        2 * 1024**3, gt=0, description="Largest video or audio file accepted (read as a stream)."
    )
    max_media_seconds: float = Field(
        4 * 3600.0, gt=0, description="Longest video or audio accepted, in seconds (probed)."
    )
    max_video_pixels: int = Field(
        3840 * 2160, gt=0, description="Most pixels (width x height) a video's frames may have."
    )
    max_audio_seconds: float = Field(
        3600.0, gt=0, description="Longest sound (audio file or soundtrack) that is transcribed."
    )
    max_decode_seconds: float = Field(
        900.0,
        gt=0,
        description="Wall-clock seconds that decoding one video's frames, or transcribing one "
        "sound, may take before the item fails.",
    )


class Settings(BaseSettings):
    """All of winnow's settings. Every field is documented in README.md (a test checks)."""

    model_config = SettingsConfigDict(
        env_prefix="WINNOW_", env_nested_delimiter="__", extra="forbid"
    )

    policy: Path | None = Field(
        None, description="Policy TOML file; the bundled default policy when unset."
    )
    detectors: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DETECTORS),
        description="Detectors that run, by name. Installed is not enabled: only these run.",
    )
    detector_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-detector options, keyed by detector name (see each detector's docs).",
    )
    lists: list[Path] = Field(
        default_factory=list,
        description="Operator block/allow list files (TOML) used by the text.lists detector.",
    )
    limits: Limits = Field(default_factory=Limits, description="Input limits.")
    data_dir: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "winnow"
        ),
        description="Where winnow keeps its state (hash banks, database): ~/.local/share/winnow.",
    )
    batch_size: int = Field(64, gt=0, description="Items per detector batch in scans.")
    threads: int = Field(
        0, ge=0, description="Threads per model runtime; 0 lets the runtime choose (all cores)."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the service's database (postgresql+psycopg://...); "
        "SQLite at data_dir/winnow.db when unset.",
    )
    api_rate_limit: float = Field(
        20.0,
        ge=0,
        description="Requests per second allowed to an API key that has no limit of its own; "
        "0 means unlimited.",
    )
    api_batch_size: int = Field(
        16,
        ge=1,
        le=256,
        description="Most POST /v1/moderate requests in flight together that run through the "
        "pipeline as one batch (1: one at a time).",
    )
    worker_id: str | None = Field(
        None,
        max_length=200,
        description="Stable id of this process's job worker (its DBOS executor id): the jobs a "
        "worker was running when it died resume when a worker with this id starts again. "
        "Default: the host name; give each worker process on one host its own.",
    )
    job_concurrency: int = Field(
        1, ge=1, description="Jobs one worker process runs at once (the rest wait queued)."
    )
    job_chunk_items: int = Field(
        16,
        ge=1,
        description="Items of a batch job moderated per durable step: a job interrupted by a "
        "crash resumes at the first step it had not finished.",
    )
    worker_timeout_s: float = Field(
        60.0,
        ge=0,
        description="Seconds without a heartbeat after which a worker counts as dead and a live "
        "worker takes over its unfinished jobs; 0 turns automatic takeover off.",
    )

    review_retention_days: float = Field(
        7.0,
        ge=0,
        description="Days the text or image of a decision whose verdict is `review` is kept for "
        "the review console; 0 keeps no content (reviewers see scores and evidence only).",
    )
    session_secret: str | None = Field(
        None,
        description="Key (32+ characters) signing review-console sessions; a random key in "
        "data_dir/session.key when unset. Set it when several hosts serve the console.",
        repr=False,
    )

    def database(self) -> str:
        """The database URL: ``database_url``, else SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'winnow.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = _config_file()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def _config_file() -> Path | None:
    explicit = os.environ.get("WINNOW_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("winnow.toml")
    return local if local.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build settings from defaults, the TOML file, the environment and ``overrides``.

    Raises :class:`~winnow.errors.ConfigError` with the offending field when invalid.
    """
    from pydantic import ValidationError

    from winnow.errors import ConfigError

    explicit = os.environ.get("WINNOW_CONFIG")
    if explicit and not Path(explicit).is_file():
        raise ConfigError(f"WINNOW_CONFIG points to {explicit!r}, which is not a file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
