"""Databases for store and API tests: SQLite in a temp dir, and PostgreSQL when
``WINNOW_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one): each test gets a fresh
database there, dropped afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

# Read at import: the autouse settings fixture clears WINNOW_* variables before each test.
POSTGRES_URL = os.environ.get("WINNOW_TEST_POSTGRES_URL")

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _postgres_db() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("WINNOW_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL)")
    import sqlalchemy as sa

    admin_url = sa.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"winnow_t_{secrets.token_hex(6)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'winnow.db'}"
    else:
        yield from _postgres_db()
