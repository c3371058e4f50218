"""What the console holds for the app's lifetime (``app.state.review``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from starlette.templating import Jinja2Templates

from winnow.review.decide import Reviewing
from winnow.review.sessions import Signer
from winnow.settings import Settings
from winnow.store import ReviewStore, Store

__all__ = ["HERE", "ConsoleState", "console_of"]

HERE = Path(__file__).resolve().parent


@dataclass
class ConsoleState:
    settings: Settings
    store: Store
    reviews: ReviewStore
    reviewing: Reviewing
    signer: Signer
    templates: Jinja2Templates


def console_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.review
    return state
