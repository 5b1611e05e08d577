"""Queries on ``face_embeddings``: the stored selfie descriptors of verified cases (1:N duplicate search).

A row is written by :func:`kyc_engine.store.repo.finish` in the transaction that records a ``verified``
result (:func:`save`) and deleted by :func:`kyc_engine.store.repo.erase` (:func:`delete`): a descriptor is
biometric personal data and goes with the rest. ``vector`` holds ``dim`` little-endian float32 values as
the embedder returned them (dlib descriptors are compared by Euclidean distance and are *not*
L2-normalised).

Workers keep the rows in memory (:mod:`kyc_engine.worker.gallery`) and follow later changes through
:class:`ChangeFeed`, a watermark on ``audit_log.id``: ``finish`` and ``erase`` write their audit entry in
the same transaction as the embedding row, and ``audit_log.id`` is the only increasing, indexed column
the schema offers for this (``face_embeddings`` has no index on ``created_at``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .models import AuditLog, FaceEmbedding

__all__ = [
    "ChangeFeed",
    "Changes",
    "NewFace",
    "StoredFace",
    "active_ids",
    "delete",
    "fetch",
    "save",
    "stream",
    "tenant_counts",
]

#: Audit actions the feed follows (written by ``repo.finish`` and ``repo.erase``).
COMPLETED: Final = "verification.completed"
#: Audit actions of :func:`repo.record_decision_change` (``decision.review``, ``decision.reverify``).
DECISION_CHANGED: Final = "decision."
ERASED: Final = "verification.erased"
#: How long an audit id that was skipped (allocated, not yet committed) is looked for again. ``finish``
#: allocates its audit id at the flush right before COMMIT, so a real gap closes within milliseconds;
#: ids of rolled-back transactions never appear and are given up after this long.
HOLE_TTL_S: Final = 120.0
#: At start, the feed looks this many audit ids back for transactions still in flight.
START_LOOKBACK: Final = 1000
_STREAM_BATCH: Final = 10_000


_COLUMNS: Final = (
    FaceEmbedding.verification_id,
    FaceEmbedding.tenant_id,
    FaceEmbedding.subject_hash,
    FaceEmbedding.dim,
    FaceEmbedding.vector,
)


@dataclass(frozen=True)
class NewFace:
    """The selfie descriptor of a case being recorded as verified."""

    subject_hash: str
    model: str
    vector: np.ndarray


@dataclass(frozen=True)
class StoredFace:
    verification_id: str
    tenant_id: str
    subject_hash: str
    vector: np.ndarray  # float32, read-only view of the stored bytes


def _decode(blob: bytes, dim: int) -> np.ndarray:
    v = np.frombuffer(blob, dtype="<f4")
    if v.shape[0] != dim:
        raise ValueError(f"stored face vector has {v.shape[0]} values, the row says {dim}")
    return v


def save(session: Session, verification_id: str, tenant_id: str, face: NewFace) -> None:
    """Insert the row (once per verification; a second insert is ignored). Does not commit.

    ``created_at`` is the insert's own clock (not the transaction start, which in the worker is before
    the engine ran), so the column tells when the row became visible, to within the commit."""
    vector = np.ascontiguousarray(face.vector, dtype="<f4").reshape(-1)
    if not np.isfinite(vector).all():
        raise ValueError("face vector must be finite")
    session.execute(
        insert(FaceEmbedding)
        .values(
            verification_id=verification_id,
            tenant_id=tenant_id,
            subject_hash=face.subject_hash,
            model=face.model,
            dim=int(vector.shape[0]),
            vector=vector.tobytes(),
            active=True,
            created_at=func.clock_timestamp(),
        )
        .on_conflict_do_nothing()
    )


def delete(session: Session, verification_id: str) -> int:
    """Delete the verification's row (erasure); returns how many. Does not commit."""
    result = session.execute(
        sql_delete(FaceEmbedding).where(FaceEmbedding.verification_id == verification_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def tenant_counts(session: Session, model: str) -> dict[str, int]:
    """Active rows of ``model`` per tenant (to size each tenant's index before loading it)."""
    rows = session.execute(
        select(FaceEmbedding.tenant_id, func.count())
        .where(FaceEmbedding.model == model, FaceEmbedding.active)
        .group_by(FaceEmbedding.tenant_id)
    )
    return {tenant: int(n) for tenant, n in rows}


def stream(session: Session, model: str, tenant_id: str) -> Iterator[StoredFace]:
    """Every active row of ``model`` of one tenant, read through a server-side cursor in batches, so the
    whole table is never held twice in memory (no ORDER BY: nothing for the server to sort)."""
    q = (
        select(*_COLUMNS)
        .where(FaceEmbedding.tenant_id == tenant_id, FaceEmbedding.model == model, FaceEmbedding.active)
        .execution_options(yield_per=_STREAM_BATCH)
    )
    for vid, tenant, subject, dim, blob in session.execute(q):
        yield StoredFace(vid, tenant, subject, _decode(blob, dim))


def fetch(session: Session, model: str, verification_ids: Iterable[str]) -> list[StoredFace]:
    """The active rows of ``model`` among ``verification_ids`` (primary-key lookups)."""
    ids = list(verification_ids)
    if not ids:
        return []
    rows = session.execute(
        select(*_COLUMNS).where(
            FaceEmbedding.verification_id.in_(ids), FaceEmbedding.model == model, FaceEmbedding.active
        )
    )
    return [StoredFace(vid, tenant, subject, _decode(blob, dim)) for vid, tenant, subject, dim, blob in rows]


def active_ids(session: Session, verification_ids: Iterable[str]) -> set[str]:
    """Which of ``verification_ids`` still have an active row (a search hit is re-checked here before it
    becomes a reason, so a row erased or deactivated since the last refresh is never reported)."""
    ids = list(verification_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(FaceEmbedding.verification_id).where(
                FaceEmbedding.verification_id.in_(ids), FaceEmbedding.active
            )
        )
    )


@dataclass(frozen=True)
class Changes:
    """Verifications completed (maybe with a new face row) and erased since the last poll."""

    completed: list[str]
    erased: list[str]


@dataclass
class ChangeFeed:
    """Follows ``audit_log`` past a watermark id: which verifications completed (or had their decision changed)
    or were erased.

    Sequence ids are allocated before commit, so a transaction can commit an id *below* one already
    read. Every id between the old and the new watermark that was not seen is kept as a hole and asked
    for again on each poll until it shows up or ``HOLE_TTL_S`` passes. One poll is one indexed range
    scan of the audit entries written since the last one (all tenants, every action).
    """

    watermark: int
    holes: dict[int, float] = field(default_factory=dict)  # audit id -> monotonic time first missed

    @classmethod
    def start(cls, session: Session) -> ChangeFeed:
        """A feed from now on: the newest audit id, with the gaps just below it as holes. Start the feed
        *before* loading the rows, so that nothing committed in between is missed (a row seen twice is
        harmless: the gallery skips a case it holds)."""
        top = int(session.scalar(select(func.max(AuditLog.id))) or 0)
        low = max(0, top - START_LOOKBACK)
        seen = set(session.scalars(select(AuditLog.id).where(AuditLog.id > low, AuditLog.id <= top)))
        feed = cls(top)
        feed._mark_holes(low, top, seen)
        return feed

    def poll(self, session: Session) -> Changes:
        rows = session.execute(
            text(
                "SELECT id, action, verification_id FROM audit_log "
                "WHERE id > :w OR id = ANY(CAST(:holes AS bigint[])) ORDER BY id"
            ),
            {"w": self.watermark, "holes": list(self.holes)},
        ).all()
        completed: list[str] = []
        erased: list[str] = []
        seen: set[int] = set()
        for audit_id, action, verification_id in rows:
            seen.add(audit_id)
            self.holes.pop(audit_id, None)
            if verification_id is None:
                continue
            if action == COMPLETED or action.startswith(DECISION_CHANGED):
                # an override or applied re-verification may have (re)activated the case's face
                completed.append(verification_id)
            elif action == ERASED:
                erased.append(verification_id)
        top = max(seen | {self.watermark})
        self._mark_holes(self.watermark, top, seen)
        self.watermark = top
        now = time.monotonic()
        for hole in [h for h, t in self.holes.items() if now - t > HOLE_TTL_S]:
            del self.holes[hole]
        return Changes(completed, erased)

    def _mark_holes(self, low: int, high: int, seen: set[int]) -> None:
        now = time.monotonic()
        for audit_id in range(low + 1, high + 1):
            if audit_id not in seen:
                self.holes.setdefault(audit_id, now)
