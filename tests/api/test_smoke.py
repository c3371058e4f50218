"""The one test that starts the real server: `winnow serve` under uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from winnow.client import ApiError, Client

WINNOW = [sys.executable, "-m", "winnow"]


def test_winnow_serve_answers_a_client(tmp_path: Path) -> None:
    env = {**os.environ, "WINNOW_DATA_DIR": str(tmp_path), "WINNOW_DETECTORS": '["text.rules"]'}
    created = subprocess.run(
        [*WINNOW, "keys", "create", "--tenant", "acme", "--name", "smoke", "--scopes", "moderate"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    secret = created.stdout.strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [*WINNOW, "serve", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not start in 60 s"
            time.sleep(0.2)
        with Client(base, secret) as c:
            out = c.moderate_text("add me on wechat: abc123", id="s1")
            assert out["verdict"] in ("review", "block") and out["detectors"] == {
                "text.rules": out["detectors"]["text.rules"]
            }
            assert c.decision(out["decision_id"])["id"] == "s1"
            assert c.health()["status"] == "ready"
        with Client(base, "wnw_bad") as bad:
            try:
                bad.moderate_text("x")
                raise AssertionError("a bad key was accepted")
            except ApiError as exc:
                assert (exc.status, exc.code) == (401, "unauthorized")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()
