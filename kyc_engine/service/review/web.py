"""Plumbing shared by the console routes: templates, the session dependency, security headers, and the
two exceptions that end a request early (no session → login page or 401; not found → 404 page)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...store.db import transient_db
from ...worker.runtime import Runtime
from ..deps import get_runtime
from .sessions import Login, load_session

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PREFIX = "/review"
COOKIE = "kyc_review"
LOGIN_COOKIE = "kyc_review_login"

templates = Jinja2Templates(directory=str(HERE / "templates"))

#: Every console response: no caching anywhere (personal data), no framing, only our own scripts.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, images and POSTs answer 401."""


class NotFound(Exception):
    """Unknown case (or another tenant's): a 404 page."""


def _fmt_time(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _fmt_num(value: Any, digits: int = 3) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


templates.env.filters["when"] = _fmt_time
templates.env.filters["num"] = _fmt_num


def current_login(request: Request, rt: Annotated[Runtime, Depends(get_runtime)]) -> Login:
    """The signed-in reviewer of this request, or :class:`LoginRequired`."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    with rt.session() as s, transient_db():
        login = load_session(s, token)
    if login is None:
        raise LoginRequired
    return login


LoginDep = Annotated[Login, Depends(current_login)]


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` with ``context`` (plus the request and ``prefix``)."""
    return templates.TemplateResponse(request, name, {"prefix": PREFIX, **context}, status_code=status_code)


_HEADER_BYTES: list[tuple[bytes, bytes]] = [
    (k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
]


class ConsoleHeaders:
    """Pure ASGI middleware: adds :data:`SECURITY_HEADERS` to console pages. Every other request (the
    ``/v1`` API above all) passes straight through, without the per-request cost of an HTTP middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PREFIX) or path.startswith(PREFIX + "/static/"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in _HEADER_BYTES}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + _HEADER_BYTES}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_handlers(app: FastAPI) -> None:
    """Security headers on every console response, and the two early exits above."""

    app.add_middleware(ConsoleHeaders)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET" and "/images/" not in request.url.path:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{PREFIX}/login?next={_quote(target)}", status_code=303)
        return PlainTextResponse("login required", status_code=401, headers=SECURITY_HEADERS)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return page(request, "error.html", 404, title="Not found", message="No such case in your queue.")


def _quote(text: str) -> str:
    return quote(text, safe="")


def safe_next(target: str | None) -> str:
    """Only a path inside the console may be a redirect target (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/queue"
