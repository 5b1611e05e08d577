"""The FastAPI application. ``create_app(settings)``; the lifespan builds the runtime once.

The API does not run the models: it validates, stores and enqueues, and the workers verify. It still
checks the model files against the manifest at start so ``/readyz`` says when a deployment lacks them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis as AsyncRedis

from ..errors import KycError
from ..settings import Settings, get_settings
from ..store.asyncdb import make_async_pool
from ..worker.heap import freeze_startup_heap
from ..worker.runtime import Runtime
from . import errors
from .blob_writers import BlobWriterPool
from .deps import AuthCache
from .limits import BodyLimit, RateLimiter
from .metrics import KycCollector
from .review.routes import install as install_review
from .routes import health, verifications

log = logging.getLogger(__name__)

#: Submissions writing their image files at once per API process when that is done in threads (writer
#: processes off, or a submission too large for their slots). When the whole submit path still ran in
#: threads, capping them at 4 instead of anyio's 40 narrowed the latency tail at the same accepted rate (a
#: profiling run, not a committed benchmark): more threads only contend for the GIL.
BLOB_WRITERS = 4


def _start_blob_pool(settings: Settings) -> BlobWriterPool | None:
    """The blob writer processes, or None (threads) when configured so or when they cannot start here."""
    svc = settings.service
    if svc.blob_writer_processes == 0:
        return None
    try:
        return BlobWriterPool.start(
            svc, processes=svc.blob_writer_processes, slot_bytes=svc.blob_writer_slot_mb << 20
        )
    except (OSError, AttributeError) as exc:  # AttributeError: no os.memfd_create (not Linux)
        log.warning("blob writer processes unavailable (%s); images are written in threads", exc)
        return None


def _models_status(settings: Settings) -> str:
    from ..engine import VERIFY_STAGES
    from ..manifest import ModelRegistry

    try:
        ModelRegistry.load(settings.manifest_path, settings.model_dir, VERIFY_STAGES)
        return "ok"
    except KycError as exc:
        return f"unavailable: {exc.code}"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = settings.service
        rt = Runtime.build(settings, pool_size=10)
        app.state.runtime = rt
        # the submit path's own connections, awaited on the event loop (kyc_engine.store.asyncdb)
        app.state.pg = make_async_pool(svc.database_url, min_size=4, max_size=10)
        await app.state.pg.open(wait=False)  # a database that is down now answers 503 later, not a crash
        app.state.aredis = AsyncRedis.from_url(svc.redis_url, socket_timeout=5, socket_connect_timeout=3)
        app.state.limiter = RateLimiter(app.state.aredis, svc.rate_limit_per_minute, svc.queue_name)
        app.state.auth_cache = AuthCache(svc.auth_cache_s)
        app.state.blob_writers = CapacityLimiter(BLOB_WRITERS)
        app.state.blob_pool = _start_blob_pool(settings)
        app.state.models_status = _models_status(settings)
        registry = CollectorRegistry()
        registry.register(KycCollector(rt))
        app.state.metrics = registry
        frozen = freeze_startup_heap()
        log.debug("start-up heap frozen: %d objects", frozen)
        try:
            yield
        finally:
            if app.state.blob_pool is not None:
                app.state.blob_pool.close()
            await app.state.pg.close()
            await app.state.aredis.aclose()
            rt.close()

    app = FastAPI(
        title="kyc_engine API",
        version="1",
        summary="Self-hosted eKYC: selfie + ID document + registration data → verified / rejected / review / retry",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.service.max_request_bytes)
    app.include_router(verifications.router)
    app.include_router(health.router)
    install_review(app)  # the reviewer console under /review (server-rendered pages, session login)
    return app
