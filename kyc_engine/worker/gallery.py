"""The worker's 1:N gallery: loaded from ``face_embeddings`` once at start, kept fresh before each search.

``GallerySync.load`` starts the audit feed, then streams every active row of the engine's embedding model
into one in-memory index per tenant. Before each verification ``refresh`` asks the feed what completed or
was erased since (one indexed range scan), drops erased cases and fetches the new rows by primary key.
The view handed to the engine re-checks hits against the table, so a row erased or deactivated after the
refresh is still never reported. A worker's own verified cases come back through the feed like anyone
else's: there is one path into the gallery.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..match.gallery import FaceGallery, TenantView
from ..match.index import DIMENSIONS
from ..store import faces
from ..store.faces import ChangeFeed

log = logging.getLogger(__name__)

__all__ = ["GallerySync"]


def _with_headroom(rows: int) -> int:
    """Room for the faces verified after start (1/16 more, at least 1024 rows), so the first new face
    does not reallocate a tenant's whole matrix."""
    return rows + max(1024, rows // 16)


@dataclass
class GallerySync:
    gallery: FaceGallery
    feed: ChangeFeed

    @classmethod
    def load(cls, session: Session, model: str, dim: int = DIMENSIONS) -> GallerySync:
        """Every active row of ``model``, per tenant. Ends the session's read transaction."""
        started = time.perf_counter()
        feed = ChangeFeed.start(session)  # first: a row committed while loading comes in through the feed
        counts = faces.tenant_counts(session, model)
        gallery = FaceGallery(model, dim)
        for tenant_id, count in counts.items():
            rows = faces.stream(session, model, tenant_id)
            gallery.load(tenant_id, ((r.verification_id, r.subject_hash, r.vector) for r in rows),
                         capacity=_with_headroom(count))  # fmt: skip
        session.rollback()
        log.info("face gallery: %d rows of %s for %d tenants (%.0f MiB of vectors) in %.1f s", len(gallery),
                 model, len(counts), gallery.memory_bytes() / 2**20, time.perf_counter() - started)  # fmt: skip
        return cls(gallery, feed)

    def refresh(self, session: Session) -> tuple[int, int]:
        """Apply what other transactions committed since the last refresh; returns (added, removed)."""
        changes = self.feed.poll(session)
        removed = sum(self.gallery.remove(vid) for vid in changes.erased)
        new = [vid for vid in changes.completed if vid not in self.gallery]
        added = 0
        for row in faces.fetch(session, self.gallery.model, new):
            added += self.gallery.add(row.tenant_id, row.verification_id, row.subject_hash, row.vector)
        return added, removed

    def view(self, session: Session, tenant_id: str) -> TenantView:
        """The tenant's duplicate-search view; hits are re-checked in ``session``."""
        return self.gallery.view(tenant_id, alive=lambda ids: faces.active_ids(session, ids))
