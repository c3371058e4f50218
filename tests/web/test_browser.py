"""End to end in real headless Chromium (Debian's ``chromium``, driven by Playwright): sign in,
open an item, reveal the blurred image, decide with a keypress, see it leave the queue and its
hashes land in a bank, and a re-upload get matched. Screenshots go to ``var/screenshots/``."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import PASSWORD, build
from tests.web.fakes import as_jpeg, textured_png
from winnow.banks.storage import SqliteBankStore

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
        "(apt-get install chromium; .ci/run installs it)",
    ),
]  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """The app under uvicorn on 127.0.0.1 (a free port), in a thread: (base URL, API key, data)."""
    import uvicorn

    app, store, secret = build(tmp_path, f"sqlite:///{tmp_path / 'winnow.db'}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", secret, tmp_path
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            yield context.new_page()
        finally:
            browser.close()


def moderate(base: str, key: str, **body: str) -> dict[str, Any]:
    r = httpx.post(f"{base}/v1/moderate", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_review_an_image_end_to_end(server: tuple[str, str, Path], page: Any) -> None:
    base, key, data_dir = server
    png = textured_png()
    image = moderate(base, key, image_base64=base64.b64encode(png).decode())
    text = moderate(base, key, text="honestly, you are such a jerk about this")
    assert image["verdict"] == text["verdict"] == "review"

    page.goto(f"{base}/review")
    assert page.url.endswith("/review/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "01-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/review")
    assert page.locator("tr.row").count() == 2
    shot(page, "02-queue")

    page.goto(f"{base}/review/items/{text['decision_id']}")
    assert page.locator("mark").inner_text() == "jerk"
    shot(page, "03-text-item")

    page.goto(f"{base}/review")
    page.click(f"a[href='/review/items/{image['decision_id']}']")
    reveal = page.locator("#reveal")
    assert "blurred" in (reveal.get_attribute("class") or "")
    blur = page.eval_on_selector("#reveal img", "img => getComputedStyle(img).filter")
    assert "blur" in blur and "grayscale" in blur
    assert page.locator(".box").count() == 1
    shot(page, "04-image-blurred")
    reveal.click()
    assert "blurred" not in (reveal.get_attribute("class") or "")
    page.wait_for_timeout(300)  # the unblur transition
    shot(page, "05-image-revealed")

    page.fill("textarea[name=reason]", "a weapon, confirmed")
    page.locator("body").click(position={"x": 5, "y": 5})  # leave the textarea: keys act again
    page.keyboard.press("r")
    page.wait_for_url(f"{base}/review?notice=*")
    assert page.locator(".notice").inner_text() == f"Removed {image['decision_id']}"
    assert page.locator(f"a[href='/review/items/{image['decision_id']}']").count() == 0
    assert page.locator("tr.row").count() == 1
    shot(page, "06-queue-after-remove")

    banks = SqliteBankStore.open(data_dir)
    assert banks.counts()["review-violence"] == {"md5": 1, "pdq": 1, "sha256": 1}
    banks.close()
    again = moderate(base, key, image_base64=base64.b64encode(as_jpeg(png)).decode())
    assert again["verdict"] == "block"
    assert any(m["detector"] == "image.hashes" for m in again["matches"])

    page.goto(f"{base}/review/audit")
    assert page.locator("td", has_text="remove").count() == 1
    shot(page, "07-audit")
    page.goto(f"{base}/review/insight")
    assert page.locator("rect.v-review").count() >= 1
    shot(page, "10-insight")


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/review/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/review")


def test_an_appeal_goes_to_another_reviewer(server: tuple[str, str, Path], page: Any) -> None:
    base, key, _ = server
    text = moderate(base, key, text="what a jerk move")
    sign_in(page, base, "alice")
    page.goto(f"{base}/review")
    page.keyboard.press("j")
    page.keyboard.press("o")  # open the selected row
    page.wait_for_url(f"{base}/review/items/{text['decision_id']}")
    page.keyboard.press("r")
    page.wait_for_url(f"{base}/review?notice=*")

    r = httpx.post(
        f"{base}/v1/decisions/{text['decision_id']}/appeal",
        json={"reason": "It was about a chess move, not a person.", "user_id": "user-42"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 201, r.text
    appeal_id = r.json()["appeal_id"]
    page.goto(f"{base}/review/appeals/{appeal_id}")
    assert "another reviewer rules" in page.inner_text("main")

    page.context.clear_cookies()
    sign_in(page, base, "lena")
    page.goto(f"{base}/review/appeals")
    shot(page, "08-appeals-queue")
    page.click(f"a[href='/review/appeals/{appeal_id}']")
    page.fill("textarea[name=reason]", "Chess context: not harassment.")
    shot(page, "09-appeal")
    page.click("button[value=overturned]")
    page.wait_for_url(f"{base}/review/appeals?notice=*")
    got = httpx.get(f"{base}/v1/appeals/{appeal_id}", headers={"Authorization": f"Bearer {key}"})
    assert got.json()["status"] == "overturned"
