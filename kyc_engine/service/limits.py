"""Request-size limit (ASGI middleware, before any parsing) and per-key rate limiting (Redis)."""

from __future__ import annotations

import json
import logging
import time

from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InputError
from .errors import ApiError

log = logging.getLogger(__name__)


class RequestTooLarge(InputError):
    code = "input.request_too_large"


class BodyLimit:
    """Answer 413 from ``Content-Length`` without reading the body; count streamed (chunked) bodies too."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            err = RequestTooLarge(
                f"The request body is larger than {self.max_bytes} bytes.",
                detail={"limit": self.max_bytes, "size": int(length) if length.isdigit() else None},
            )
            body = json.dumps(err.to_dict()).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise RequestTooLarge(
                        f"The request body is larger than {self.max_bytes} bytes.",
                        detail={"limit": self.max_bytes},
                    )
            return message

        await self.app(scope, counting, send)


class RateLimiter:
    """Fixed one-minute window per API key: ``INCR`` + ``EXPIRE`` in one round trip.

    If Redis is unreachable the request is let through (logged): availability over strictness."""

    def __init__(self, redis: AsyncRedis, per_minute: int, prefix: str) -> None:
        self.redis = redis
        self.per_minute = per_minute
        self.prefix = prefix

    async def check(self, key_id: str) -> None:
        """Count this request; ``ApiError(429)`` past the limit. Awaited on the event loop."""
        if self.per_minute <= 0:
            return
        window = int(time.time() // 60)
        name = f"{self.prefix}:ratelimit:{key_id}:{window}"
        try:
            async with self.redis.pipeline() as pipe:
                pipe.incr(name)
                pipe.expire(name, 120)
                count = int((await pipe.execute())[0])
        except RedisError:
            log.warning("rate limiter: Redis unavailable, request allowed")
            return
        if count > self.per_minute:
            retry = 60 - int(time.time()) % 60
            raise ApiError(429, "rate_limited", f"More than {self.per_minute} requests per minute for this API key.",
                           {"limit_per_minute": self.per_minute, "retry_after_s": retry})  # fmt: skip
