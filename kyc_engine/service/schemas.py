"""Response models (they are the OpenAPI document of the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["queued", "processing", "completed", "failed"]
Decision = Literal["verified", "rejected", "review", "retry"]


class ErrorOut(BaseModel):
    code: str = Field(description="Stable dotted code, e.g. input.not_an_image, auth.invalid_key.")
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


class Submitted(BaseModel):
    id: str
    status: Status


class VerificationOut(BaseModel):
    id: str
    status: Status
    decision: Decision | None = None
    external_ref: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
    erased: bool = False
    error: ErrorOut | None = Field(None, description="Why a verification failed (status failed).")
    report: dict[str, Any] | None = Field(
        None, description="When completed: the `kyc verify --json` object (null after erasure)."
    )


class VerificationPage(BaseModel):
    items: list[VerificationOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page.")


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        400: "Malformed multipart body",
        401: "Missing or invalid API key",
        404: "No such verification for this tenant",
        409: "Idempotency-Key reused with different content",
        413: "Body or file too large",
        415: "Not an image / unsupported format / not multipart",
        422: "Invalid field (registration JSON, image truncated or too many pixels ...)",
        429: "Rate limit exceeded",
    }.items()
}
