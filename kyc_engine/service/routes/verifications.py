"""/v1/verifications: submit (multipart, idempotent), read, list, erase. Every query is tenant-scoped."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request, Response

from ...errors import InputError, KycError
from ...registration.model import parse_registration
from ...store import repo
from ...store.asyncdb import transient_pg
from ...store.db import transient_db
from ...store.models import Verification
from ...worker.runtime import Runtime
from ..callbacks import check_callback_url
from ..deps import Caller, CallerDep, RuntimeDep
from ..errors import ApiError
from ..schemas import ERRORS, Submitted, VerificationOut, VerificationPage
from ..submit_steps import StepTimer, record_commands, steps_key
from ..uploads import boundary_of, parse_multipart, probe_image

router = APIRouter(prefix="/v1", tags=["verifications"])

IMAGE_PARTS = ("selfie", "document", "document_back")
MAX_PARTS = 16  # the 7 known fields, with room for a client's extra (refused by name, not by count)
MAX_FIELD_BYTES = 1024 * 1024  # registration and the text fields
LANGS = ("en", "sw", "kk", "ru", "sq")
MULTIPART_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["selfie", "document", "registration"],
                    "properties": {
                        "selfie": {
                            "type": "string",
                            "format": "binary",
                            "description": "The applicant's selfie",
                        },
                        "document": {
                            "type": "string",
                            "format": "binary",
                            "description": "ID document photo",
                        },
                        "document_back": {"type": "string", "format": "binary", "description": "Back side"},
                        "registration": {
                            "type": "string",
                            "description": 'JSON as for `kyc verify`: {"full_name", "birth_date", "id_number", '
                            '"country", "sex", "company_id"}',
                        },
                        "external_ref": {"type": "string", "maxLength": 200},
                        "callback_url": {
                            "type": "string",
                            "format": "uri",
                            "description": "Signed webhook target",
                        },
                        "lang": {"type": "string", "enum": list(LANGS), "default": "en"},
                    },
                }
            }
        },
    }
}


def _bad(code: str, message: str, **detail: Any) -> InputError:
    return InputError(message, code=code, detail=detail)


async def _read_form(request: Request, rt: Runtime) -> dict[str, Any]:
    """The multipart fields as bytes/str; images bounded by ``limits.max_upload_bytes``.

    The whole body is read first (``BodyLimit`` bounds it), then split in one pass (:func:`parse_multipart`)."""
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise _bad(
            "input.content_type", "Send the verification as multipart/form-data.", content_type=ctype[:100]
        )
    boundary = boundary_of(ctype)
    parts = parse_multipart(await request.body(), boundary, max_parts=MAX_PARTS)
    max_bytes = rt.settings.limits.max_upload_bytes
    out: dict[str, Any] = {}
    for part in parts:
        key = part.name
        if key in out:
            raise _bad("input.duplicate_field", f"{key} was sent twice.", field=key[:50])
        if key in IMAGE_PARTS:
            if part.filename is None:
                raise _bad("input.not_a_file", f"{key} must be a file part.", field=key)
            if len(part.data) > max_bytes:
                raise _bad("input.too_large", f"{key}: the file is larger than {max_bytes} bytes.",
                           name=key, limit=max_bytes)  # fmt: skip
            out[key] = part.data
        elif len(part.data) > MAX_FIELD_BYTES:
            raise _bad(
                "input.malformed_body", f"{key[:50]} is larger than {MAX_FIELD_BYTES} bytes.", field=key[:50]
            )
        elif key == "registration":
            out[key] = part.data
        elif key in ("external_ref", "callback_url", "lang"):
            if part.filename is not None:
                raise _bad("input.invalid_field", f"{key} must be a text field.", field=key)
            try:
                out[key] = part.data.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise _bad("input.invalid_field", f"{key} is not UTF-8 text.", field=key) from exc
        else:
            raise _bad("input.unknown_field", f"Unknown field {key!r}.", field=key[:50])
    for key in ("selfie", "document", "registration"):
        if key not in out:
            raise _bad("input.missing_field", f"{key} is required.", field=key)
    return out


def _validate_text(fields: dict[str, Any], rt: Runtime) -> None:
    ref = fields.get("external_ref")
    if ref is not None and len(ref) > 200:
        raise _bad("input.invalid_field", "external_ref is longer than 200 characters.", field="external_ref")
    url = fields.get("callback_url")
    if url:
        check_callback_url(url, allow_private=rt.settings.service.callback_allow_private)
    if fields.get("lang", "en") not in LANGS:
        raise _bad("input.invalid_field", f"lang must be one of {', '.join(LANGS)}.", field="lang")


def _request_hash(fields: dict[str, Any]) -> tuple[str, dict[str, bytes]]:
    """The request's SHA-256 (what an Idempotency-Key replay must match) and each part's own digest."""
    h = hashlib.sha256()
    digests = {}
    for key in (*IMAGE_PARTS, "registration", "external_ref", "callback_url", "lang"):
        value = fields.get(key)
        raw = value if isinstance(value, bytes) else (value or "").encode()
        digests[key] = hashlib.sha256(raw).digest()
        h.update(key.encode() + b"\x00" + digests[key])
    return h.hexdigest(), digests


def _replay(existing: repo.Submission, request_sha256: str) -> repo.Submission:
    if existing.request_sha256 != request_sha256:
        raise ApiError(409, "idempotency.conflict",
                       "This Idempotency-Key was used for a different request.", {"id": existing.id})  # fmt: skip
    return existing


async def _create(
    request: Request, rt: Runtime, caller: Caller, fields: dict[str, Any], idem: str | None, timer: StepTimer
) -> repo.Submission:
    """Validate, store, commit, then enqueue (the row is durable before the job exists).

    Runs on the event loop: the database and Redis are awaited (:mod:`kyc_engine.store.asyncdb` says
    why); only the encrypted blob files are written elsewhere, by a writer process or in a thread, since
    file creation, writes and ``fdatasync`` can block on the file system's journal. A replayed Idempotency-Key is
    answered before anything is validated or stored."""
    state = request.app.state
    request_sha256, digests = _request_hash(fields)
    if idem:
        async with transient_pg(state.pg) as conn:
            existing = await repo.find_submission(conn, caller.tenant_id, idem)
        if existing is not None:
            return _replay(existing, request_sha256)
    _validate_text(fields, rt)
    settings = rt.settings
    parse_registration(fields["registration"], today=settings.current_date())
    for key in IMAGE_PARTS:
        if key in fields:
            probe_image(fields[key], max_bytes=settings.limits.max_upload_bytes,
                        max_pixels=settings.limits.max_pixels, name=key)  # fmt: skip
    keys = [key for key in IMAGE_PARTS if key in fields]
    timer.mark("check")
    items = [(fields[key], digests[key]) for key in keys]
    # by a writer process (kyc_engine.service.blob_writers), else in a thread; either way not cancellable:
    # it ends with every file published or none left behind
    names: list[str] | None = None
    if state.blob_pool is not None:
        names = await state.blob_pool.put_many(caller.tenant_id, items)
    if names is None:
        names = await to_thread.run_sync(
            rt.blobs.put_many, caller.tenant_id, items, limiter=state.blob_writers
        )
    blobs = dict(zip(keys, names, strict=True))
    timer.mark("store")
    vid = repo.new_id()
    async with transient_pg(state.pg) as conn:  # a connection per statement: none is held over the writes
        inserted = await repo.insert_submission(
            conn, verification_id=vid, tenant_id=caller.tenant_id, idempotency_key=idem,
            request_sha256=request_sha256, external_ref=fields.get("external_ref") or None,
            callback_url=fields.get("callback_url") or None, lang=fields.get("lang") or "en",
            selfie_blob=blobs["selfie"], document_blob=blobs["document"],
            document_back_blob=blobs.get("document_back"), registration_enc=rt.cipher.encrypt(fields["registration"]),
        )  # fmt: skip
        if not inserted:  # the same Idempotency-Key raced in from another request
            existing = await repo.find_submission(conn, caller.tenant_id, idem) if idem else None
            if existing is None:
                raise KycError("The verification could not be stored.", code="engine.internal")
            return _replay(existing, request_sha256)
    timer.mark("commit")
    await rt.enqueue_async(
        state.aredis, vid, record_commands(steps_key(rt.settings.service.queue_name), timer.ms)
    )
    return repo.Submission(vid, "queued", request_sha256)


@router.post(
    "/verifications",
    status_code=202,
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=MULTIPART_DOC,
    summary="Submit a verification (multipart); processed asynchronously",
)
async def submit(
    request: Request,
    rt: RuntimeDep,
    caller: CallerDep,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="Same key → same verification")
    ] = None,
) -> Submitted:
    """Validates the uploads (format sniffed from the bytes, size, pixels, truncation) and the registration
    JSON, stores them encrypted, commits the verification and enqueues it. Answers 202 with the id; poll
    `GET /v1/verifications/{id}` or pass `callback_url` for a signed webhook."""
    timer = StepTimer()
    fields = await _read_form(request, rt)
    timer.mark("read")
    v = await _create(request, rt, caller, fields, idempotency_key, timer)
    return Submitted(id=v.id, status=v.status)


def _out(v: Verification, report: dict[str, Any] | None) -> VerificationOut:
    return VerificationOut(
        id=v.id, status=v.status, decision=v.decision, external_ref=v.external_ref,
        created_at=v.created_at, completed_at=v.completed_at, erased=v.erased_at is not None,
        error=v.error, report=report,
    )  # fmt: skip


def _not_found(verification_id: str) -> ApiError:
    return ApiError(404, "verification.not_found", "No such verification.", {"id": verification_id[:64]})


@router.get("/verifications/{verification_id}", response_model=VerificationOut, responses=ERRORS)
def get_verification(verification_id: str, rt: RuntimeDep, caller: CallerDep) -> VerificationOut:
    """Status (queued | processing | completed | failed) and, once completed, the report."""
    with rt.session() as s, transient_db():
        v = repo.get_verification(s, caller.tenant_id, verification_id)
        if v is None:
            raise _not_found(verification_id)
        result = repo.get_result(s, v.id) if v.status == "completed" else None
        return _out(v, result.report if result else None)


def _cursor(v: Verification) -> str:
    return base64.urlsafe_b64encode(f"{v.created_at.isoformat()}|{v.id}".encode()).decode()


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        when, vid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(when), vid
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad("input.invalid_cursor", "cursor is not one this API returned.") from exc


@router.get("/verifications", response_model=VerificationPage, responses=ERRORS)
def list_verifications(
    rt: RuntimeDep,
    caller: CallerDep,
    status: Annotated[str | None, Query(pattern="^(queued|processing|completed|failed)$")] = None,
    decision: Annotated[str | None, Query(pattern="^(verified|rejected|review|retry)$")] = None,
    since: Annotated[datetime | None, Query(description="Created at or after (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> VerificationPage:
    """This tenant's verifications, newest first, without reports (fetch one for its report)."""
    before = _parse_cursor(cursor) if cursor else None
    with rt.session() as s, transient_db():
        rows = repo.list_verifications(s, caller.tenant_id, status=status, decision=decision, since=since,
                                       before=before, limit=limit + 1)  # fmt: skip
    items = [_out(v, None) for v in rows[:limit]]
    return VerificationPage(items=items, next_cursor=_cursor(rows[limit - 1]) if len(rows) > limit else None)


@router.delete("/verifications/{verification_id}", status_code=204, responses=ERRORS)
def erase_verification(verification_id: str, rt: RuntimeDep, caller: CallerDep) -> Response:
    """Erase the images and personal data (registration, report, external_ref, callback); keep the id,
    status, decision, reason codes and an audit entry."""
    with rt.session() as s, transient_db():
        v = repo.get_verification(s, caller.tenant_id, verification_id)
        if v is None:
            raise _not_found(verification_id)
        if v.erased_at is None:
            repo.erase(s, rt.blobs, v, why="api")
    return Response(status_code=204)


__all__ = ["router", "KycError"]
