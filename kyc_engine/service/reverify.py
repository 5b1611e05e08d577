"""``kyc reverify``: re-run stored verifications through the queue under the current models and a policy,
write a diff report of every decision that would change, and (``--apply``) record the changes.

A run is a ``reverify_runs`` row (filters, the policy's TOML text and version) with one
``reverify_items`` row per verification (old decision and reasons; new ones once a worker ran it). The
command plans the run, keeps a small window of jobs on the service queue (``--window``, so that new
sign-ups are never stuck behind a whole batch), shows a progress bar with an ETA on stderr, then writes
``reverify-<run>.csv`` and ``reverify-<run>.html`` and, only with ``--apply``, records each changed
decision through :func:`kyc_engine.store.repo.record_decision_change` (result, audit entry,
``verification.updated`` webhook). Reviewer overrides and erased verifications are never overwritten.

Resumable: ``kyc reverify --resume RUN_ID`` (or the same command again) continues an unfinished run:
items already done are not redone, jobs still queued are kept, lost ones are enqueued again. A finished
dry run can be applied later, without recomputing: ``kyc reverify --resume RUN_ID --apply``.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import or_, select

from ..errors import InputError, KycError, TransientError
from ..policy import parse_policy
from ..settings import Settings
from ..store import repo
from ..store.db import migrate
from ..store.models import Result, ReverifyItem, ReverifyRun, Tenant, Verification
from ..worker.reverify import enqueue_item, item_of
from ..worker.runtime import Runtime
from .reverify_report import KEPT_OVERRIDE, action, diff_rows, write_report

log = logging.getLogger(__name__)

LOST_CHECK_S = 5.0  # how often in-flight jobs are looked up in Redis
MAX_ENQUEUES = 4  # an item whose job was lost this many times is recorded as failed


def reverify(
    settings: Settings,
    *,
    since: datetime | None = None,
    decision: str | None = None,
    tenant: str | None = None,
    policy_path: Path | None = None,
    apply: bool = False,
    resume: str | None = None,
    out_dir: Path = Path("var/reverify"),
    window: int = 8,
    progress: TextIO | None = None,
) -> dict[str, Any]:
    """Plan (or continue) a run, wait for the workers, write the report, apply when asked. Returns a
    summary: run id, counts, report paths."""
    started = time.monotonic()
    migrate(settings.service.database_url)
    rt = Runtime.build(settings, pool_size=2)
    try:
        run = _open_run(rt, since, decision, tenant, policy_path, apply, resume)
        if run.status == "running":
            try:
                with _sigterm_as_interrupt():
                    _drive(rt, run.id, max(1, window), progress if progress is not None else sys.stderr)
            except KeyboardInterrupt:  # finished items stay finished; queued jobs keep running
                raise KycError(f"Interrupted. Continue with: kyc reverify --resume {run.id}",
                               code="reverify.interrupted", detail={"run_id": run.id}) from None  # fmt: skip
            with rt.session() as s:
                row = s.get(ReverifyRun, run.id)
                if row is not None and row.status == "running":
                    row.status, row.finished_at = "completed", datetime.now(UTC)
                    counts = repo.reverify_counts(s, run.id)
                    repo.audit(s, "reverify.completed", tenant_id=row.tenant_id, run_id=run.id, counts=counts)
                    s.commit()
        rows, failed = diff_rows(rt, run.id)
        csv_path, html_path = write_report(rt, run.id, rows, failed, out_dir)
        report_s = time.monotonic() - started
        applied = _apply(rt, run.id) if apply else None
        with rt.session() as s:
            final = s.get(ReverifyRun, run.id)
            counts = repo.reverify_counts(s, run.id)
        return {
            "run_id": run.id,
            "mode": "apply" if apply else run.mode,
            "status": final.status if final is not None else "missing",
            "policy_version": run.policy_version,
            "total": run.total,
            "done": counts.get("done", 0),
            "failed": counts.get("failed", 0),
            "changed": len(rows),
            "kept_reviewer_override": sum(1 for r in rows if r["action"] == KEPT_OVERRIDE),
            "applied": applied,
            "report_csv": str(csv_path),
            "report_html": str(html_path),
            "report_s": round(report_s, 1),
            "elapsed_s": round(time.monotonic() - started, 1),
        }
    finally:
        rt.close()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the wait as Ctrl-C does (a service manager's stop, or a run started with ``nohup … &``,
    where the shell leaves SIGINT ignored), so the operator gets the resume command instead of a silent death.
    Only in the main thread, where Python runs signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _open_run(
    rt: Runtime,
    since: datetime | None,
    decision: str | None,
    tenant: str | None,
    policy_path: Path | None,
    apply: bool,
    resume: str | None,
) -> ReverifyRun:
    with rt.session() as s:
        if resume:
            run = s.get(ReverifyRun, resume)
            if run is None:
                raise InputError(f"no re-verification run {resume}", code="input.unknown_run")
        else:
            path = policy_path or rt.settings.policy_path
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(f"Cannot read the policy file {path}: {exc.strerror}", code="input.not_found",
                                 detail={"path": str(path)}) from exc  # fmt: skip
            policy = parse_policy(text, source=f"Policy file {path}")
            tenant_id = _tenant_id(s, tenant) if tenant else None
            filters = {
                "since": since.isoformat() if since else None,
                "decision": decision,
                "tenant": tenant_id,
            }
            run = repo.open_reverify_run(s, filters, text) or repo.create_reverify_run(
                s, mode="apply" if apply else "dry_run", filters=filters, policy_version=policy.version,
                policy_toml=text, tenant_id=tenant_id, since=since, decision=decision)  # fmt: skip
        if apply and run.mode != "apply":
            run.mode = "apply"
            s.commit()
        s.expunge(run)
    return run


def _tenant_id(s: Any, tenant: str) -> str:
    ids = list(s.scalars(select(Tenant.id).where(or_(Tenant.id == tenant, Tenant.name == tenant))))
    if len(ids) != 1:
        why = "no tenant" if not ids else f"{len(ids)} tenants"
        raise InputError(f"{why} with the id or name {tenant!r}", code="input.unknown_tenant")
    return str(ids[0])


# --- waiting for the workers -------------------------------------------------------------------------


@dataclass
class _Flight:
    job_id: str
    since: float
    enqueues: int = 1


@dataclass
class _Progress:
    """A one-line progress bar with rate and ETA (on a terminal; otherwise a line every 10 s)."""

    total: int
    first: int
    stream: TextIO
    started: float = field(default_factory=time.monotonic)
    last_line: float = 0.0

    def show(self, finished: int, *, final: bool = False) -> None:
        now = time.monotonic()
        tty = self.stream.isatty()
        if not final and not tty and now - self.last_line < 10:
            return
        self.last_line = now
        done_here, elapsed = finished - self.first, now - self.started
        rate = done_here / elapsed if elapsed > 0 else 0.0
        eta = _clock((self.total - finished) / rate) if rate > 0 else "--:--"
        share = finished / self.total if self.total else 1.0
        bar = "#" * int(share * 30) + "." * (30 - int(share * 30))
        line = f"reverify [{bar}] {finished}/{self.total} {share:4.0%}  {rate * 60:.1f}/min  ETA {eta}"
        self.stream.write(("\r" + line + ("\n" if final else "")) if tty else line + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _run_jobs_in_redis(rt: Runtime, run_id: str) -> dict[str, str]:
    """verification id -> job id of this run's jobs still queued, running or waiting for a retry."""
    q = rt.queue
    ids = list(q.get_job_ids())
    ids += StartedJobRegistry(queue=q).get_job_ids()
    ids += ScheduledJobRegistry(queue=q).get_job_ids()
    out: dict[str, str] = {}
    for job_id in ids:
        parsed = item_of(job_id)
        if parsed is not None and parsed[0] == run_id:
            out[parsed[1]] = job_id
    return out


def _drive(rt: Runtime, run_id: str, window: int, stream: TextIO) -> None:
    """Keep up to ``window`` jobs of the run in flight until no item is pending; show progress."""
    try:
        flights = {vid: _Flight(job, time.monotonic()) for vid, job in _run_jobs_in_redis(rt, run_id).items()}
        with rt.session() as s:
            counts = repo.reverify_counts(s, run_id)
        total = sum(counts.values())
        bar = _Progress(total, total - counts.get("pending", 0), stream)
        next_check = time.monotonic() + LOST_CHECK_S
        while True:
            with rt.session() as s:
                pending = repo.pending_reverify_items(s, run_id)
            bar.show(total - len(pending))
            if not pending:
                break
            waiting = set(pending)
            flights = {vid: f for vid, f in flights.items() if vid in waiting}
            if time.monotonic() >= next_check:
                _drop_lost(rt, run_id, flights)
                next_check = time.monotonic() + LOST_CHECK_S
            for vid in pending:
                if len(flights) >= window:
                    break
                if vid not in flights:
                    flights[vid] = _Flight(enqueue_item(rt, rt.queue, run_id, vid), time.monotonic())
            time.sleep(0.3)
        bar.show(total, final=True)
    except RedisError as exc:
        raise TransientError(f"Redis is unavailable: {exc}", code="transient.redis") from exc


def _drop_lost(rt: Runtime, run_id: str, flights: dict[str, _Flight]) -> None:
    """Forget in-flight jobs that ended (failed after their retries, or gone from Redis) while their item
    is still pending, so that they are enqueued again; after MAX_ENQUEUES the item is failed."""
    vids = list(flights)
    jobs = Job.fetch_many(
        [flights[v].job_id for v in vids], connection=rt.redis, serializer=rt.queue.serializer
    )
    ended = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.FINISHED}
    # a job runs at most job_timeout_s (rq's timeout is enforced in the worker): one started longer ago
    # belongs to a worker that died (kill -9) and will never finish
    dead_after = rt.settings.service.job_timeout_s + 60
    for vid, job in zip(vids, jobs, strict=True):
        f = flights[vid]
        if time.monotonic() - f.since < LOST_CHECK_S:
            continue
        if job is not None:
            status = job.get_status(refresh=False)
            started = job.started_at.replace(tzinfo=job.started_at.tzinfo or UTC) if job.started_at else None
            dead = (
                status == JobStatus.STARTED
                and started is not None
                and (datetime.now(UTC) - started).total_seconds() > dead_after
            )
            if status not in ended and not dead:
                continue
        if f.enqueues >= MAX_ENQUEUES:
            with rt.session() as s:
                repo.finish_reverify_item(s, run_id, vid, new_decision=None, new_reasons=None, report=None,
                                          error={"code": "reverify.job_lost", "message": "the job was lost",
                                                 "detail": {"enqueues": f.enqueues}})  # fmt: skip
            del flights[vid]
            continue
        log.warning("re-verification %s: job for %s ended without a result; enqueueing it again", run_id, vid)
        flights[vid] = _Flight(enqueue_item(rt, rt.queue, run_id, vid), time.monotonic(), f.enqueues + 1)


# --- applying -----------------------------------------------------------------------------------------


def _apply(rt: Runtime, run_id: str) -> dict[str, int]:
    """Record every changed decision of a finished run (one transaction per verification); returns
    counts per outcome. Idempotent: a decision already changed is not recorded twice."""
    out: Counter[str] = Counter()
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        if run is None or run.status not in ("completed", "applied"):
            raise InputError(f"run {run_id} has not finished", code="input.run_not_finished")
        policy_version, tenant_id = run.policy_version, run.tenant_id
        items = list(s.scalars(select(ReverifyItem).where(
            ReverifyItem.run_id == run_id, ReverifyItem.status == "done",
            ReverifyItem.new_decision != ReverifyItem.old_decision).order_by(ReverifyItem.verification_id)))  # fmt: skip
        s.expunge_all()
    for item in items:
        with rt.session() as s:
            v = s.scalar(
                select(Verification).where(Verification.id == item.verification_id).with_for_update()
            )
            result = s.get(Result, item.verification_id)
            what = action(item, v, result, False) if v is not None else "skipped (erased)"
            if what == "apply" and item.report is None:
                what = "skipped (no report)"
            if what == "apply" and item.new_decision is not None and v is not None:
                repo.record_decision_change(s, v, decision=item.new_decision, source="reverify",
                                            actor=f"reverify:{run_id}", reason_codes=item.new_reasons,
                                            report=item.report, policy_version=policy_version)  # fmt: skip
                what = "applied"
            s.commit()
        out[what] += 1
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        if run is not None:
            run.status, run.mode = "applied", "apply"
            repo.audit(s, "reverify.applied", tenant_id=tenant_id, run_id=run_id, outcomes=dict(out))
            s.commit()
    return dict(out)
