"""The server-side ``kyc`` subcommands: serve, worker, purge, tenant, migrate (they need PostgreSQL and
Redis; every other ``kyc`` command runs without them)."""

from __future__ import annotations

import logging
from typing import Any

from ..errors import InputError
from ..settings import Settings
from ..store import repo
from ..store.db import migrate

log = logging.getLogger(__name__)


def cmd_migrate(settings: Settings) -> dict[str, Any]:
    migrate(settings.service.database_url)
    return {"migrated": True}


def cmd_serve(settings: Settings, host: str, port: int, processes: int | None = None) -> int:
    """Migrate, then serve. One process by default (the API only validates, stores and enqueues; the CPU
    work is in `kyc worker`); ``processes`` > 1 runs that many (:mod:`.serve`), each building its app from
    the same environment (settings come from nothing else), so they share one configuration."""
    from ..store.blobs import Cipher
    from .serve import serve

    n = settings.service.api_processes if processes is None else processes
    if n < 1:
        raise InputError(
            "--processes must be at least 1.", code="input.invalid_option", detail={"processes": n}
        )
    migrate(settings.service.database_url)
    Cipher.from_settings(settings.service)  # a missing development key is made once, before any fork
    serve(settings, host, port, n)
    return 0


def cmd_worker(settings: Settings, burst: bool) -> int:
    from ..worker.main import run_worker

    return run_worker(settings, burst=burst)


def cmd_purge(
    settings: Settings, older_than_days: int | None, orphan_grace_hours: float = 24.0
) -> dict[str, Any]:
    """Erase every verification older than the retention period (images, personal data), then remove blob
    files no verification refers to that are older than ``orphan_grace_hours`` (:mod:`..store.sweep`)."""
    from datetime import timedelta

    from ..store.sweep import sweep_blobs
    from ..worker.runtime import Runtime

    days = settings.service.retention_days if older_than_days is None else older_than_days
    migrate(settings.service.database_url)
    rt = Runtime.build(settings, pool_size=1)
    erased = 0
    try:
        with rt.session() as s:
            while batch := repo.expired(s, days):
                for v in batch:
                    repo.erase(s, rt.blobs, v, why="retention")
                    erased += 1
        with rt.session() as s:
            swept = sweep_blobs(s, rt.blobs, grace=timedelta(hours=orphan_grace_hours))
            if swept.temporary or swept.orphans:
                repo.audit(
                    s, "blobs.swept", temporary=swept.temporary, orphans=swept.orphans, bytes=swept.bytes
                )
                s.commit()
    finally:
        rt.close()
    return {
        "erased": erased,
        "older_than_days": days,
        "unreferenced_files_removed": {
            "temporary": swept.temporary,
            "orphans": swept.orphans,
            "bytes": swept.bytes,
        },
        "unreferenced_files_kept_recent": swept.kept_recent,
    }


def cmd_tenant_create(settings: Settings, name: str) -> dict[str, Any]:
    from ..worker.runtime import Runtime

    migrate(settings.service.database_url)
    rt = Runtime.build(settings, pool_size=1)
    try:
        with rt.session() as s:
            t = repo.create_tenant(s, rt.cipher, name)
            s.commit()
    finally:
        rt.close()
    return {"tenant_id": t.tenant_id, "api_key": t.api_key, "webhook_secret": t.webhook_secret}
