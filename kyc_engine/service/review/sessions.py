"""Reviewer accounts and server-side login sessions.

The session cookie holds a random token; ``review_sessions`` holds only its SHA-256, the reviewer, an
expiry and the session's CSRF token (checked on every POST). Logging out deletes the row, so a stolen
cookie dies with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...errors import InputError
from ...store import repo
from ...store.models import Reviewer, ReviewSession, Tenant
from .passwords import MIN_LENGTH, check_password, dummy_hash, hash_password

Role = Literal["reviewer", "admin"]
ROLES: tuple[Role, ...] = ("reviewer", "admin")


@dataclass(frozen=True)
class Login:
    """The signed-in reviewer of one request."""

    reviewer_id: str
    tenant_id: str
    username: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reviewer(session: Session, tenant_id: str, username: str, password: str, role: str) -> str:
    """Add a reviewer account (does not commit) and return its id.

    Raises :class:`InputError` for an unknown tenant or role, a taken username or a short password."""
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}", code="reviewer.invalid_role")
    username = username.strip()
    if not username or len(username) > 120:
        raise InputError("username must be 1 to 120 characters", code="reviewer.invalid_username")
    if len(password) < MIN_LENGTH:
        raise InputError(f"password must be at least {MIN_LENGTH} characters", code="reviewer.weak_password")
    if session.get(Tenant, tenant_id) is None:
        raise InputError(f"no tenant {tenant_id}", code="reviewer.unknown_tenant")
    if session.scalar(select(Reviewer.id).where(Reviewer.username == username)) is not None:
        raise InputError(f"username {username!r} is taken", code="reviewer.exists")
    reviewer = Reviewer(id=repo.new_id(), tenant_id=tenant_id, username=username,
                        password_hash=hash_password(password), role=role)  # fmt: skip
    session.add(reviewer)
    repo.audit(session, "reviewer.created", tenant_id=tenant_id, reviewer_id=reviewer.id, role=role)
    return reviewer.id


def authenticate(session: Session, username: str, password: str) -> Reviewer | None:
    """The active reviewer with these credentials, else None (one scrypt either way)."""
    reviewer = session.scalar(
        select(Reviewer).where(Reviewer.username == username.strip(), Reviewer.disabled_at.is_(None))
    )
    ok = check_password(password, reviewer.password_hash if reviewer else dummy_hash())
    return reviewer if reviewer is not None and ok else None


def open_session(session: Session, reviewer: Reviewer, lifetime: timedelta) -> str:
    """Start a session (commits) and return the cookie token; expired sessions of the reviewer go."""
    now = datetime.now(UTC)
    session.execute(
        delete(ReviewSession).where(ReviewSession.reviewer_id == reviewer.id, ReviewSession.expires_at < now)
    )
    token = secrets.token_urlsafe(32)
    session.add(ReviewSession(token_hash=token_hash(token), reviewer_id=reviewer.id,
                              csrf_token=secrets.token_urlsafe(32), expires_at=now + lifetime))  # fmt: skip
    repo.audit(session, "reviewer.login", tenant_id=reviewer.tenant_id, reviewer_id=reviewer.id)
    session.commit()
    return token


def load_session(session: Session, token: str) -> Login | None:
    """The live session of ``token`` (not expired, reviewer not disabled), else None."""
    row = session.execute(
        select(Reviewer.id, Reviewer.tenant_id, Reviewer.username, Reviewer.role, ReviewSession.csrf_token)
        .join(Reviewer, Reviewer.id == ReviewSession.reviewer_id)
        .where(
            ReviewSession.token_hash == token_hash(token),
            ReviewSession.expires_at > datetime.now(UTC),
            Reviewer.disabled_at.is_(None),
        )
    ).first()
    return Login(*row) if row else None


def close_session(session: Session, token: str, login: Login) -> None:
    """Log out: delete the session row (commits)."""
    session.execute(delete(ReviewSession).where(ReviewSession.token_hash == token_hash(token)))
    repo.audit(session, "reviewer.logout", tenant_id=login.tenant_id, reviewer_id=login.reviewer_id)
    session.commit()


def csrf_ok(login: Login, sent: str | None) -> bool:
    """Constant-time comparison of the form's CSRF token with the session's."""
    return bool(sent) and hmac.compare_digest(login.csrf_token.encode(), (sent or "").encode())
