"""The console's routes under ``/review``: login, logout, queue, case page, decision, evidence images.

Every page and image needs a session; every POST needs the session's CSRF token (the login form uses a
double-submit cookie instead, as there is no session yet); every read is scoped to the reviewer's tenant.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from datetime import timedelta
from typing import Annotated, Any

from anyio import from_thread
from fastapi import APIRouter, FastAPI, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from ...errors import KycError
from ...imageio import load_image
from ...store import repo
from ...store.db import transient_db
from ..deps import RuntimeDep
from ..errors import ApiError
from ..limits import RateLimiter
from . import evidence, queries, view
from .sessions import Login, authenticate, close_session, csrf_ok, open_session
from .web import COOKIE, HERE, LOGIN_COOKIE, PREFIX, LoginDep, NotFound, install_handlers, page, safe_next

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: Form action → decision written by a reviewer.
ACTIONS = {"approve": "verified", "reject": "rejected", "resubmit": "retry"}
NOTE_MAX = 2000


def install(app: FastAPI) -> None:
    """Add the console to ``app``: routes, static files, handlers and security headers."""
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="review-static")
    install_handlers(app)


def _forbidden(request: Request, message: str) -> Response:
    return page(request, "error.html", 403, title="Forbidden", message=message)


# --- login / logout -----------------------------------------------------------------------------------


def _login_form(request: Request, next_url: str, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", status, csrf=token, next=next_url, error=error)
    secure = request.app.state.runtime.settings.service.review_cookie_secure
    resp.set_cookie(
        LOGIN_COOKIE, token, max_age=1800, path=PREFIX, httponly=True, samesite="lax", secure=secure
    )
    return resp


@router.get("")
def home() -> Response:
    return RedirectResponse(f"{PREFIX}/queue", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    rt: RuntimeDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not csrf or not hmac.compare_digest(cookie.encode(), csrf.encode()):
        return _forbidden(request, "The login form expired or was not sent from this site. Reload and retry.")
    svc = rt.settings.service
    limiter = RateLimiter(
        request.app.state.aredis, svc.review_login_attempts_per_minute, f"{svc.queue_name}:review-login"
    )
    try:  # this route runs in a worker thread; the limiter is awaited on the event loop
        from_thread.run(limiter.check, username.strip().lower())
    except ApiError:
        return _login_form(request, safe_next(next), "Too many attempts. Wait a minute and retry.", 429)
    with rt.session() as s, transient_db():
        reviewer = authenticate(s, username, password)
        if reviewer is None:
            repo.audit(s, "reviewer.login_failed")
            s.commit()
            return _login_form(request, safe_next(next), "Wrong username or password.", 401)
        token = open_session(s, reviewer, timedelta(hours=svc.review_session_hours))
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(COOKIE, token, max_age=int(svc.review_session_hours * 3600), path=PREFIX, httponly=True,
                    samesite="lax", secure=svc.review_cookie_secure)  # fmt: skip
    resp.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return resp


@router.post("/logout")
def logout(
    request: Request, rt: RuntimeDep, login: LoginDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    if not csrf_ok(login, csrf):
        return _forbidden(request, "Missing or wrong CSRF token.")
    with rt.session() as s, transient_db():
        close_session(s, request.cookies.get(COOKIE, ""), login)
    resp = RedirectResponse(f"{PREFIX}/login", status_code=303)
    resp.delete_cookie(COOKIE, path=PREFIX)
    return resp


# --- queue and case -----------------------------------------------------------------------------------


@router.get("/queue")
def queue(request: Request, rt: RuntimeDep, login: LoginDep) -> Response:
    f = queries.QueueFilter.parse(dict(request.query_params))
    with rt.session() as s, transient_db():
        result = queries.queue_page(s, login.tenant_id, f)
    return page(request, "queue.html", login=login, q=result, f=f, page_size=queries.PAGE_SIZE)


def _registration(rt: RuntimeDep, enc: bytes | None) -> dict[str, Any]:
    if enc is None:
        return {}
    try:
        data: dict[str, Any] = json.loads(rt.cipher.decrypt(enc))
        return data
    except (KycError, ValueError):
        log.warning("registration data of a case could not be read")
        return {}


def _case_page(request: Request, rt: RuntimeDep, login: Login, case_id: str, *, error: str | None = None,
               note: str = "", status: int = 200) -> Response:  # fmt: skip
    f = queries.QueueFilter.parse(dict(request.query_params))
    with rt.session() as s, transient_db():
        found = queries.load_case(s, login.tenant_id, case_id)
        if found is None:
            raise NotFound
        v, result = found
        report = (result.report if result else None) or {}
        known = queries.existing_cases(s, login.tenant_id, view.duplicate_ids(report.get("reasons") or []))
        entries = view.timeline(queries.timeline(s, login.tenant_id, case_id))
        prev_id, next_id = queries.neighbours(s, login.tenant_id, f, case_id)
    cv = view.case_view(report, _registration(rt, v.registration_enc), known) if report else None
    can_decide = result is not None and v.erased_at is None and (result.source != "review" or login.is_admin)
    return page(request, "case.html", status, login=login, v=v, result=result, cv=cv, timeline=entries,
                f=f, prev_id=prev_id, next_id=next_id, can_decide=can_decide, error=error, note=note,
                done=request.query_params.get("done"), has_back=bool(v.document_back_blob))  # fmt: skip


@router.get("/cases/{case_id}")
def case(request: Request, rt: RuntimeDep, login: LoginDep, case_id: str) -> Response:
    return _case_page(request, rt, login, case_id)


@router.post("/cases/{case_id}/decision")
def decide(
    request: Request,
    rt: RuntimeDep,
    login: LoginDep,
    case_id: str,
    action: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not csrf_ok(login, csrf):
        return _forbidden(request, "Missing or wrong CSRF token.")
    note = note.strip()
    if action not in ACTIONS:
        return _case_page(request, rt, login, case_id, error="Unknown action.", note=note, status=422)
    if not note:
        return _case_page(
            request, rt, login, case_id, error="A note is required for every decision.", status=422
        )
    if len(note) > NOTE_MAX:
        return _case_page(request, rt, login, case_id, error=f"The note is longer than {NOTE_MAX} characters.",
                          note=note, status=422)  # fmt: skip
    with rt.session() as s, transient_db():
        found = queries.load_case(s, login.tenant_id, case_id, for_update=True)
        if found is None:
            raise NotFound
        v, result = found
        if result is None or v.status != "completed" or v.erased_at is not None:
            return _case_page(
                request, rt, login, case_id, error="This case has no decision to change.", status=409
            )
        if result.source == "review" and not login.is_admin:
            return _forbidden(request, "A reviewer already decided this case; only an admin may change it.")
        repo.record_decision_change(
            s, v, decision=ACTIONS[action], source="review", actor=login.username, note=note
        )
        s.commit()
    query = request.url.query
    sep = "&" if query else ""
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?{query}{sep}done={ACTIONS[action]}", status_code=303)


# --- evidence images ----------------------------------------------------------------------------------


@router.get("/cases/{case_id}/images/{name}.jpg")
def image(rt: RuntimeDep, login: LoginDep, case_id: str, name: str) -> Response:
    if name not in evidence.EVIDENCE:
        raise NotFound
    with rt.session() as s, transient_db():
        found = queries.load_case(s, login.tenant_id, case_id)
    if found is None:
        raise NotFound
    v, result = found
    report = (result.report if result else None) or {}
    blob = {"selfie": v.selfie_blob, "document": v.document_blob, "document_back": v.document_back_blob}[
        evidence.source_of(name, report)  # type: ignore[arg-type]
    ]
    if blob is None or (not report and name not in ("selfie", "document-photo")):
        raise NotFound
    limits = rt.settings.limits
    try:
        img = load_image(rt.blobs.get(blob), max_bytes=limits.max_upload_bytes, max_pixels=limits.max_pixels)
        data = evidence.render(name, img.bgr, report, limits.work_max_side)  # type: ignore[arg-type]
    except (evidence.NoEvidence, KycError, FileNotFoundError) as exc:
        raise NotFound from exc
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
