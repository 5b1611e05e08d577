"""Alembic environment: the connection is handed in by ``kyc_engine.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from kyc_engine.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")  # `alembic -x` style use from a shell
    if not url:
        raise RuntimeError("set sqlalchemy.url or call kyc_engine.store.db.migrate(url)")
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
