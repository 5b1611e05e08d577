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

import csv
import html
import json
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import or_, select

from ..errors import InputError, TransientError
from ..policy import parse_policy
from ..settings import Settings
from ..store import repo
from ..store.db import migrate
from ..store.models import Result, ReverifyItem, ReverifyRun, Tenant, Verification
from ..worker.reverify import enqueue_item, item_of
from ..worker.runtime import Runtime

log = logging.getLogger(__name__)

KEPT_OVERRIDE = "kept (reviewer override)"
CSV_FIELDS = ("verification_id", "tenant_id", "external_ref", "old_decision", "new_decision",
              "old_reasons", "new_reasons", "action")  # fmt: skip
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
            _drive(rt, run.id, max(1, window), progress if progress is not None else sys.stderr)
            with rt.session() as s:
                row = s.get(ReverifyRun, run.id)
                if row is not None and row.status == "running":
                    row.status, row.finished_at = "completed", datetime.now(UTC)
                    counts = repo.reverify_counts(s, run.id)
                    repo.audit(s, "reverify.completed", tenant_id=row.tenant_id, run_id=run.id, counts=counts)
                    s.commit()
        rows, failed = _diff_rows(rt, run.id)
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
    for vid, job in zip(vids, jobs, strict=True):
        f = flights[vid]
        if time.monotonic() - f.since < LOST_CHECK_S:
            continue
        if job is not None and job.get_status(refresh=False) not in ended:
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


# --- the diff report -----------------------------------------------------------------------------------


def _diff_rows(rt: Runtime, run_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every done item whose decision changes, with what --apply does to it; and the failed items."""
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        applied = run is not None and run.status == "applied"
        q = (
            select(ReverifyItem, Verification, Result)
            .join(Verification, Verification.id == ReverifyItem.verification_id)
            .outerjoin(Result, Result.verification_id == ReverifyItem.verification_id)
            .where(ReverifyItem.run_id == run_id)
            .order_by(Verification.tenant_id, Verification.created_at, Verification.id)
        )
        rows, failed = [], []
        for item, v, result in s.execute(q).tuples():
            if item.status == "failed":
                failed.append(
                    {
                        "verification_id": v.id,
                        "tenant_id": v.tenant_id,
                        "error": (item.error or {}).get("code"),
                    }
                )
                continue
            if item.status != "done" or item.new_decision == item.old_decision:
                continue
            rows.append({
                "verification_id": v.id,
                "tenant_id": v.tenant_id,
                "external_ref": v.external_ref or "",
                "old_decision": item.old_decision,
                "new_decision": item.new_decision,
                "old_reasons": " ".join(item.old_reasons),
                "new_reasons": " ".join(item.new_reasons or []),
                "action": _action(item, v, result, applied),
            })  # fmt: skip
    return rows, failed


def _action(item: ReverifyItem, v: Verification, result: Result | None, applied: bool) -> str:
    if v.erased_at is not None or result is None:
        return "skipped (erased)"
    if result.source == "review":
        return KEPT_OVERRIDE
    if result.decision == item.new_decision:
        return "applied" if applied or result.source == "reverify" else "already so"
    if result.decision != item.old_decision:
        return "skipped (changed since planned)"
    return "apply"


def write_report(
    rt: Runtime, run_id: str, rows: list[dict[str, Any]], failed: list[dict[str, Any]], out_dir: Path
) -> tuple[Path, Path]:
    """``reverify-<run>.csv`` (one row per changed decision) and ``reverify-<run>.html`` (counts by
    transition and by reason, the rows, the failed items)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / f"reverify-{run_id}.csv", out_dir / f"reverify-{run_id}.html"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        counts = repo.reverify_counts(s, run_id)
    if run is None:
        raise InputError(f"no re-verification run {run_id}", code="input.unknown_run")
    transitions = Counter(f"{r['old_decision']} → {r['new_decision']}" for r in rows)
    actions = Counter(r["action"] for r in rows)
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for r in rows:
        old, new = set(r["old_reasons"].split()), set(r["new_reasons"].split())
        added.update(new - old)
        removed.update(old - new)
    e = html.escape

    def table(head: tuple[str, ...], body: list[tuple[Any, ...]]) -> str:
        th = "".join(f"<th>{e(h)}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in body)
        return f"<table><tr>{th}</tr>{trs}</table>"

    reasons = sorted(set(added) | set(removed), key=lambda c: (-added[c] - removed[c], c))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Re-verification {e(run_id)}</title><style>body{{font-family:sans-serif;margin:2em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:2px 8px;text-align:left}}</style>
</head><body><h1>Re-verification {e(run_id)}</h1>
<p>Mode {e(run.mode)}, status {e(run.status)}, policy {e(run.policy_version)}, filters {e(json.dumps(run.filters))},
started {e(run.created_at.isoformat())}. Items {run.total}: done {counts.get("done", 0)},
failed {counts.get("failed", 0)}, pending {counts.get("pending", 0)}; decisions changed: {len(rows)}.</p>
<h2>Changes by decision</h2>{table(("old → new", "count"), sorted(transitions.items()))}
<h2>Changes by action</h2>{table(("action", "count"), sorted(actions.items()))}
<h2>Counts by reason (changed decisions)</h2>
{table(("reason code", "added", "removed"), [(c, added[c], removed[c]) for c in reasons])}
<h2>Changed decisions</h2>{table(CSV_FIELDS, [tuple(r[k] for k in CSV_FIELDS) for r in rows])}
<h2>Failed items</h2>{table(("verification_id", "tenant_id", "error"), [tuple(f.values()) for f in failed])}
</body></html>
"""
    html_path.write_text(page, encoding="utf-8")
    return csv_path, html_path


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
            action = _action(item, v, result, False) if v is not None else "skipped (erased)"
            if action == "apply" and item.report is None:
                action = "skipped (no report)"
            if action == "apply" and item.new_decision is not None and v is not None:
                repo.record_decision_change(s, v, decision=item.new_decision, source="reverify",
                                            actor=f"reverify:{run_id}", reason_codes=item.new_reasons,
                                            report=item.report, policy_version=policy_version)  # fmt: skip
                action = "applied"
            s.commit()
        out[action] += 1
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        if run is not None:
            run.status, run.mode = "applied", "apply"
            repo.audit(s, "reverify.applied", tenant_id=tenant_id, run_id=run_id, outcomes=dict(out))
            s.commit()
    return dict(out)
