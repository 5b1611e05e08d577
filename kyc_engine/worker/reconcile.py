"""The reconciler: PostgreSQL is the source of truth, the Redis queue only a hint.

It re-enqueues (1) verifications 'processing' for longer than ``processing_timeout_s`` (their worker
died: kill -9, OOM, power) and (2) verifications 'queued' for longer than ``queued_grace_s`` whose job is
in no rq list (Redis restarted without persistence, flushed, or the enqueue after the commit failed).
Re-enqueueing is safe because the job claims its row first: a duplicate job finds nothing to do.
"""

from __future__ import annotations

import logging

from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import text

from .runtime import Runtime, verification_of

log = logging.getLogger(__name__)


def _jobs_in_redis(rt: Runtime) -> set[str]:
    q = rt.queue
    ids = set(q.get_job_ids())
    ids |= set(StartedJobRegistry(queue=q).get_job_ids())
    ids |= set(ScheduledJobRegistry(queue=q).get_job_ids())
    return {verification_of(j) for j in ids}


def reconcile(rt: Runtime, *, limit: int = 500) -> list[str]:
    """One pass; returns the ids re-enqueued."""
    svc = rt.settings.service
    with rt.session() as s:
        stale = list(
            s.execute(
                text(
                    "UPDATE verifications SET status = 'queued', claim_token = NULL, claimed_at = NULL, "
                    "enqueued_at = now() WHERE id IN (SELECT id FROM verifications WHERE status = 'processing' "
                    "AND erased_at IS NULL AND claimed_at < now() - make_interval(secs => :t) "
                    "LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING id"
                ),
                {"t": svc.processing_timeout_s, "n": limit},
            ).scalars()
        )
        s.commit()
        waiting = list(
            s.execute(
                text(
                    "SELECT id FROM verifications WHERE status = 'queued' AND erased_at IS NULL "
                    "AND coalesce(enqueued_at, created_at) < now() - make_interval(secs => :g) "
                    "ORDER BY created_at LIMIT :n"
                ),
                {"g": svc.queued_grace_s, "n": limit},
            ).scalars()
        )
        present = _jobs_in_redis(rt) if waiting else set()
        lost = [v for v in waiting if v not in present]
        if lost:
            s.execute(
                text("UPDATE verifications SET enqueued_at = now() WHERE id = ANY(:ids)"), {"ids": lost}
            )
            s.commit()
    again = stale + lost
    for vid in again:
        rt.enqueue(vid)
    if again:
        log.warning(
            "reconciler re-enqueued %d verification(s): %d stale, %d lost", len(again), len(stale), len(lost)
        )
    return again
