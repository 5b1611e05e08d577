"""Every query the service and the worker run. Each one is scoped by tenant where a tenant asks.

The worker's state machine lives here: ``claim`` (a conditional UPDATE: only one worker can own a row),
``finish`` (writes the result, and a verified case's face descriptor, only while still owning the claim;
the results primary key makes a second result impossible), ``release`` (give a row back after a transient
failure) and ``erase``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import faces
from .asyncdb import AsyncConnection
from .blobs import BlobStore, Cipher
from .models import (
    ApiKey,
    AuditLog,
    FaceEmbedding,
    Result,
    ReverifyItem,
    ReverifyRun,
    Tenant,
    Verification,
    WebhookDelivery,
)

KEY_PREFIX = "kyc_"


def new_id() -> str:
    return str(uuid.uuid4())


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def audit(session: Session, action: str, *, tenant_id: str | None = None,
          verification_id: str | None = None, **detail: Any) -> None:  # fmt: skip
    session.add(AuditLog(tenant_id=tenant_id, verification_id=verification_id, action=action, detail=detail))


@dataclass(frozen=True)
class NewTenant:
    tenant_id: str
    api_key: str
    webhook_secret: str


def create_tenant(session: Session, cipher: Cipher, name: str) -> NewTenant:
    """A tenant with one API key and a webhook signing secret (both shown once; the key is stored hashed)."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    tenant = Tenant(id=new_id(), name=name, webhook_secret_enc=cipher.encrypt(secret.encode()))
    session.add(tenant)
    session.flush()
    key = add_api_key(session, tenant.id)
    audit(session, "tenant.created", tenant_id=tenant.id)
    return NewTenant(tenant.id, key, secret)


def add_api_key(session: Session, tenant_id: str) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(id=new_id(), tenant_id=tenant_id, key_hash=hash_key(key), prefix=key[:10]))
    return key


def authenticate(session: Session, key: str) -> tuple[str, str] | None:
    """``(tenant_id, api_key_id)`` for a valid, unrevoked key, else None."""
    row = session.execute(
        select(ApiKey.tenant_id, ApiKey.id).where(
            ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)
        )
    ).first()
    return (row[0], row[1]) if row else None


def webhook_secret(session: Session, cipher: Cipher, tenant_id: str) -> bytes:
    enc = session.scalar(select(Tenant.webhook_secret_enc).where(Tenant.id == tenant_id))
    if enc is None:
        raise LookupError(tenant_id)
    return cipher.decrypt(enc)


def get_verification(session: Session, tenant_id: str, verification_id: str) -> Verification | None:
    return session.scalar(
        select(Verification).where(Verification.id == verification_id, Verification.tenant_id == tenant_id)
    )


def get_result(session: Session, verification_id: str) -> Result | None:
    return session.get(Result, verification_id)


def find_idempotent(session: Session, tenant_id: str, key: str) -> Verification | None:
    return session.scalar(
        select(Verification).where(Verification.tenant_id == tenant_id, Verification.idempotency_key == key)
    )


# --- the API's submit path: plain psycopg statements, awaited on an autocommit connection (no ORM) ----


@dataclass(frozen=True)
class Submission:
    """What the submit path needs of a verification row."""

    id: str
    status: str
    request_sha256: str


_FIND_SUBMISSION = (
    "SELECT id, status, request_sha256 FROM verifications "
    "WHERE tenant_id = %(tenant_id)s AND idempotency_key = %(key)s"
)
# One statement, so one round trip and atomic even in autocommit: the row and its audit entry, or nothing
# when the tenant's Idempotency-Key already exists.
_INSERT_SUBMISSION = (
    "WITH v AS (INSERT INTO verifications (id, tenant_id, status, idempotency_key, request_sha256, external_ref, "
    "callback_url, lang, selfie_blob, document_blob, document_back_blob, registration_enc, attempts, enqueued_at) "
    "VALUES (%(id)s, %(tenant_id)s, 'queued', %(idempotency_key)s, %(request_sha256)s, %(external_ref)s, "
    "%(callback_url)s, %(lang)s, %(selfie_blob)s, %(document_blob)s, %(document_back_blob)s, "
    "%(registration_enc)s, 0, now()) "
    "ON CONFLICT ON CONSTRAINT uq_verifications_idempotency DO NOTHING RETURNING id, tenant_id) "
    "INSERT INTO audit_log (tenant_id, verification_id, action, detail) "
    "SELECT tenant_id, id, 'verification.created', '{}'::jsonb FROM v RETURNING verification_id"
)


async def find_submission(conn: AsyncConnection, tenant_id: str, key: str) -> Submission | None:
    """The tenant's verification with this Idempotency-Key, if any."""
    cur = await conn.execute(_FIND_SUBMISSION, {"tenant_id": tenant_id, "key": key})
    row = await cur.fetchone()
    return Submission(str(row[0]), str(row[1]), str(row[2])) if row else None


async def insert_submission(
    conn: AsyncConnection,
    *,
    verification_id: str,
    tenant_id: str,
    idempotency_key: str | None,
    request_sha256: str,
    external_ref: str | None,
    callback_url: str | None,
    lang: str,
    selfie_blob: str,
    document_blob: str,
    document_back_blob: str | None,
    registration_enc: bytes,
) -> bool:
    """Insert a queued verification and its ``verification.created`` audit entry in one statement (the
    API's hot path: one round trip instead of the ORM's flush, audit insert and commit). Returns False,
    writing nothing, when the tenant already has a verification with ``idempotency_key``. ``conn`` is in
    autocommit mode, so the row is committed when this returns."""
    params = {
        "id": verification_id, "tenant_id": tenant_id, "idempotency_key": idempotency_key,
        "request_sha256": request_sha256, "external_ref": external_ref, "callback_url": callback_url,
        "lang": lang, "selfie_blob": selfie_blob, "document_blob": document_blob,
        "document_back_blob": document_back_blob, "registration_enc": registration_enc,
    }  # fmt: skip
    cur = await conn.execute(_INSERT_SUBMISSION, params)
    return await cur.fetchone() is not None


def list_verifications(
    session: Session,
    tenant_id: str,
    *,
    status: str | None,
    decision: str | None,
    since: datetime | None,
    before: tuple[datetime, str] | None,
    limit: int,
) -> list[Verification]:
    """Newest first; ``before`` is the (created_at, id) of the last row of the previous page."""
    q = select(Verification).where(Verification.tenant_id == tenant_id)
    if status:
        q = q.where(Verification.status == status)
    if decision:
        q = q.where(Verification.decision == decision)
    if since:
        q = q.where(Verification.created_at >= since)
    if before:
        q = q.where(
            (Verification.created_at < before[0])
            | ((Verification.created_at == before[0]) & (Verification.id < before[1]))
        )
    q = q.order_by(Verification.created_at.desc(), Verification.id.desc()).limit(limit)
    return list(session.scalars(q))


# --- worker state machine ---------------------------------------------------------------------------


def claim(session: Session, verification_id: str, stale_after_s: float) -> str | None:
    """Take ownership of a queued row (or of a 'processing' one whose worker went silent). Commits.

    Returns the claim token, or None when the row is completed, failed, erased or owned by a live worker:
    then the job has nothing to do (this is what makes re-enqueued jobs harmless)."""
    token = new_id()
    row = session.execute(
        text(
            "UPDATE verifications SET status = 'processing', claim_token = :tok, claimed_at = now(), "
            "attempts = attempts + 1 WHERE id = :id AND erased_at IS NULL AND (status = 'queued' OR "
            "(status = 'processing' AND claimed_at < now() - make_interval(secs => :stale))) RETURNING id"
        ),
        {"tok": token, "id": verification_id, "stale": stale_after_s},
    ).first()
    session.commit()
    return token if row else None


def release(session: Session, verification_id: str, token: str) -> None:
    """Give a claimed row back to the queue (after a transient failure). Commits."""
    session.execute(
        update(Verification)
        .where(Verification.id == verification_id, Verification.claim_token == token)
        .values(status="queued", claim_token=None, claimed_at=None)
    )
    session.commit()


def finish(
    session: Session,
    verification_id: str,
    token: str,
    *,
    report: dict[str, Any] | None,
    error: dict[str, Any] | None,
    webhook_payload: bytes | None,
    face: faces.NewFace | None = None,
) -> bool:
    """Record the outcome if this worker still owns the claim. One transaction: status, result, webhook
    delivery, audit, and ``face`` (the selfie descriptor) in ``face_embeddings`` when the decision is
    ``verified``. Returns False (and writes nothing) when another worker took the row over."""
    status = "completed" if report is not None else "failed"
    decision = report["decision"] if report is not None else None
    row = session.execute(
        update(Verification)
        .where(
            Verification.id == verification_id,
            Verification.claim_token == token,
            Verification.status == "processing",
            Verification.erased_at.is_(None),
        )
        .values(status=status, decision=decision, error=error, claim_token=None, completed_at=func.now())
        .returning(Verification.tenant_id, Verification.callback_url)
    ).first()
    if row is None:
        session.rollback()
        return False
    tenant_id, callback_url = row
    codes = [r["code"] for r in report["reasons"]] if report is not None else []
    if report is not None:
        session.execute(
            insert(Result)
            .values(
                verification_id=verification_id,
                decision=decision,
                reason_codes=codes,
                timings_ms=report.get("timings_ms", {}),
                report=report,
                source="engine",
                engine_decision=decision,
                policy_version=report.get("policy_version"),
            )
            .on_conflict_do_nothing()
        )
    if face is not None and decision == "verified":
        faces.save(session, verification_id, tenant_id, face)
    if callback_url and webhook_payload is not None:
        session.execute(
            insert(WebhookDelivery)
            .values(
                id=new_id(),
                verification_id=verification_id,
                tenant_id=tenant_id,
                url=callback_url,
                payload=webhook_payload,
                status="pending",
                attempts=0,
                attempt_log=[],
            )  # fmt: skip
            .on_conflict_do_nothing()
        )
    audit(session, f"verification.{status}", tenant_id=tenant_id, verification_id=verification_id,
          decision=decision, reasons=codes, error=(error or {}).get("code"))  # fmt: skip
    session.commit()
    return True


def record_decision_change(
    session: Session,
    verification: Verification,
    *,
    decision: str,
    source: str,
    actor: str,
    note: str | None = None,
    reason_codes: list[str] | None = None,
    report: dict[str, Any] | None = None,
    policy_version: str | None = None,
) -> str | None:
    """Replace the current decision of a completed verification (a reviewer's override, ``source="review"``,
    or an applied re-verification, ``source="reverify"``). Does not commit.

    Updates ``results`` (and the report when one is given), appends an audit entry with who, before, after
    and the note, and queues a signed ``verification.updated`` webhook when the verification has a
    callback URL. Returns the previous decision."""
    result = session.get(Result, verification.id)
    if result is None or verification.status != "completed" or verification.erased_at is not None:
        raise ValueError(f"verification {verification.id} has no current result to change")
    before, before_codes = result.decision, list(result.reason_codes)
    result.decision = decision
    result.source = source
    result.updated_at = datetime.now(UTC)
    if reason_codes is not None:
        result.reason_codes = reason_codes
    if report is not None:
        result.report = report
        result.timings_ms = report.get("timings_ms", {})
    if policy_version is not None:
        result.policy_version = policy_version
    verification.decision = decision
    # Only verified faces take part in the duplicate-identity search: an override away from verified
    # retires the stored face (search hits are re-checked against ``active``), one back restores it.
    session.execute(
        update(FaceEmbedding)
        .where(FaceEmbedding.verification_id == verification.id)
        .values(active=decision == "verified")
    )
    audit(session, f"decision.{source}", tenant_id=verification.tenant_id, verification_id=verification.id,
          actor=actor, before=before, after=decision, before_reasons=before_codes,
          after_reasons=list(result.reason_codes), note=note, policy_version=result.policy_version)  # fmt: skip
    if verification.callback_url:
        body = {
            "event": "verification.updated",
            "id": verification.id,
            "status": "completed",
            "external_ref": verification.external_ref,
            "decision": decision,
            "previous_decision": before,
            "source": source,
            "note": note,
            "report": result.report,
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        session.add(
            WebhookDelivery(
                id=new_id(),
                verification_id=verification.id,
                tenant_id=verification.tenant_id,
                event="verification.updated",
                url=verification.callback_url,
                payload=payload,
                status="pending",
                attempts=0,
                attempt_log=[],
            )  # fmt: skip
        )
    session.flush()
    return before


def erase(session: Session, blobs: BlobStore, verification: Verification, *, why: str) -> None:
    """Delete the images, the face descriptor and the personal data of one verification; keep ids, status,
    decision, reason codes and an audit entry. Blobs shared with another live verification of the tenant
    (same upload) stay."""
    names = {
        n
        for n in (verification.selfie_blob, verification.document_blob, verification.document_back_blob)
        if n
    }
    result = session.get(Result, verification.id)
    codes = result.reason_codes if result else []
    if result is not None:
        result.report = None
    verification.registration_enc = None
    verification.external_ref = None
    verification.callback_url = None
    verification.selfie_blob = verification.document_blob = verification.document_back_blob = None
    verification.erased_at = datetime.now(UTC)
    faces.delete(session, verification.id)  # the face descriptor is biometric personal data
    # a re-verification's new report holds the same personal data as the result's
    session.execute(
        update(ReverifyItem).where(ReverifyItem.verification_id == verification.id).values(report=None)
    )
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.verification_id == verification.id, WebhookDelivery.status == "pending")
        .values(status="cancelled")
    )
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.verification_id == verification.id)
        .values(payload=None, url=None)
    )
    audit(session, "verification.erased", tenant_id=verification.tenant_id, verification_id=verification.id,
          why=why, status=verification.status, decision=verification.decision, reasons=codes)  # fmt: skip
    session.flush()
    still_used = set()
    if names:
        cols = (Verification.selfie_blob, Verification.document_blob, Verification.document_back_blob)
        for col in cols:
            still_used |= set(session.scalars(select(col).where(col.in_(names))))
    session.commit()
    for name in names - still_used:
        blobs.delete(name)


def expired(session: Session, older_than_days: int, limit: int = 500) -> list[Verification]:
    """Not yet erased verifications created more than ``older_than_days`` ago (for ``kyc purge``)."""
    return list(
        session.scalars(
            select(Verification)
            .where(
                Verification.erased_at.is_(None),
                Verification.created_at < func.now() - func.make_interval(0, 0, 0, older_than_days),
            )
            .order_by(Verification.created_at)
            .limit(limit)
        )
    )


# --- re-verification runs (``kyc reverify``) ---------------------------------------------------------


def create_reverify_run(
    session: Session,
    *,
    mode: str,
    filters: dict[str, Any],
    policy_version: str,
    policy_toml: str,
    tenant_id: str | None,
    since: datetime | None,
    decision: str | None,
) -> ReverifyRun:
    """A run and one ``pending`` item per completed, not erased verification matching the filters, with
    its current decision and reason codes as the old ones. Commits."""
    run = ReverifyRun(id=new_id(), tenant_id=tenant_id, mode=mode, status="running", filters=filters,
                      policy_version=policy_version, policy_toml=policy_toml, total=0)  # fmt: skip
    session.add(run)
    session.flush()
    chosen = (
        select(literal(run.id), Verification.id, literal("pending"), Result.decision, Result.reason_codes)
        .join(Result, Result.verification_id == Verification.id)
        .where(Verification.status == "completed", Verification.erased_at.is_(None))
    )
    if tenant_id is not None:
        chosen = chosen.where(Verification.tenant_id == tenant_id)
    if since is not None:
        chosen = chosen.where(Verification.created_at >= since)
    if decision is not None:
        chosen = chosen.where(Result.decision == decision)
    cols = ["run_id", "verification_id", "status", "old_decision", "old_reasons"]
    session.execute(insert(ReverifyItem).from_select(cols, chosen))
    run.total = int(
        session.scalar(select(func.count()).select_from(ReverifyItem).where(ReverifyItem.run_id == run.id))
        or 0
    )
    audit(session, "reverify.started", tenant_id=tenant_id, run_id=run.id, mode=mode,
          policy_version=policy_version, total=run.total, filters=filters)  # fmt: skip
    session.commit()
    return run


def open_reverify_run(session: Session, filters: dict[str, Any], policy_toml: str) -> ReverifyRun | None:
    """The newest unfinished run with exactly these filters and policy text (what a rerun continues)."""
    return session.scalar(
        select(ReverifyRun)
        .where(
            ReverifyRun.status == "running",
            ReverifyRun.filters == filters,
            ReverifyRun.policy_toml == policy_toml,
        )  # fmt: skip
        .order_by(ReverifyRun.created_at.desc())
        .limit(1)
    )


def reverify_counts(session: Session, run_id: str) -> dict[str, int]:
    """Items of a run by status (``pending``, ``done``, ``failed``)."""
    rows = session.execute(
        select(ReverifyItem.status, func.count())
        .where(ReverifyItem.run_id == run_id)
        .group_by(ReverifyItem.status)
    )
    return {status: int(n) for status, n in rows}


def pending_reverify_items(session: Session, run_id: str) -> list[str]:
    return list(
        session.scalars(
            select(ReverifyItem.verification_id)
            .where(ReverifyItem.run_id == run_id, ReverifyItem.status == "pending")
            .order_by(ReverifyItem.verification_id)
        )
    )


def finish_reverify_item(
    session: Session,
    run_id: str,
    verification_id: str,
    *,
    new_decision: str | None,
    new_reasons: list[str] | None,
    report: dict[str, Any] | None,
    error: dict[str, Any] | None,
) -> bool:
    """Record a re-verification outcome once: only a ``pending`` item changes (to ``done``, or ``failed``
    with ``error``). Commits. False when the item was already finished (a duplicate job)."""
    row = session.execute(
        update(ReverifyItem)
        .where(
            ReverifyItem.run_id == run_id,
            ReverifyItem.verification_id == verification_id,
            ReverifyItem.status == "pending",
        )  # fmt: skip
        .values(
            status="failed" if error is not None else "done",
            new_decision=new_decision,
            new_reasons=new_reasons,
            report=report,
            error=error,
            updated_at=func.now(),
        )  # fmt: skip
        .returning(ReverifyItem.verification_id)
    ).first()
    session.commit()
    return row is not None
