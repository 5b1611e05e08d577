"""One error schema for every 4xx/5xx: ``{"code", "message", "detail"}``; bad input is never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError, KycError

log = logging.getLogger(__name__)

#: Input codes with a more precise status than 422.
INPUT_STATUS = {
    "input.too_large": 413,
    "input.request_too_large": 413,
    "input.unsupported_format": 415,
    "input.not_an_image": 415,
    "input.content_type": 415,
    "input.malformed_body": 400,
}


class ApiError(KycError):
    """An API-level refusal with its own status (401, 404, 409, 410, 429 ...)."""

    def __init__(self, status: int, code: str, message: str, detail: dict | None = None) -> None:
        super().__init__(message, code=code, detail=detail)
        self.http_status = status


def status_of(err: KycError) -> int:
    if isinstance(err, InputError):
        return INPUT_STATUS.get(err.code, 422)
    return err.http_status


def error_response(err: KycError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(err.to_dict(), status_code=status_of(err), headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(KycError)
    async def _kyc(request: Request, exc: KycError) -> JSONResponse:
        headers = {"Retry-After": str(exc.detail["retry_after_s"])} if "retry_after_s" in exc.detail else None
        return error_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()
        ]
        return error_response(InputError("The request is invalid.", code="input.invalid_request",
                                         detail={"errors": errors}))  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "http.not_found", 405: "http.method_not_allowed", 400: "input.malformed_body"}.get(
            exc.status_code, f"http.{exc.status_code}"
        )
        return JSONResponse(
            {"code": code, "message": str(exc.detail), "detail": {}}, status_code=exc.status_code
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"code": "engine.internal", "message": "Internal error.", "detail": {}}, status_code=500
        )
