"""The purge loop drops retained content past its time, and survives a database error."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from winnow.errors import StoreError
from winnow.review.retention import purge_loop
from winnow.store import ReviewItem, open_store, review_store

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_the_loop_purges_expired_content(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    reviews = review_store(store)
    reviews.open_item(
        ReviewItem("dec_1", "acme", "0" * 64, "text", "k", ("hate",), 0.0, expires_at=1.0),
        "old words", None,
    )  # fmt: skip
    with anyio.move_on_after(0.5):
        await purge_loop(reviews, every_s=10)
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        assert conn.execute(sa.text("SELECT text FROM review_items")).scalar_one() is None
    store.close()


async def test_a_store_error_does_not_end_the_loop() -> None:
    class Stop(Exception):
        pass

    class Down:
        calls = 0

        def purge_expired(self, now: float) -> int:
            Down.calls += 1
            if Down.calls == 1:
                raise StoreError("database down")
            raise Stop  # the second round came: the loop survived the error

    with pytest.raises(Stop):
        await purge_loop(Down(), every_s=0)  # type: ignore[arg-type]
    assert Down.calls == 2
