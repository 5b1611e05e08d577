"""The re-verification rq job: ``process_reverify_item(run_id, verification_id)`` (``kyc reverify``).

Runs the worker's engine on one stored verification under the policy of the run (its TOML text is stored
on the run row, parsed once per run and worker process), with the worker's 1:N duplicate gallery as for a
new submission, and records the new decision on the run's item.
It never touches the verification or its result: ``kyc reverify --apply`` does that after the diff report.

Idempotent: an item that is no longer ``pending`` is skipped, and the item is finished with a conditional
UPDATE, so a duplicate job (a resumed run re-enqueueing a job that was still queued) records nothing.
As in :mod:`.jobs`, only :class:`TransientError` escapes (rq retries it with back-off); a bad stored input
or an engine error ends the item as ``failed`` with its error code.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from typing import Any

from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy.exc import OperationalError

from ..errors import KycError, TransientError
from ..policy import Policy, parse_policy
from ..store import repo
from ..store.db import transient_db
from ..store.models import ReverifyItem, ReverifyRun, Verification
from .jobs import run_error, verify_with_gallery
from .runtime import Runtime, current

log = logging.getLogger(__name__)

JOB_FUNC = "kyc_engine.worker.reverify.process_reverify_item"
JOB_PREFIX = "rv_"

_POLICIES: OrderedDict[str, Policy] = OrderedDict()
_POLICY_CACHE_SIZE = 4


def job_id_for(run_id: str, verification_id: str) -> str:
    """A fresh rq job id per enqueue: ``rv_<run id>_<verification id>_<8 hex>``."""
    return f"{JOB_PREFIX}{run_id}_{verification_id}_{uuid.uuid4().hex[:8]}"


def item_of(job_id: str) -> tuple[str, str] | None:
    """``(run id, verification id)`` of a re-verification job id, None for any other job."""
    if not job_id.startswith(JOB_PREFIX):
        return None
    parts = job_id[len(JOB_PREFIX) :].split("_")
    return (parts[0], parts[1]) if len(parts) == 3 else None


def enqueue_item(rt: Runtime, queue: Queue, run_id: str, verification_id: str) -> str:
    """Put one item's job (ids only, JSON) on ``queue``; returns the job id. Raises RedisError."""
    svc = rt.settings.service
    job_id = job_id_for(run_id, verification_id)
    queue.enqueue(
        JOB_FUNC,
        run_id,
        verification_id,
        job_id=job_id,
        job_timeout=svc.job_timeout_s,
        retry=Retry(max=svc.job_retries, interval=[5, 15, 60, 180, 600]),
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )
    return job_id


def run_policy(rt: Runtime, run_id: str) -> Policy | None:
    """The run's policy, parsed from its stored TOML once per process (None: no such run)."""
    policy = _POLICIES.get(run_id)
    if policy is not None:
        _POLICIES.move_to_end(run_id)
        return policy
    with rt.session() as s, transient_db():
        run = s.get(ReverifyRun, run_id)
        if run is None:
            return None
        policy = parse_policy(run.policy_toml, source=f"the policy of re-verification run {run_id}")
    _POLICIES[run_id] = policy
    while len(_POLICIES) > _POLICY_CACHE_SIZE:
        _POLICIES.popitem(last=False)
    return policy


def process_reverify_item(run_id: str, verification_id: str) -> str:
    """Re-verify one item. Returns ``done``, ``failed`` or ``skipped`` (already finished, or no such
    item)."""
    rt = current()
    with rt.session() as s:
        try:
            with transient_db():
                item = s.get(ReverifyItem, (run_id, verification_id))
                if item is None or item.status != "pending":
                    return "skipped"
                v = s.get(Verification, verification_id)
                s.commit()  # no transaction left open while the engine runs
            report: dict[str, Any] | None = None
            error: dict[str, Any] | None = None
            try:
                policy = run_policy(rt, run_id)
                if policy is None or v is None:
                    return "skipped"
                if v.erased_at is not None:
                    raise KycError("the verification was erased", code="store.erased")
                # the 1:N duplicate search runs as for a new submission
                report = verify_with_gallery(rt, s, v, policy).to_dict(v.lang)
            except (TransientError, OperationalError, RedisError):
                raise
            except Exception as exc:
                error = run_error(rt, exc, f"re-verification {run_id}/{verification_id}")
            decision = report["decision"] if report is not None else None
            codes = [r["code"] for r in report["reasons"]] if report is not None else None
            # the full report (personal data) is kept only where --apply may need it: a changed decision
            keep = report if report is not None and decision != item.old_decision else None
            with transient_db():
                recorded = repo.finish_reverify_item(s, run_id, verification_id, new_decision=decision,
                                                     new_reasons=codes, report=keep, error=error)  # fmt: skip
        except (TransientError, OperationalError, RedisError) as exc:
            log.warning("re-verification %s/%s: transient failure (%s)", run_id, verification_id, exc)
            s.rollback()
            if isinstance(exc, TransientError):
                raise
            raise TransientError(str(exc), code="transient.unavailable") from exc
    if not recorded:
        return "skipped"
    return "done" if error is None else "failed"
