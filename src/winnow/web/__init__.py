"""The review console at ``/review``: server-rendered pages over :mod:`winnow.review`.

:func:`mount` adds it to an app (the API's factory calls it, so one process serves both). It
reads nothing of the API's: it gets the settings and the store, and keeps its own state on
``app.state.review``.
"""

from __future__ import annotations

from winnow.web.console import mount

__all__ = ["mount"]
