"""The one exception tree of winnow.

    WinnowError                 base of everything winnow raises on purpose
    ├── InputError              the content is bad: the user must fix it (CLI exit 2, HTTP 4xx)
    │   ├── UnsupportedMediaError   not a media type winnow reads (yet)
    │   ├── DecodeError             truncated or corrupt file, invalid UTF-8
    │   ├── LimitExceededError      too long, too many pixels, too many bytes
    │   └── ConflictError           it already exists (a webhook URL, a key name)
    ├── ConfigError             settings, policy or list files are wrong (CLI exit 2)
    │   └── PolicyError             a policy file does not validate
    ├── DetectorError           a detector or its model failed (CLI exit 3)
    └── StoreError              the database is unreachable or failed (CLI exit 3, HTTP 503)

Messages say what happened and what to do, in one line, without a traceback.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "DetectorError",
    "InputError",
    "LimitExceededError",
    "PolicyError",
    "StoreError",
    "UnsupportedMediaError",
    "WinnowError",
]


class WinnowError(Exception):
    """Base class: every error winnow raises on purpose."""

    exit_code = 1


class InputError(WinnowError):
    """The content given cannot be moderated as it is."""

    exit_code = 2


class UnsupportedMediaError(InputError):
    """The bytes are not a media type winnow reads."""


class DecodeError(InputError):
    """The bytes claim a media type but cannot be decoded."""


class LimitExceededError(InputError):
    """The content is larger than the configured limits."""


class ConflictError(InputError):
    """What the caller asks to create already exists."""


class ConfigError(WinnowError):
    """Settings, policy or list files are invalid."""

    exit_code = 2


class PolicyError(ConfigError):
    """A policy file does not validate."""


class DetectorError(WinnowError):
    """A detector failed for a reason other than bad input (model missing, runtime error)."""

    exit_code = 3


class StoreError(WinnowError):
    """The database failed or cannot be reached."""

    exit_code = 3
