"""Database connection and schema migrations (Alembic, shipped inside the package).

``connect(url)`` returns a session factory; ``migrate(url)`` brings the schema to the newest revision
(``kyc serve`` and ``kyc worker`` call it at start, under a PostgreSQL advisory lock so two processes
starting together do not race).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import TransientError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x6B7963  # "kyc": advisory lock id held while migrating


def make_engine(url: str, *, pool_size: int = 5) -> SqlEngine:
    """A pooled SQLAlchemy engine; connections are checked before use so a restarted server is survived."""
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True, pool_recycle=1800)


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
