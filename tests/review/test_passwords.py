from __future__ import annotations

import pytest

from winnow.errors import ConfigError
from winnow.review.passwords import hash_password, verify_password


def test_a_hash_verifies_only_its_password_and_is_salted() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("correct horse battery") != stored


def test_short_passwords_and_garbage_hashes_are_refused() -> None:
    with pytest.raises(ConfigError, match="12 characters"):
        hash_password("short")
    assert not verify_password("anything at all", "not-a-hash")
    assert not verify_password("anything at all", "bcrypt$1$2$3$AA==$AA==")
