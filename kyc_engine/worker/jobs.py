"""The one rq job: ``process_verification(verification_id)``.

Idempotent: the job first claims the row with a conditional UPDATE; a job for a row that is already
completed, failed, erased or owned by a live worker does nothing. Only :class:`TransientError` escapes
(rq then retries with back-off); bad input and engine errors end the verification as ``failed`` with
their error code, never as a retry loop.

A case decided ``verified`` stores its selfie descriptor (``face_embeddings``) in the transaction that
records the result; before the engine runs, the worker's gallery is refreshed and the tenant's view of it
is searched for the same face under another registration (``face.duplicate_identity``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.exceptions import RedisError
from rq.timeouts import JobTimeoutException
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import KycError, TransientError
from ..imageio import LoadedImage, load_image
from ..match.duplicates import subject_hash
from ..match.index import DuplicateIndex
from ..policy import Policy
from ..registration.model import parse_registration
from ..store import repo
from ..store.db import transient_db
from ..store.faces import NewFace
from ..store.models import Verification
from ..verify import VerifyReport
from .runtime import Runtime, current

log = logging.getLogger(__name__)


def webhook_body(v: Verification, report: dict[str, Any] | None, error: dict[str, Any] | None) -> bytes:
    body = {
        "event": "verification.completed" if report is not None else "verification.failed",
        "id": v.id,
        "status": "completed" if report is not None else "failed",
        "external_ref": v.external_ref,
        "decision": report["decision"] if report is not None else None,
        "report": report,
        "error": error,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def verify_stored(
    rt: Runtime, v: Verification, policy: Policy | None = None, face_index: DuplicateIndex | None = None
) -> VerifyReport:
    """Verify one stored verification with the worker's engine (and ``policy``, default the settings').
    ``face_index``: the 1:N gallery view to search (see :func:`verify_with_gallery`). Raises
    :class:`KycError` for missing or bad stored input."""
    if rt.engine is None:
        raise RuntimeError("the worker runtime has no engine")
    limits = rt.settings.limits

    def image(name: str, blob: str | None) -> LoadedImage:
        if blob is None:
            raise KycError(f"{name} image is missing", code="store.blob_missing")
        return load_image(rt.blobs.get(blob), max_bytes=limits.max_upload_bytes,
                          max_pixels=limits.max_pixels, name=name)  # fmt: skip

    if v.registration_enc is None:
        raise KycError("registration data is missing", code="store.registration_missing")
    registration = parse_registration(rt.cipher.decrypt(v.registration_enc), today=rt.settings.current_date())
    back = image("document_back", v.document_back_blob) if v.document_back_blob else None
    return rt.engine.verify(
        image("selfie", v.selfie_blob),
        image("document", v.document_blob),
        registration,
        document_back=back,
        policy=policy,
        face_index=face_index,
    )


def verify_with_gallery(
    rt: Runtime, s: Session, v: Verification, policy: Policy | None = None
) -> VerifyReport:
    """:func:`verify_stored` with the 1:N duplicate search: the worker's gallery is refreshed, then the
    verification's tenant view of it is searched (no search when the worker holds no gallery)."""
    view = None
    if rt.gallery is not None:
        with transient_db():
            rt.gallery.refresh(s)
        view = rt.gallery.view(s, v.tenant_id)
    return verify_stored(rt, v, policy, face_index=view)


def run_error(rt: Runtime, exc: Exception, what: str) -> dict[str, Any]:
    """The error recorded when an engine run ended with ``exc`` (never a transient one, which the caller
    re-raises for rq to retry): the :class:`KycError`'s own, a job timeout, or ``engine.internal`` for a
    bug (logged with its traceback; recorded, not retried, so it cannot loop)."""
    if isinstance(exc, KycError):
        return exc.to_dict()
    if isinstance(exc, JobTimeoutException):
        limit = rt.settings.service.job_timeout_s
        return {"code": "engine.timeout", "message": f"verification took longer than {limit} s",
                "detail": {"limit_s": limit}}  # fmt: skip
    log.error("%s: internal error", what, exc_info=exc)
    return {"code": "engine.internal", "message": "internal error", "detail": {"type": type(exc).__name__}}


def stored_face(report: VerifyReport) -> NewFace | None:
    """The selfie descriptor to store for a ``verified`` report (None otherwise): the raw vector comes from
    the report object, never from its JSON, which does not carry it."""
    key = report.subject_key
    if report.decision.decision != "verified" or key is None or report.faces is None:
        return None
    selfie = report.faces.embeddings.get("a")
    if selfie is None:
        return None
    return NewFace(subject_hash(key), selfie.model, selfie.vector)


def process_verification(verification_id: str) -> str:
    """Claim, verify, record. Returns what happened: ``completed``, ``failed``, ``skipped`` or ``superseded``."""
    rt = current()
    stale = rt.settings.service.processing_timeout_s
    with rt.session() as s:
        with transient_db():
            token = repo.claim(s, verification_id, stale)
        if token is None:
            log.info("verification %s: nothing to do (already claimed or finished)", verification_id)
            return "skipped"
        try:
            v = s.get(Verification, verification_id)
            if v is None:
                return "skipped"
            report: dict[str, Any] | None = None
            error: dict[str, Any] | None = None
            face: NewFace | None = None
            try:
                verified = verify_with_gallery(rt, s, v)
                report, face = verified.to_dict(v.lang), stored_face(verified)
            except (TransientError, OperationalError, RedisError):
                raise
            except Exception as exc:
                error = run_error(rt, exc, f"verification {verification_id}")
            with transient_db():
                done = repo.finish(s, verification_id, token, report=report, error=error,
                                   webhook_payload=webhook_body(v, report, error), face=face)  # fmt: skip
        except (TransientError, OperationalError, RedisError) as exc:
            log.warning("verification %s: transient failure (%s); giving the row back", verification_id, exc)
            try:
                s.rollback()
                repo.release(s, verification_id, token)
            except Exception:  # the database may be the thing that is down: the reconciler recovers
                log.warning("verification %s: could not release; the reconciler will", verification_id)
            if isinstance(exc, TransientError):
                raise
            raise TransientError(str(exc), code="transient.unavailable") from exc
    if not done:
        log.warning("verification %s: another worker took it over; result discarded", verification_id)
        return "superseded"
    return "completed" if report is not None else "failed"
