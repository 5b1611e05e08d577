"""The reviewer console over plain HTTP (TestClient on the real app, real database, real worker
results): login, sessions, CSRF, tenant scoping, evidence images, the queue filters and decisions."""

from __future__ import annotations

import hashlib
import re
import time

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from kyc_engine.service.review.passwords import check_password, hash_password
from kyc_engine.service.review.web import COOKIE
from kyc_engine.store.models import AuditLog, Reviewer, ReviewSession, WebhookDelivery
from tests.review.conftest import PASSWORD, Console, create_reviewer_cli


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def _review_audits(console: Console, case_id: str) -> int:
    with console.d.rt.session() as s:
        q = select(func.count()).where(
            AuditLog.verification_id == case_id, AuditLog.action == "decision.review"
        )
        return int(s.scalar(q) or 0)


def test_engine_decided_the_cases_as_expected(console: Console) -> None:
    decisions = {label: console.result(label).engine_decision for label in console.cases}
    assert decisions == {"face": "rejected", "name": "rejected", "birth": "rejected", "typo": "review",
                         "alb": "rejected"}  # fmt: skip
    assert "face.mismatch" in console.result("alb").reason_codes
    assert "face.mismatch" in console.result("face").reason_codes


def test_password_hashes_are_salted_scrypt() -> None:
    a, b = hash_password("s3cret-passphrase"), hash_password("s3cret-passphrase")
    assert a != b and a.startswith("scrypt$")
    assert check_password("s3cret-passphrase", a) and not check_password("s3cret-passphrasE", a)
    assert not check_password("anything", "not-a-hash")


def test_login_failure(console: Console) -> None:
    c = console.client()
    token = _csrf(c.get("/review/login").text)
    for user, pw in ((console.users["reviewer"], "wrong password!"), ("nobody-here", PASSWORD)):
        r = c.post("/review/login", data={"username": user, "password": pw, "csrf": token})
        assert r.status_code == 401
        assert "Wrong username or password" in r.text
        assert COOKIE not in r.cookies
        token = _csrf(r.text)  # a failed login issues a new form token
    assert c.get("/review/queue").status_code == 303  # still not signed in


def test_login_form_needs_its_csrf_token(console: Console) -> None:
    c = console.client()
    c.get("/review/login")
    r = c.post("/review/login", data={"username": console.users["reviewer"], "password": PASSWORD})
    assert r.status_code == 403 and COOKIE not in r.cookies


def test_session_cookie_and_stored_hash(console: Console) -> None:
    c = console.client()
    token = _csrf(c.get("/review/login").text)
    r = c.post("/review/login", data={"username": "alice", "password": PASSWORD, "csrf": token,
                                      "next": "https://evil.example/"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/review/queue"  # no open redirect
    header = r.headers["set-cookie"]
    assert (
        f"{COOKIE}=" in header
        and "HttpOnly" in header
        and "SameSite=lax" in header
        and "Path=/review" in header
    )
    cookie = r.cookies[COOKIE]
    with console.d.rt.session() as s:
        rows = list(s.scalars(select(ReviewSession.token_hash)))
        stored = s.scalar(select(Reviewer.password_hash).where(Reviewer.username == "alice"))
    assert hashlib.sha256(cookie.encode()).hexdigest() in rows and cookie not in rows
    assert stored is not None and stored.startswith("scrypt$") and PASSWORD not in stored


def test_pages_and_images_need_a_session(console: Console) -> None:
    c = console.client()
    vid = console.cases["face"]
    r = c.get(f"/review/cases/{vid}")
    assert r.status_code == 303 and r.headers["location"].startswith("/review/login?next=")
    r = c.get(f"/review/cases/{vid}/images/selfie-face.jpg")
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/plain")
    c.cookies.set(COOKIE, "forged-token", path="/review")
    assert c.get(f"/review/cases/{vid}/images/selfie.jpg").status_code == 401


def test_another_tenants_case_is_not_found(console: Console) -> None:
    c = console.as_user("other")
    vid = console.cases["face"]
    before = _review_audits(console, vid)
    assert c.get(f"/review/cases/{vid}").status_code == 404
    assert c.get(f"/review/cases/{vid}/images/selfie-face.jpg").status_code == 404
    token = _csrf(c.get("/review/queue").text)
    r = c.post(f"/review/cases/{vid}/decision", data={"action": "approve", "note": "mine now", "csrf": token})
    assert r.status_code == 404
    assert vid[:8] not in c.get("/review/queue").text
    assert console.other_case[:8] in c.get("/review/queue").text  # its own case is there
    assert _review_audits(console, vid) == before


def test_post_without_csrf_is_refused(console: Console) -> None:
    c = console.as_user("reviewer")
    vid = console.cases["birth"]
    for data in (
        {"action": "approve", "note": "looks fine"},
        {"action": "approve", "note": "x", "csrf": "wrong"},
    ):
        r = c.post(f"/review/cases/{vid}/decision", data=data)
        assert r.status_code == 403
    assert c.post("/review/logout", data={}).status_code == 403
    assert console.result("birth").decision == "rejected" and _review_audits(console, vid) == 0


def test_note_is_required(console: Console) -> None:
    c = console.as_user("reviewer")
    vid = console.cases["birth"]
    token = _csrf(c.get(f"/review/cases/{vid}").text)
    r = c.post(f"/review/cases/{vid}/decision", data={"action": "approve", "note": "   ", "csrf": token})
    assert r.status_code == 422 and "A note is required" in r.text
    assert console.result("birth").decision == "rejected" and _review_audits(console, vid) == 0


@pytest.mark.parametrize(
    "name", ["selfie", "selfie-face", "document-face", "document", "document-photo", "mrz"]
)
def test_evidence_images(console: Console, name: str) -> None:
    c = console.as_user("reviewer")
    r = c.get(f"/review/cases/{console.cases['face']}/images/{name}.jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"] == "no-store"
    img = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and min(img.shape[:2]) > 40
    if name == "document":  # rectified ID-1 card at its canonical size
        assert img.shape[:2] == (638, 1012)
    assert c.get(f"/review/cases/{console.cases['face']}/images/passport.jpg").status_code == 404


def test_queue_filters_and_counts(console: Console) -> None:
    c = console.as_user("reviewer")
    page = c.get("/review/queue")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for label in ("face", "typo"):
        assert console.cases[label][:8] in page.text
    assert console.other_case[:8] not in page.text
    counts = dict(re.findall(r'class="code">([\w.]+)</a><span class="n">(\d+)</span>', page.text))
    assert int(counts["face.mismatch"]) >= 1 and counts["registration.name_uncertain"] == "1"
    only = c.get("/review/queue", params={"reason": "face.mismatch"}).text
    assert console.cases["face"][:8] in only and console.cases["typo"][:8] not in only
    assert console.cases["face"][:8] in c.get("/review/queue", params={"country": "KAZ"}).text
    assert "Nothing to review" in c.get("/review/queue", params={"country": "ZZZ"}).text
    assert "Nothing to review" in c.get("/review/queue", params={"from": "2999-01-01"}).text


def test_case_page_shows_the_evidence(console: Console) -> None:
    c = console.as_user("reviewer")
    html = c.get(f"/review/cases/{console.cases['face']}").text
    report = console.result("face").report or {}
    assert f"{report['face']['similarity']:.3f}" in html and report["face"]["model"] in html
    for img in ("selfie-face.jpg", "document-face.jpg", "document.jpg", "mrz.jpg"):
        assert img in html
    assert "check-valid" in html  # the MRZ check digits are marked
    assert "Submitted" in html and "Engine decision" in html  # the timeline
    name_case = c.get(f"/review/cases/{console.cases['name']}").text
    assert "registration.name_mismatch" in name_case and 'class="f-mismatch"' in name_case


def test_decisions_roles_audit_and_webhook(console: Console) -> None:
    vid = console.cases["name"]
    bob = console.as_user("reviewer2")
    token = _csrf(bob.get(f"/review/cases/{vid}").text)
    r = bob.post(
        f"/review/cases/{vid}/decision",
        data={"action": "reject", "note": "Different first name.", "csrf": token},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/review/cases/{vid}?done=rejected"
    res = console.result("name")
    assert (res.decision, res.source, res.engine_decision) == ("rejected", "review", "rejected")
    assert vid[:8] not in bob.get("/review/queue").text  # decided: out of the open queue
    assert vid[:8] in bob.get("/review/queue", params={"tab": "decided"}).text
    # a second reviewer decision needs an admin
    r = bob.post(
        f"/review/cases/{vid}/decision", data={"action": "approve", "note": "changed my mind", "csrf": token}
    )
    assert r.status_code == 403 and console.result("name").decision == "rejected"
    carol = console.as_user("admin")
    token = _csrf(carol.get(f"/review/cases/{vid}").text)
    r = carol.post(
        f"/review/cases/{vid}/decision",
        data={"action": "resubmit", "note": "Ask for a new photo.", "csrf": token},
    )
    assert r.status_code == 303 and console.result("name").decision == "retry"
    with console.d.rt.session() as s:
        audits = list(s.scalars(select(AuditLog).where(AuditLog.verification_id == vid,
                                                        AuditLog.action == "decision.review").order_by(AuditLog.id)))  # fmt: skip
        hooks = list(s.scalars(select(WebhookDelivery).where(WebhookDelivery.verification_id == vid,
                                                             WebhookDelivery.event == "verification.updated")))  # fmt: skip
    assert [(a.detail["actor"], a.detail["before"], a.detail["after"], a.detail["note"]) for a in audits] == [
        ("bob", "rejected", "rejected", "Different first name."),
        ("carol", "rejected", "retry", "Ask for a new photo."),
    ]
    assert len(hooks) == 2 and all(h.url == console.receiver.url for h in hooks)
    html = carol.get(f"/review/cases/{vid}").text
    assert "Ask for a new photo." in html and "carol" in html


def test_logout_ends_the_session(console: Console) -> None:
    c = console.login(console.users["reviewer"])
    cookie = c.cookies[COOKIE]
    token = _csrf(c.get("/review/queue").text)
    assert c.post("/review/logout", data={"csrf": token}).status_code == 303
    stale = console.client()
    stale.cookies.set(COOKIE, cookie, path="/review")
    assert stale.get("/review/queue").status_code == 303
    with console.d.rt.session() as s:
        assert s.get(ReviewSession, hashlib.sha256(cookie.encode()).hexdigest()) is None


def test_cli_refuses_a_taken_username(console: Console) -> None:
    proc = create_reviewer_cli(console.d, console.tenant.tenant_id, "alice", "reviewer")
    assert proc.returncode == 3 and "reviewer.exists" in proc.stderr


def test_logins_are_throttled_per_username(console: Console) -> None:
    c = console.client()
    token = _csrf(c.get("/review/login").text)
    limit = console.d.settings.service.review_login_attempts_per_minute
    if 60 - time.time() % 60 < 15:  # the limiter counts per clock minute: start well inside one
        time.sleep(60 - time.time() % 60 + 0.5)
    statuses = []
    for _ in range(limit + 1):
        r = c.post(
            "/review/login", data={"username": "throttled-user", "password": "guess-guess", "csrf": token}
        )
        statuses.append(r.status_code)
        token = _csrf(r.text)
    assert statuses == [401] * limit + [429]


def test_security_headers_on_console_pages_only(console: Console) -> None:
    c = console.client()
    page = c.get("/review/login")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert len(page.headers.get_list("cache-control")) == 1  # replaced, not appended
    api = c.get("/healthz")
    assert "content-security-policy" not in api.headers and "x-frame-options" not in api.headers
