"""Tables: tenants, api_keys, verifications, results, webhook_deliveries, audit_log, reviewers,
review_sessions, face_embeddings, reverify_runs, reverify_items.

Personal data lives only in ``verifications.registration_enc`` (encrypted), the blob store (encrypted
images), ``results.report`` and ``webhook_deliveries.payload``; erasure clears exactly those.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _now() -> Any:
    return func.now()


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    webhook_secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Verification(Base):
    __tablename__ = "verifications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_verifications_idempotency"),
        Index("ix_verifications_tenant_created", "tenant_id", "created_at"),
        Index("ix_verifications_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|processing|completed|failed
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    callback_url: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    selfie_blob: Mapped[str | None] = mapped_column(String(64))
    document_blob: Mapped[str | None] = mapped_column(String(64))
    document_back_blob: Mapped[str | None] = mapped_column(String(64))
    registration_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    decision: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Result(Base):
    """One per verification (the primary key makes a second one impossible)."""

    __tablename__ = "results"

    verification_id: Mapped[str] = mapped_column(
        ForeignKey("verifications.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason_codes: Mapped[list[str]] = mapped_column(JSONB)
    timings_ms: Mapped[dict[str, float]] = mapped_column(JSONB)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    # Who produced the current decision: "engine" (the worker), "review" (a reviewer's override) or
    # "reverify" (``kyc reverify --apply``). ``engine_decision`` keeps the first engine decision.
    source: Mapped[str] = mapped_column(String(16), default="engine", server_default="engine")
    engine_decision: Mapped[str | None] = mapped_column(String(16))
    policy_version: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One row per announced event. ``verification.completed`` at most once per verification (partial
    unique index); overrides and re-verifications add ``verification.updated`` rows."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_due", "status", "next_attempt_at"),
        Index(
            "uq_webhook_completed_once",
            "verification_id",
            unique=True,
            postgresql_where=text("event = 'verification.completed'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    verification_id: Mapped[str] = mapped_column(
        ForeignKey("verifications.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(
        String(40), default="verification.completed", server_default="verification.completed"
    )
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    url: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivered|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditLog(Base):
    """Append-only; never holds personal data (ids, codes, decisions only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    verification_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Reviewer(Base):
    """A person who works the review queue of one tenant. Passwords are stored as scrypt hashes."""

    __tablename__ = "reviewers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="reviewer")  # reviewer|admin
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewSession(Base):
    """A server-side login session; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "review_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewers.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FaceEmbedding(Base):
    """The selfie embedding of a verified case, for the 1:N duplicate-identity search.

    ``subject_hash`` is the SHA-256 of the normalised registration identity (issuing country and
    document number), so "same face, different registration" is an inequality of hashes."""

    __tablename__ = "face_embeddings"
    __table_args__ = (Index("ix_face_embeddings_tenant_model", "tenant_id", "model"),)

    verification_id: Mapped[str] = mapped_column(
        ForeignKey("verifications.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    subject_hash: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(120))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian, the raw descriptor
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class ReverifyRun(Base):
    """One ``kyc reverify`` invocation: its filters, the policy it ran under, and its progress."""

    __tablename__ = "reverify_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(String(36))
    mode: Mapped[str] = mapped_column(String(8))  # dry_run|apply
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|completed|applied
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    policy_version: Mapped[str] = mapped_column(String(40))
    policy_toml: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReverifyItem(Base):
    """One stored verification inside a run: the old decision, and the new one once a worker ran it."""

    __tablename__ = "reverify_items"
    __table_args__ = (Index("ix_reverify_items_run_status", "run_id", "status"),)

    run_id: Mapped[str] = mapped_column(ForeignKey("reverify_runs.id", ondelete="CASCADE"), primary_key=True)
    verification_id: Mapped[str] = mapped_column(
        ForeignKey("verifications.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|done|failed
    old_decision: Mapped[str | None] = mapped_column(String(16))
    old_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    new_decision: Mapped[str | None] = mapped_column(String(16))
    new_reasons: Mapped[list[str] | None] = mapped_column(JSONB)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
