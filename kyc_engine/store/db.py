"""Database connection and schema migrations (Alembic, shipped inside the package).

``connect(url)`` returns a session factory; ``migrate(url)`` brings the schema to the newest revision
(``kyc serve`` and ``kyc worker`` call it at start, under a PostgreSQL advisory lock so two processes
starting together do not race).
"""

from __future__ import annotations

import logging
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import TransientError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x6B7963  # "kyc": advisory lock id held while migrating


def make_engine(url: str, *, pool_size: int = 5) -> SqlEngine:
    """A pooled SQLAlchemy engine whose connections are checked at checkout (:func:`check_connection`), so
    a restarted or terminated server connection is replaced instead of failing the request."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=10, pool_recycle=1800)
    event.listen(engine, "checkout", check_connection)
    return engine


def connection_is_stale(conn: Any) -> bool:
    """Whether an idle psycopg 3 connection is dead, without a round trip. Nothing here LISTENs, so the
    server has nothing to say to an idle connection: a readable socket means it closed the connection
    (restart, ``pg_terminate_backend``, idle timeout: its FATAL notice and EOF are waiting). A connection
    psycopg already marked closed or broken is dead too."""
    if conn.closed or conn.broken:
        return True
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def check_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Pool checkout check (:func:`connection_is_stale`) instead of ``pool_pre_ping``, which costs a round
    trip per checkout. Raising ``DisconnectionError`` makes the pool discard the connection and connect
    afresh (SQLAlchemy's documented pessimistic-disconnect hook). Other drivers pass unchecked."""
    if getattr(dbapi_connection, "pgconn", None) is not None and connection_is_stale(dbapi_connection):
        raise DisconnectionError("the server closed the pooled connection")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL (``postgresql+psycopg://…``) as a libpq connection string for plain psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def session_factory(engine: SqlEngine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transient_db() -> Iterator[None]:
    """Turn a lost or refused database connection into :class:`TransientError` (the retryable kind)."""
    try:
        yield
    except OperationalError as exc:
        raise TransientError("The database is unavailable.", code="transient.database") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise TransientError("The database connection was lost.", code="transient.database") from exc
        raise


def migrate(url: str) -> None:
    """Upgrade the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    engine = make_engine(url, pool_size=1)
    try:
        with transient_db(), engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
