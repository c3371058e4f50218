"""A small Python client of the winnow API (httpx): :class:`Client` (sync), :class:`AsyncClient`.

    with Client("http://127.0.0.1:8000", api_key) as c:
        decision = c.moderate_text("hello", id="post-1")
        same = c.decision(decision["decision_id"])
        job = c.wait_job(c.submit_job(["one text", ("post-2", "another")])["job_id"])

Every error the API returns is raised as :class:`ApiError` with its status, code and message.
Pass ``transport=`` (e.g. ``httpx.ASGITransport(app)`` to :class:`AsyncClient`) to talk to an app
in-process.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = ["ApiError", "AsyncClient", "Client", "JobTimeoutError"]


class ApiError(Exception):
    """An error answer of the API: ``status``, ``code`` and ``message`` from its error body."""

    def __init__(self, status: int, code: str, message: str, headers: httpx.Headers) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def _result(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            err = response.json()["error"]
            raise ApiError(response.status_code, err["code"], err["message"], response.headers)
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                response.status_code, "http_error", response.text[:200], response.headers
            ) from None
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def _image_body(data: bytes, id: str | None) -> dict[str, Any]:
    return {"id": id, "image_base64": base64.b64encode(data).decode("ascii")}


JobInput = Sequence[str | tuple[str | None, str] | dict[str, Any]] | bytes | Path
"""What :meth:`Client.submit_job` takes: texts (``"text"``, ``(id, text)`` or
``{"id", "text"}``), a file's bytes, or a file's path."""

_DONE = ("completed", "failed")


def _job_request(what: JobInput, id: str | None, filename: str) -> dict[str, Any]:
    """The keyword arguments of the POST /v1/jobs request for ``what``."""
    if isinstance(what, Path):
        return _job_request(what.read_bytes(), id, what.name)
    if isinstance(what, bytes):
        form = {"id": id} if id else {}
        return {"data": form, "files": {"file": (filename, what, "application/octet-stream")}}
    items: list[dict[str, Any]] = []
    for item in what:
        if isinstance(item, str):
            items.append({"text": item})
        elif isinstance(item, tuple):
            items.append({"id": item[0], "text": item[1]})
        else:
            items.append(dict(item))
    return {"json": {"items": items}}


class JobTimeoutError(TimeoutError):
    """:meth:`Client.wait_job` gave up; ``job`` is the job as last seen."""

    def __init__(self, job: dict[str, Any], timeout: float) -> None:
        super().__init__(f"job {job['job_id']} is still {job['status']} after {timeout:g} s")
        self.job = job


class Client:
    """Synchronous client."""

    def __init__(
        self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def moderate_text(self, text: str, id: str | None = None) -> dict[str, Any]:
        return dict(_result(self.http.post("/v1/moderate", json={"id": id, "text": text})))

    def moderate_image(self, data: bytes, id: str | None = None) -> dict[str, Any]:
        return dict(_result(self.http.post("/v1/moderate", json=_image_body(data, id))))

    def decision(self, decision_id: str) -> dict[str, Any]:
        return dict(_result(self.http.get(f"/v1/decisions/{decision_id}")))

    def decisions(
        self, sha256: str | None = None, content_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("sha256", sha256), ("content_id", content_id)) if v}
        return list(_result(self.http.get("/v1/decisions", params=params))["decisions"])

    def submit_job(
        self, what: JobInput, id: str | None = None, filename: str = "upload"
    ) -> dict[str, Any]:
        """Queue a job: a batch of texts, or one file (bytes or a path; ``id`` is its id).
        Returns the job (status ``queued``); see :meth:`job` and :meth:`wait_job`."""
        return dict(_result(self.http.post("/v1/jobs", **_job_request(what, id, filename))))

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's status and progress, and once it has ended, its ``results``."""
        return dict(_result(self.http.get(f"/v1/jobs/{job_id}")))

    def wait_job(self, job_id: str, timeout: float = 600.0, poll: float = 0.5) -> dict[str, Any]:
        """Poll until the job has ended (completed or failed); raises :class:`JobTimeoutError`
        after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in _DONE:
                return job
            if time.monotonic() >= deadline:
                raise JobTimeoutError(job, timeout)
            time.sleep(min(poll, max(0.0, deadline - time.monotonic())))

    def create_webhook(self, url: str, events: list[str]) -> dict[str, Any]:
        body = {"url": url, "events": events}
        return dict(_result(self.http.post("/v1/webhooks", json=body)))

    def create_policy(self, policy: dict[str, Any], activate: bool = True) -> dict[str, Any]:
        """A new policy version (``{"version", "categories": {...}}``), in force by default."""
        params = {"activate": "true" if activate else "false"}
        return dict(_result(self.http.post("/v1/policies", json=policy, params=params)))

    def policy(self) -> dict[str, Any]:
        """The policy in force for this key's tenant."""
        return dict(_result(self.http.get("/v1/policy")))

    def activate_policy(self, version: str | None) -> dict[str, Any]:
        """Put a version in force; None: the service's policy."""
        return dict(_result(self.http.put("/v1/policy", json={"version": version})))

    def put_list(self, name: str, terms: Sequence[str] = (), **fields: Any) -> dict[str, Any]:
        """Create or replace a list (``kind``, ``category``, ``action``, ``regex``)."""
        body = {"terms": list(terms), **fields}
        return dict(_result(self.http.put(f"/v1/lists/{name}", json=body)))

    def create_bank(self, name: str, category: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "category": category, **fields}
        return dict(_result(self.http.post("/v1/banks", json=body)))

    def add_bank_entries(self, bank: str, entries: Sequence[dict[str, str]]) -> dict[str, Any]:
        """Add ``{"kind": "pdq"|"md5"|"sha256", "value", "metadata"?}`` rows."""
        path = f"/v1/banks/{bank}/entries"
        return dict(_result(self.http.post(path, json={"entries": list(entries)})))

    def health(self) -> dict[str, Any]:
        return dict(_result(self.http.get("/readyz")))


class AsyncClient:
    """Asynchronous client; the same methods as :class:`Client`, awaited, and a few more."""

    def __init__(
        self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def moderate_text(self, text: str, id: str | None = None) -> dict[str, Any]:
        return dict(_result(await self.http.post("/v1/moderate", json={"id": id, "text": text})))

    async def moderate_image(self, data: bytes, id: str | None = None) -> dict[str, Any]:
        return dict(_result(await self.http.post("/v1/moderate", json=_image_body(data, id))))

    async def moderate_upload(
        self, data: bytes, id: str | None = None, filename: str = "upload"
    ) -> dict[str, Any]:
        form = {"id": id} if id else {}
        files = {"file": (filename, data, "application/octet-stream")}
        return dict(_result(await self.http.post("/v1/moderate", data=form, files=files)))

    async def decision(self, decision_id: str) -> dict[str, Any]:
        return dict(_result(await self.http.get(f"/v1/decisions/{decision_id}")))

    async def decisions(
        self, sha256: str | None = None, content_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("sha256", sha256), ("content_id", content_id)) if v}
        return list(_result(await self.http.get("/v1/decisions", params=params))["decisions"])

    async def submit_job(
        self, what: JobInput, id: str | None = None, filename: str = "upload"
    ) -> dict[str, Any]:
        return dict(_result(await self.http.post("/v1/jobs", **_job_request(what, id, filename))))

    async def job(self, job_id: str) -> dict[str, Any]:
        return dict(_result(await self.http.get(f"/v1/jobs/{job_id}")))

    async def wait_job(
        self, job_id: str, timeout: float = 600.0, poll: float = 0.5
    ) -> dict[str, Any]:
        import anyio

        deadline = time.monotonic() + timeout
        while True:
            job = await self.job(job_id)
            if job["status"] in _DONE:
                return job
            if time.monotonic() >= deadline:
                raise JobTimeoutError(job, timeout)
            await anyio.sleep(min(poll, max(0.0, deadline - time.monotonic())))

    async def create_webhook(self, url: str, events: list[str]) -> dict[str, Any]:
        body = {"url": url, "events": events}
        return dict(_result(await self.http.post("/v1/webhooks", json=body)))

    async def webhooks(self) -> list[dict[str, Any]]:
        return list(_result(await self.http.get("/v1/webhooks"))["webhooks"])

    async def delete_webhook(self, webhook_id: str) -> None:
        _result(await self.http.delete(f"/v1/webhooks/{webhook_id}"))

    async def deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        path = f"/v1/webhooks/{webhook_id}/deliveries"
        return list(_result(await self.http.get(path))["deliveries"])

    async def delivery(self, delivery_id: str) -> dict[str, Any]:
        return dict(_result(await self.http.get(f"/v1/deliveries/{delivery_id}")))

    async def replay(self, delivery_id: str) -> dict[str, Any]:
        return dict(_result(await self.http.post(f"/v1/deliveries/{delivery_id}/replay")))

    async def create_policy(self, policy: dict[str, Any], activate: bool = True) -> dict[str, Any]:
        params = {"activate": "true" if activate else "false"}
        return dict(_result(await self.http.post("/v1/policies", json=policy, params=params)))

    async def policies(self) -> list[dict[str, Any]]:
        return list(_result(await self.http.get("/v1/policies"))["policies"])

    async def policy(self) -> dict[str, Any]:
        return dict(_result(await self.http.get("/v1/policy")))

    async def activate_policy(self, version: str | None) -> dict[str, Any]:
        return dict(_result(await self.http.put("/v1/policy", json={"version": version})))

    async def put_list(self, name: str, terms: Sequence[str] = (), **fields: Any) -> dict[str, Any]:
        body = {"terms": list(terms), **fields}
        return dict(_result(await self.http.put(f"/v1/lists/{name}", json=body)))

    async def lists(self) -> list[dict[str, Any]]:
        return list(_result(await self.http.get("/v1/lists"))["lists"])

    async def create_bank(self, name: str, category: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "category": category, **fields}
        return dict(_result(await self.http.post("/v1/banks", json=body)))

    async def banks(self) -> list[dict[str, Any]]:
        return list(_result(await self.http.get("/v1/banks"))["banks"])

    async def add_bank_entries(
        self, bank: str, entries: Sequence[dict[str, str]]
    ) -> dict[str, Any]:
        path = f"/v1/banks/{bank}/entries"
        return dict(_result(await self.http.post(path, json={"entries": list(entries)})))

    async def bank_entries(self, bank: str, after: int = 0, limit: int = 100) -> dict[str, Any]:
        params = {"after": after, "limit": limit}
        return dict(_result(await self.http.get(f"/v1/banks/{bank}/entries", params=params)))

    async def health(self) -> dict[str, Any]:
        return dict(_result(await self.http.get("/readyz")))
