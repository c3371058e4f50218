"""The HTTP API (FastAPI), versioned under ``/v1``: a thin adapter over the pipeline and store.

Build it with :func:`create_app`; ``winnow serve`` hands it to uvicorn.
"""

from __future__ import annotations

from winnow.api.app import create_api_app_from_env, create_app, create_app_from_env

__all__ = ["create_api_app_from_env", "create_app", "create_app_from_env"]
