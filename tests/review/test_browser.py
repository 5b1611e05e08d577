"""The reviewer console in a real browser: Playwright drives Debian's headless Chromium against the real
app served by uvicorn (Secure cookie on, as in production), on the session's real database and worker
results. With KYC_REVIEW_SCREENSHOTS=1 it also writes docs/review-queue.png and docs/review-case.png."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from kyc_engine.service.app import create_app
from kyc_engine.store.models import AuditLog, WebhookDelivery
from kyc_engine.worker.signing import HEADER, verify_signature
from tests.review.conftest import PASSWORD, Console
from tests.service.conftest import wait_for

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium (/usr/bin/chromium) is not installed: apt-get install chromium",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(console: Console) -> Iterator[str]:
    """The real app under uvicorn on a free port, with the production cookie settings (Secure)."""
    s = console.d.settings
    settings = s.model_copy(update={"service": s.service.model_copy(update={"review_cookie_secure": True})})
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 60, "uvicorn to start")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_review_in_a_browser(console: Console, base_url: str, docs_dir: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = os.environ.get("KYC_REVIEW_SCREENSHOTS") == "1"
    vid = console.cases["alb"]
    note = "Selfie shows someone else than the portrait; asking for a new selfie in good light."
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            # not signed in: the console sends us to the login form, which brings us back
            page.goto(f"{base_url}/review/queue")
            assert "/review/login" in page.url
            page.fill("input[name=username]", console.users["reviewer"])
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/review/queue")
            cookie = next(c for c in page.context.cookies() if c["name"] == "kyc_review")
            assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
            rows = page.locator("#queue-table tbody tr[data-href]")
            assert rows.count() >= 3
            if shots:
                page.set_viewport_size({"width": 1600, "height": 420})
                page.screenshot(path=str(docs_dir / "review-queue.png"), full_page=True)
                page.set_viewport_size({"width": 1600, "height": 1000})

            # filter by reason and country: only the Albanian face-mismatch case is left
            page.select_option("select[name=reason]", "face.mismatch")
            page.select_option("select[name=country]", "ALB")
            page.click("#filters button[type=submit]")
            page.wait_for_url("**reason=face.mismatch&country=ALB**")
            assert rows.count() == 1 and vid[:8] in rows.first.inner_text()
            assert page.locator(".counts li.on").inner_text().startswith("face.mismatch")

            # keyboard: j selects the first row, Enter opens it
            page.keyboard.press("j")
            page.keyboard.press("Enter")
            page.wait_for_url(f"**/review/cases/{vid}**")
            page.wait_for_load_state("load")
            widths = page.eval_on_selector_all(
                "img[data-evidence]",
                "els => els.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])",
            )
            assert len(widths) == 4, widths  # two face crops, the rectified document, the MRZ crop
            assert all(complete and width > 0 for _, complete, width in widths), widths
            assert page.locator("#faces").inner_text().count("dlib_resnet_v1") >= 1
            assert page.locator(".mrz .check-valid").count() >= 3
            assert page.locator("#current-decision").inner_text() == "rejected"

            # s: request resubmission; the note is required, so s focuses it, Ctrl+Enter submits
            page.locator("body").click(position={"x": 5, "y": 300})
            page.keyboard.press("s")
            assert page.evaluate("document.activeElement.id") == "note"
            page.keyboard.type(note)
            if shots:
                page.screenshot(path=str(docs_dir / "review-case.png"), full_page=True)
            page.keyboard.press("Control+Enter")
            page.wait_for_url("**done=retry**")
            assert page.locator("#current-decision").inner_text() == "retry"
            entry = page.locator(".timeline li.t-review").last
            assert "alice" in entry.inner_text() and note in entry.inner_text()
            assert "rejected → retry" in entry.inner_text()
            assert not errors, errors
        finally:
            browser.close()

    with console.d.rt.session() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.verification_id == vid,
                                                 AuditLog.action == "decision.review")).one()  # fmt: skip
        hook = s.scalars(select(WebhookDelivery).where(WebhookDelivery.verification_id == vid,
                                                       WebhookDelivery.event == "verification.updated")).one()  # fmt: skip
    assert audit.tenant_id == console.tenant.tenant_id
    assert {k: audit.detail[k] for k in ("actor", "before", "after", "note")} == {
        "actor": "alice", "before": "rejected", "after": "retry", "note": note}  # fmt: skip
    assert hook.url == console.receiver.url and json.loads(hook.payload or b"{}")["decision"] == "retry"

    # the worker delivers it, signed with the tenant's secret
    def delivered() -> dict | None:
        for call in console.receiver.calls:
            body = json.loads(call["body"])
            if body.get("event") == "verification.updated" and body.get("id") == vid:
                return call
        return None

    call = wait_for(delivered, 60, "the verification.updated webhook")
    assert verify_signature(
        console.tenant.webhook_secret.encode(), call["headers"][HEADER], call["body"], now=time.time()
    )
    body = json.loads(call["body"])
    assert (body["decision"], body["previous_decision"], body["note"]) == ("retry", "rejected", note)
