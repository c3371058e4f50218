"""Structured logs: one JSON object a line, and one access record per HTTP request.

What a record may carry is fixed here, so nothing private leaks by accident: the access record
names the route *template* (``/v1/decisions/{decision_id}``, never the ids in the path, which
may be a user's), the status, the latency, the request id and, once the key is checked, its id
and tenant. Never the key itself, the query string, a header or any content.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "JsonFormatter", "TextFormatter", "configure_logging"]

access_log = logging.getLogger("winnow.access")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", ...fields}``; fields come from ``extra={"fields": {}}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: msg key=value ...``, the same fields as :class:`JsonFormatter`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line += "".join(f" {k}={v}" for k, v in fields.items() if v is not None)
        return line


def configure_logging(fmt: str, level: str) -> None:
    """Send every logger (uvicorn's, DBOS's, winnow's) to stderr as ``fmt`` (json or text)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # httpx logs every request's full URL at INFO: webhook URLs may carry a receiver's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class AccessLog:
    """Logs each HTTP request to ``winnow.access`` when it ends (status 500 if it raised)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        request_id = _request_id(scope)

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            state = scope.get("state") or {}
            route = scope.get("route")
            fields = {
                "request_id": request_id,
                "method": scope.get("method", ""),
                "route": getattr(route, "path", None) or "unmatched",
                "status": status,
                "ms": round((time.perf_counter() - start) * 1000, 2),
                "tenant": state.get("tenant"),
                "key_id": state.get("key_id"),
            }
            access_log.info("request", extra={"fields": fields})


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-Id`` when it is a plain token (so it cannot smuggle data into
    logs), else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                return text
    return secrets.token_hex(8)
