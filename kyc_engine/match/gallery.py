"""Tenant-scoped 1:N gallery: one :class:`FaceIndex` per tenant, for one embedding model.

A tenant never sees another tenant's faces: each tenant's rows live in their own index, and
:meth:`FaceGallery.view` hands the duplicate check a view of that index alone. Rows are keyed by
``subject_hash`` (:func:`~kyc_engine.match.duplicates.subject_hash` of the registration's subject key);
the view hashes the query's subject key the same way, so "another registration" is an inequality of
hashes. Rows of other models are never added (the caller loads rows of :attr:`FaceGallery.model` only).

Nothing here touches the database: the worker (:mod:`kyc_engine.worker.gallery`) loads the rows, feeds
in the changes, and gives the view an ``alive`` callback that re-checks hits against the store.

Example::

    gallery = FaceGallery("dlib_resnet_v1+sp5", 128)
    gallery.add("tenant-1", "case-1", subject_hash("KAZ:N1234567"), vector)
    engine.verify(..., face_index=gallery.view("tenant-1"))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .duplicates import subject_hash
from .index import FaceIndex, IndexHit

__all__ = ["FaceGallery", "TenantView"]

#: Which of these case ids are still stored (the rest were erased or deactivated since they were loaded).
Alive = Callable[[list[str]], set[str]]


class FaceGallery:
    """Per-tenant exact indexes of one model's descriptors (float32; ``4 × dim + 4`` bytes a row plus
    the id bookkeeping, see :class:`FaceIndex`)."""

    def __init__(self, model: str, dim: int) -> None:
        self.model = model
        self.dim = dim
        self._indexes: dict[str, FaceIndex] = {}

    def __len__(self) -> int:
        return sum(len(i) for i in self._indexes.values())

    def __contains__(self, case_id: object) -> bool:
        return any(case_id in i for i in self._indexes.values())

    def tenants(self) -> dict[str, int]:
        """Rows held per tenant."""
        return {t: len(i) for t, i in self._indexes.items()}

    def memory_bytes(self) -> int:
        """Bytes of the vector matrices and norms (allocated capacity), all tenants."""
        return sum(i.memory_bytes() for i in self._indexes.values())

    def index(self, tenant_id: str) -> FaceIndex | None:
        """The tenant's index, None while the tenant has no stored face."""
        return self._indexes.get(tenant_id)

    def _index(self, tenant_id: str, capacity: int = 0) -> FaceIndex:
        index = self._indexes.get(tenant_id)
        if index is None:
            index = self._indexes[tenant_id] = FaceIndex(self.dim, capacity=max(1024, capacity))
        return index

    def load(self, tenant_id: str, rows: Iterable[tuple[str, str, np.ndarray]], capacity: int = 0) -> None:
        """Bulk-add ``(case_id, subject_hash, vector)`` rows of one tenant (the start-up load); ``capacity``
        (the row count, when known) sizes the matrix once."""
        self._index(tenant_id, capacity).add_many(rows)

    def add(self, tenant_id: str, case_id: str, subject: str, vector: np.ndarray) -> bool:
        """Add one row unless the case is already held; True when added."""
        index = self._index(tenant_id)
        if case_id in index:
            return False
        index.add(case_id, subject, vector)
        return True

    def remove(self, case_id: str) -> int:
        """Forget the case wherever it is held (erasure); returns how many rows went."""
        return sum(i.remove(case_id) for i in self._indexes.values())

    def view(self, tenant_id: str, alive: Alive | None = None) -> TenantView:
        """The duplicate-search view of one tenant's faces (empty if the tenant has none yet)."""
        return TenantView(self, tenant_id, alive)


class TenantView:
    """:class:`~kyc_engine.match.index.DuplicateIndex` over one tenant's index of a :class:`FaceGallery`.

    ``duplicates`` takes the raw subject key (``issuing state:document number``) and compares its hash.
    With ``alive``, hits are re-checked against the store first; a case no longer stored is dropped from
    the gallery and the search repeated, so it is neither reported nor able to hide another hit."""

    def __init__(self, gallery: FaceGallery, tenant_id: str, alive: Alive | None = None) -> None:
        self.gallery = gallery
        self.tenant_id = tenant_id
        self.alive = alive

    def duplicates(
        self, vector: np.ndarray, subject_key: str, threshold: float, k: int = 10
    ) -> list[IndexHit]:
        index = self.gallery.index(self.tenant_id)
        if index is None:
            return []
        subject = subject_hash(subject_key)
        while True:
            hits = index.duplicates(vector, subject, threshold, k)
            if not hits or self.alive is None:
                return hits
            kept = self.alive([h.case_id for h in hits])
            gone = [h.case_id for h in hits if h.case_id not in kept]
            if not gone:
                return hits
            for case_id in gone:
                index.remove(case_id)
