"""Persistence for the service and the worker: PostgreSQL (SQLAlchemy 2 + Alembic) and the blob store.

Nothing here is needed by the ``kyc`` CLI; only ``kyc serve``, ``kyc worker`` and ``kyc purge`` use it.
"""
