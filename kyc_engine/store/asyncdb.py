"""The API's asynchronous PostgreSQL pool (psycopg 3 + psycopg_pool) for the submit hot path.

The submit path used to run in a worker thread with a SQLAlchemy connection, and every database and
Redis wait then handed the GIL back and forth between that thread and the event loop. Awaiting psycopg's
async connection on the event loop instead cut the context switches per submission from 56 to 39 and the
API's CPU from 4.7 to 4.5 ms under 20 concurrent clients next to 2 busy workers (benchmarks/submit_profile.py,
run notes in benchmarks/RESULTS.md, service section). Everything else (reads, listing, erasure, the worker) keeps the
SQLAlchemy session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ..errors import TransientError
from .db import connection_is_stale, libpq_url

AsyncConnection = psycopg.AsyncConnection[tuple[object, ...]]


async def _check(conn: AsyncConnection) -> None:
    """Checkout check without a round trip. A stale connection is closed (so the pool, which takes back a
    connection that failed its check, drops it and connects a replacement) and another one is tried."""
    if connection_is_stale(conn):
        await conn.close()
        raise psycopg.OperationalError("the server closed the pooled connection")


def make_async_pool(
    url: str, *, min_size: int, max_size: int, timeout_s: float = 10.0
) -> AsyncConnectionPool:
    """An autocommit pool (each statement of the submit path is its own transaction) of ``min_size``
    connections kept open (psycopg_pool adds one at a time beyond that, so a burst would wait). Not
    opened: call ``await pool.open()`` in the event loop that will use it (the API's lifespan)."""
    return AsyncConnectionPool(
        libpq_url(url),
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True},
        check=_check,
        timeout=timeout_s,
        open=False,
        name="kyc-api",
    )


@asynccontextmanager
async def transient_pg(pool: AsyncConnectionPool) -> AsyncIterator[AsyncConnection]:
    """A pooled connection; a refused, lost or exhausted database becomes :class:`TransientError`."""
    try:
        async with pool.connection() as conn:
            yield conn
    except PoolTimeout as exc:
        raise TransientError("The database is unavailable.", code="transient.database") from exc
    except psycopg.OperationalError as exc:
        raise TransientError("The database connection was lost.", code="transient.database") from exc
