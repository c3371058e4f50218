"""Retained review content is dropped once its time is up: a background loop of the service."""

from __future__ import annotations

import logging
import time

import anyio

from winnow.errors import StoreError
from winnow.store import ReviewStore

__all__ = ["purge_loop"]

log = logging.getLogger("winnow.review")


async def purge_loop(reviews: ReviewStore, every_s: float = 600.0) -> None:
    """Every ``every_s`` seconds, drop the content of review items past their retention."""
    while True:
        try:
            dropped = await anyio.to_thread.run_sync(reviews.purge_expired, time.time())
            if dropped:
                log.info("dropped the retained content of %d review items", dropped)
        except StoreError as exc:  # the database is down: try again next round
            log.warning("could not purge retained review content: %s", exc)
        await anyio.sleep(every_s)
