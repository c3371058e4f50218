"""Signed session cookies and the CSRF tokens bound to them (HMAC-SHA256, stdlib).

A session token is ``<reviewer id>.<expiry>.<signature>``; the server keeps no session table, and
each request re-reads the reviewer, so disabling one ends their sessions at once. The CSRF token
of a session is an HMAC of its token: a form must send it back, and another site cannot read it.
The secret is ``WINNOW_SESSION_SECRET``, else a random one kept in ``<data_dir>/session.key``
(set the variable when several hosts serve the console).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SESSION_TTL_S", "Signer", "load_secret"]

SESSION_TTL_S = 12 * 3600.0


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        if len(configured) < 32:
            from winnow.errors import ConfigError

            raise ConfigError("WINNOW_SESSION_SECRET needs at least 32 characters")
        return configured.encode("utf-8")
    path = data_dir / "session.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


@dataclass(frozen=True)
class Signer:
    secret: bytes
    ttl_s: float = SESSION_TTL_S

    def _mac(self, purpose: str, message: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()

    def session(self, reviewer_id: str, now: float) -> str:
        body = f"{reviewer_id}.{int(now + self.ttl_s)}"
        return f"{body}.{self._mac('session', body)}"

    def reviewer_of(self, token: str, now: float) -> str | None:
        """The reviewer id of a valid, unexpired token; None otherwise."""
        body, _, mac = token.rpartition(".")
        reviewer_id, _, expiry = body.partition(".")
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        if not expiry.isdigit() or int(expiry) < now:
            return None
        return reviewer_id

    def csrf(self, token: str) -> str:
        return self._mac("csrf", token)

    def check_csrf(self, token: str, given: str) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf(token), given)
