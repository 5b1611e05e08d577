"""FastAPI dependencies: the process runtime (built in lifespan) and the authenticated tenant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from ..store import repo
from ..store.db import transient_db
from ..worker.runtime import Runtime
from .errors import ApiError
from .limits import RateLimiter


def get_runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    key_id: str


def get_caller(
    request: Request,
    rt: Annotated[Runtime, Depends(get_runtime)],
    authorization: Annotated[str | None, Header(description="`Bearer <API key>`")] = None,
    x_api_key: Annotated[str | None, Header(description="The API key (alternative to Authorization)")] = None,
) -> Caller:
    key = x_api_key
    if key is None and authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise ApiError(401, "auth.missing_key", "Send the API key as `Authorization: Bearer <key>`.")
    with rt.session() as s, transient_db():
        found = repo.authenticate(s, key)
    if found is None:
        raise ApiError(401, "auth.invalid_key", "The API key is not valid.")
    limiter: RateLimiter = request.app.state.limiter
    limiter.check(found[1])
    return Caller(*found)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CallerDep = Annotated[Caller, Depends(get_caller)]
