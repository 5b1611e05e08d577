"""What a service or worker process holds for its lifetime: database, Redis queue, blob store (and, in
the worker, the Engine and the 1:N face gallery). Built once at start, never at import time."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.serializers import JSONSerializer
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from ..settings import Settings
from ..store.blobs import BlobStore, Cipher
from ..store.db import make_engine, session_factory

if TYPE_CHECKING:
    from ..engine import Engine
    from .gallery import GallerySync

log = logging.getLogger(__name__)

JOB_FUNC = "kyc_engine.worker.jobs.process_verification"


def job_id_for(verification_id: str) -> str:
    """A fresh rq job id per enqueue; the verification id is the part before the underscore."""
    return f"{verification_id}_{uuid.uuid4().hex[:8]}"


def verification_of(job_id: str) -> str:
    return job_id.split("_", 1)[0]


@dataclass
class Runtime:
    settings: Settings
    db: SqlEngine
    sessions: sessionmaker[Session]
    redis: Redis
    queue: Queue
    cipher: Cipher
    blobs: BlobStore
    engine: Engine | None = None
    gallery: GallerySync | None = None  # the worker's 1:N face gallery (None: no duplicate search)

    @classmethod
    def build(cls, settings: Settings, *, pool_size: int = 5) -> Runtime:
        svc = settings.service
        db = make_engine(svc.database_url, pool_size=pool_size)
        redis = Redis.from_url(svc.redis_url, socket_timeout=5, socket_connect_timeout=3)
        queue = Queue(svc.queue_name, connection=redis, serializer=JSONSerializer)
        cipher = Cipher.from_settings(svc)
        return cls(settings, db, session_factory(db), redis, queue, cipher, BlobStore(svc.blob_dir, cipher))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as s:
            yield s

    def _enqueue_into(self, pipe: Pipeline, verification_id: str) -> None:
        """rq's commands for a job (the id only, JSON-serialised), queued on ``pipe``, not sent."""
        svc = self.settings.service
        self.queue.enqueue(
            JOB_FUNC,
            verification_id,
            job_id=job_id_for(verification_id),
            job_timeout=svc.job_timeout_s,
            retry=Retry(max=svc.job_retries, interval=[5, 15, 60, 180, 600]),
            result_ttl=3600,
            failure_ttl=7 * 86400,
            pipeline=pipe,
        )

    def enqueue(self, verification_id: str) -> bool:
        """Put a job on the queue: the job hash and the queue push in one round trip. False if Redis is
        unreachable: the row is already committed, so the reconciler will enqueue it later."""
        try:
            with self.redis.pipeline() as pipe:
                self._enqueue_into(pipe, verification_id)
                pipe.execute()
            return True
        except RedisError:
            log.warning("enqueue failed (Redis unavailable); the reconciler will enqueue %s", verification_id)
            return False

    async def enqueue_async(
        self, redis: AsyncRedis, verification_id: str, also: Sequence[tuple[str | int | float, ...]] = ()
    ) -> bool:
        """:meth:`enqueue` awaited on the event loop (the API): rq writes its commands into a pipeline
        that is never executed, and they are sent through ``redis`` (``redis.asyncio``) instead.
        ``also``: more Redis commands for the same MULTI/EXEC (the API's submit-step timings)."""
        recorded = self.redis.pipeline()
        try:
            if self.queue.redis_server_version is None:  # rq would ask with a blocking INFO: ask here
                version = str((await redis.info("server"))["redis_version"])
                parts = [int(p) for p in version.split(".")[:3]] + [0, 0]
                self.queue.redis_server_version = (parts[0], parts[1], parts[2])
            self._enqueue_into(recorded, verification_id)
            async with redis.pipeline(transaction=True) as pipe:  # MULTI/EXEC, as rq's own pipeline
                for args, options in recorded.command_stack:
                    pipe.execute_command(*args, **options)
                for command in also:
                    pipe.execute_command(*command)
                results = await pipe.execute(raise_on_error=False)
            job_errors = [r for r in results[: len(recorded.command_stack)] if isinstance(r, Exception)]
            if job_errors:
                raise job_errors[0]
            if any(isinstance(r, Exception) for r in results[len(recorded.command_stack) :]):
                log.warning("submit-step timings not recorded for %s (Redis refused them)", verification_id)
            return True
        except RedisError:
            log.warning("enqueue failed (Redis unavailable); the reconciler will enqueue %s", verification_id)
            return False
        finally:
            recorded.reset()

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()


_current: Runtime | None = None


def set_runtime(rt: Runtime | None) -> None:
    global _current
    _current = rt


def current() -> Runtime:
    """The runtime the worker built at start (jobs run in that process)."""
    if _current is None:
        raise RuntimeError("no worker runtime: jobs run only inside `kyc worker`")
    return _current
