from __future__ import annotations

from pathlib import Path

import pytest

from winnow.errors import ConfigError
from winnow.review.sessions import Signer, load_secret


def test_a_session_names_its_reviewer_until_it_expires() -> None:
    signer = Signer(b"k" * 32, ttl_s=100)
    token = signer.session("rev_1", now=1000.0)
    assert signer.reviewer_of(token, now=1050.0) == "rev_1"
    assert signer.reviewer_of(token, now=1101.0) is None


def test_tampered_or_foreign_tokens_are_refused() -> None:
    signer = Signer(b"k" * 32)
    token = signer.session("rev_1", now=0.0)
    assert signer.reviewer_of(token.replace("rev_1", "rev_2"), now=1.0) is None
    assert Signer(b"x" * 32).reviewer_of(token, now=1.0) is None
    assert signer.reviewer_of("garbage", now=1.0) is None


def test_csrf_tokens_are_bound_to_the_session() -> None:
    signer = Signer(b"k" * 32)
    a, b = signer.session("rev_1", 0.0), signer.session("rev_2", 0.0)
    assert signer.check_csrf(a, signer.csrf(a))
    assert not signer.check_csrf(a, signer.csrf(b))
    assert not signer.check_csrf(a, "")


def test_the_secret_is_configured_or_kept_private_in_the_data_dir(tmp_path: Path) -> None:
    first = load_secret(None, tmp_path)
    assert load_secret(None, tmp_path) == first and len(first) == 64
    assert (tmp_path / "session.key").stat().st_mode & 0o077 == 0
    assert load_secret("s" * 32, tmp_path) == b"s" * 32
    with pytest.raises(ConfigError, match="32 characters"):
        load_secret("short", tmp_path)
