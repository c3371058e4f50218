"""Reviewer passwords, hashed with scrypt (stdlib; memory-hard) and a random salt per password.

The stored form is ``scrypt$n$r$p$salt$hash`` (base64), so the cost can rise later without
invalidating old hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from winnow.errors import ConfigError

__all__ = ["MIN_LENGTH", "hash_password", "verify_password"]

MIN_LENGTH = 12
_N, _R, _P = 2**14, 8, 1


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ConfigError(f"a reviewer password needs at least {MIN_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
            p=int(p), dklen=len(want), maxmem=2**26,
        )  # fmt: skip
    except ValueError:
        return False
    return hmac.compare_digest(got, want)
