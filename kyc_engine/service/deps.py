"""FastAPI dependencies: the process runtime (built in lifespan) and the authenticated tenant."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool

from ..store import repo
from ..store.db import transient_db
from ..worker.runtime import Runtime
from .errors import ApiError
from .limits import RateLimiter


class AuthCache:
    """Valid keys seen in the last ``ttl_s`` seconds (by hash), sparing a database round trip per request.

    A revoked key keeps working in this process for at most ``ttl_s`` seconds; unknown keys are never
    cached (so a new key works at once)."""

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, tuple[str, str]]] = {}

    def get(self, key: str) -> tuple[str, str] | None:
        hit = self._entries.get(repo.hash_key(key))
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: str, value: tuple[str, str]) -> None:
        if self.ttl_s <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[repo.hash_key(key)] = (time.monotonic() + self.ttl_s, value)


async def get_runtime(request: Request) -> Runtime:
    # async (it does no I/O): FastAPI runs a plain ``def`` dependency in the thread pool, a hop per request
    rt: Runtime = request.app.state.runtime
    return rt


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    key_id: str


def _lookup_key(rt: Runtime, key: str) -> tuple[str, str] | None:
    with rt.session() as s, transient_db():
        return repo.authenticate(s, key)


async def get_caller(
    request: Request,
    rt: Annotated[Runtime, Depends(get_runtime)],
    authorization: Annotated[str | None, Header(description="`Bearer <API key>`")] = None,
    x_api_key: Annotated[str | None, Header(description="The API key (alternative to Authorization)")] = None,
) -> Caller:
    """The tenant of the API key. A cached key costs no thread hop and no I/O; the database lookup (cache
    miss) runs in the thread pool, the Redis rate limit (when enabled) is awaited on the event loop."""
    key = x_api_key
    if key is None and authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise ApiError(401, "auth.missing_key", "Send the API key as `Authorization: Bearer <key>`.")
    cache: AuthCache = request.app.state.auth_cache
    found = cache.get(key)
    if found is None:
        found = await run_in_threadpool(_lookup_key, rt, key)
        if found is not None:
            cache.put(key, found)
    if found is None:
        raise ApiError(401, "auth.invalid_key", "The API key is not valid.")
    limiter: RateLimiter = request.app.state.limiter
    if limiter.per_minute > 0:
        await limiter.check(found[1])
    return Caller(*found)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CallerDep = Annotated[Caller, Depends(get_caller)]
