"""`kyc reverify` end to end: cases submitted through the API and verified by real `kyc worker` processes,
then re-verified through the queue under a stricter policy (dry run, apply) and under the packaged policy
again (interrupted, resumed). Real PostgreSQL, Redis, workers and CLI processes; needs ../shared."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rq.job import Job
from rq.registry import FinishedJobRegistry
from sqlalchemy import select

from kyc_engine.checks import age_on
from kyc_engine.service.reverify import _run_jobs_in_redis
from kyc_engine.settings import DEFAULT_POLICY
from kyc_engine.store import repo
from kyc_engine.store.models import AuditLog, Result, ReverifyItem, ReverifyRun, Verification, WebhookDelivery
from kyc_engine.worker.reverify import item_of
from kyc_engine.worker.signing import HEADER, verify_signature
from tests.conftest import REPO
from tests.service.conftest import (
    TODAY,
    Deployment,
    Receiver,
    auth,
    case_submission,
    real_case,
    settings_env,
    wait_for,
)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ignores_sigint(pid: int) -> bool:
    ignored = re.search(r"^SigIgn:\s*([0-9a-f]+)$", Path(f"/proc/{pid}/status").read_text(), re.M)
    return ignored is not None and bool(int(ignored[1], 16) & (1 << (signal.SIGINT - 1)))


def kyc(d: Deployment, *args: str, wait: bool = True) -> Any:
    cmd = [sys.executable, "-m", "kyc_engine.cli", "reverify", *args]
    if not wait:
        # as from a terminal: a test run started in the background by a shell (`pytest ... &`, nohup, some CI
        # runners) ignores SIGINT, children inherit that, and Python then installs no Ctrl-C handler
        return subprocess.Popen(cmd, cwd=REPO, env=settings_env(d.settings), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_default_sigint)  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=REPO, env=settings_env(d.settings), capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr + d.worker_logs()
    return json.loads(proc.stdout), proc.stderr


def snapshot(d: Deployment) -> dict[str, tuple[Any, ...]]:
    with d.rt.session() as s:
        return {r.verification_id: (r.decision, r.source, r.policy_version, tuple(r.reason_codes), r.updated_at)
                for r in s.scalars(select(Result))}  # fmt: skip


def reverify_audits(d: Deployment) -> list[AuditLog]:
    with d.rt.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == "decision.reverify")))


def updated_webhooks(d: Deployment) -> list[dict[str, Any]]:
    with d.rt.session() as s:
        rows = s.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "verification.updated"))
        return [
            json.loads(r.payload) for r in rows if r.payload and json.loads(r.payload)["source"] == "reverify"
        ]


@pytest.fixture(scope="module")
def world(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Six cases of tenant acme and one of tenant other, verified by two workers; the youngest applicant's
    case erased, the next one overridden by a reviewer; a strict policy that rejects exactly the applicants
    younger than the third youngest's age + 1 (computed from the workers' reports)."""
    tmp = tmp_path_factory.mktemp("reverify")
    receiver = Receiver()
    acme, other = deployment.tenant("acme"), deployment.tenant("other")
    for _ in range(2):
        deployment.start_worker()
    ids: dict[str, str] = {}
    for seed in range(1, 8):
        key = acme.api_key if seed < 7 else other.api_key
        r = deployment.client.post("/v1/verifications", headers=auth(key), **case_submission(
            real_case(tmp, seed), callback_url=receiver.url, external_ref=f"order-{seed}"))  # fmt: skip
        assert r.status_code == 202, r.text
        ids[r.json()["id"]] = key

    def all_done() -> dict[str, dict[str, Any]] | None:
        got = {
            v: deployment.client.get(f"/v1/verifications/{v}", headers=auth(k)).json() for v, k in ids.items()
        }
        return got if all(g["status"] in ("completed", "failed") for g in got.values()) else None

    try:
        results = wait_for(all_done, 600, "the first verifications")
    except AssertionError:
        raise AssertionError(deployment.worker_logs()) from None
    acme_ids = [v for v, k in ids.items() if k == acme.api_key]
    assert all(results[v]["status"] == "completed" for v in ids), results
    ages: dict[str, int] = {}
    for v in acme_ids:
        report = results[v]["report"]
        if report["document"]["mrz"]["valid"] and report["decision"] != "rejected":
            ages[v] = age_on(
                date.fromisoformat(report["document"]["mrz"]["fields"]["birth_date"]),
                date.fromisoformat(TODAY),
            )
    eligible = sorted(ages, key=lambda v: ages[v])
    if len(eligible) < 4 or ages[eligible[2]] == ages[eligible[3]]:
        pytest.fail(f"the generated cases do not allow a partial change: {ages} {results}")
    strict_age = ages[eligible[2]] + 1
    erased, overridden = eligible[0], eligible[1]
    assert (
        deployment.client.delete(f"/v1/verifications/{erased}", headers=auth(acme.api_key)).status_code == 204
    )
    with deployment.rt.session() as s:
        v = s.get(Verification, overridden)
        assert v is not None
        repo.record_decision_change(s, v, decision=results[overridden]["decision"], source="review",
                                    actor="reviewer:test", note="looked at the document by hand")  # fmt: skip
        s.commit()
    policy = DEFAULT_POLICY.read_text()
    strict = policy.replace('version = "', 'version = "strict-', 1).replace(
        "minimum_age = 18", f"minimum_age = {strict_age}"
    )
    assert strict != policy and f"minimum_age = {strict_age}" in strict
    strict_path = tmp / "strict.toml"
    strict_path.write_text(strict)
    expected = {v for v in acme_ids if v in ages and ages[v] < strict_age and v != erased}
    return {"results": results, "acme": acme, "acme_ids": acme_ids, "erased": erased, "overridden": overridden,
            "expected": expected, "strict": strict_path, "out": tmp / "reports", "receiver": receiver,
            "strict_version": "strict-" + policy.split('version = "', 1)[1].split('"', 1)[0]}  # fmt: skip


def test_dry_run_lists_exactly_the_changed_decisions_and_applies_nothing(
    deployment: Deployment, world: dict
) -> None:
    before = snapshot(deployment)
    summary, stderr = kyc(
        deployment, "--tenant", "acme", "--policy", str(world["strict"]), "--out", str(world["out"])
    )
    world["dry_run"] = summary["run_id"]
    live = set(world["acme_ids"]) - {world["erased"]}
    assert summary["total"] == len(live) and summary["done"] == len(live) and summary["failed"] == 0
    assert summary["policy_version"] == world["strict_version"] and summary["applied"] is None
    assert "ETA" in stderr and f"{len(live)}/{len(live)}" in stderr
    rows = list(csv.DictReader(Path(summary["report_csv"]).open(encoding="utf-8")))
    assert {r["verification_id"] for r in rows} == world["expected"]
    results = world["results"]
    for r in rows:
        vid = r["verification_id"]
        assert r["old_decision"] == results[vid]["decision"] and r["new_decision"] == "rejected"
        assert (
            "applicant.underage" in r["new_reasons"].split() and "applicant.underage" not in r["old_reasons"]
        )
        assert r["external_ref"] == results[vid]["external_ref"]
        assert r["tenant_id"] == world["acme"].tenant_id
        assert r["action"] == ("kept (reviewer override)" if vid == world["overridden"] else "apply")
    page = Path(summary["report_html"]).read_text(encoding="utf-8")
    assert all(v in page for v in world["expected"]) and world["erased"] not in page
    assert f"<td>applicant.underage</td><td>{len(world['expected'])}</td>" in page
    assert "kept (reviewer override)" in page
    # nothing applied: results, audit and webhooks as they were
    assert snapshot(deployment) == before
    assert reverify_audits(deployment) == [] and updated_webhooks(deployment) == []
    with deployment.rt.session() as s:
        run = s.get(ReverifyRun, summary["run_id"])
        assert run is not None and run.status == "completed" and run.mode == "dry_run"
        assert run.policy_toml == world["strict"].read_text()


def test_apply_records_the_changes_with_audit_and_webhooks_but_keeps_the_override(
    deployment: Deployment, world: dict
) -> None:
    run_id = world["dry_run"]
    before = snapshot(deployment)
    summary, _ = kyc(deployment, "--resume", run_id, "--apply", "--out", str(world["out"]))
    applied = world["expected"] - {world["overridden"]}
    assert summary["run_id"] == run_id and summary["status"] == "applied"
    assert summary["applied"] == {"applied": len(applied), "kept (reviewer override)": 1}
    after = snapshot(deployment)
    for vid, row in after.items():
        if vid in applied:
            assert row[0] == "rejected" and row[1] == "reverify" and row[2] == world["strict_version"]
            assert "applicant.underage" in row[3]
        else:
            assert row == before[vid], vid
    with deployment.rt.session() as s:
        for vid in applied:
            report = s.get(Result, vid).report  # type: ignore[union-attr]
            assert report["decision"] == "rejected" and report["policy_version"] == world["strict_version"]
            assert s.get(Verification, vid).decision == "rejected"  # type: ignore[union-attr]
    audits = reverify_audits(deployment)
    assert sorted(a.verification_id or "" for a in audits) == sorted(applied)
    for a in audits:
        assert a.detail["actor"] == f"reverify:{run_id}" and a.detail["after"] == "rejected"
        assert a.detail["before"] == world["results"][a.verification_id]["decision"]
    hooks = updated_webhooks(deployment)
    assert sorted(h["id"] for h in hooks) == sorted(applied)
    assert all(
        h["decision"] == "rejected" and h["report"]["policy_version"] == world["strict_version"]
        for h in hooks
    )
    receiver = world["receiver"]
    wait_for(lambda: len([e for e in receiver.events("verification.updated") if e["source"] == "reverify"]) == len(applied),
             60, "the verification.updated webhooks")  # fmt: skip
    with deployment.rt.session() as s:
        secret = repo.webhook_secret(s, deployment.rt.cipher, world["acme"].tenant_id)
    for call in receiver.calls:
        if json.loads(call["body"]).get("source") == "reverify":
            assert verify_signature(secret, call["headers"][HEADER], call["body"])
    # applying again changes nothing
    again, _ = kyc(deployment, "--resume", run_id, "--apply", "--out", str(world["out"]))
    assert again["applied"] == {"applied": len(applied), "kept (reviewer override)": 1}
    assert snapshot(deployment) == after and len(reverify_audits(deployment)) == len(applied)


def _finished_job_outcomes(d: Deployment, run_id: str) -> Counter[tuple[str, str]]:
    registry = FinishedJobRegistry(queue=d.rt.queue)
    out: Counter[tuple[str, str]] = Counter()
    for job_id in registry.get_job_ids():
        parsed = item_of(job_id)
        if parsed is None or parsed[0] != run_id:
            continue
        job = Job.fetch(job_id, connection=d.rt.redis, serializer=d.rt.queue.serializer)
        out[(parsed[1], str(job.return_value()))] += 1
    return out


def test_an_interrupted_apply_run_resumes_and_does_every_item_once(
    deployment: Deployment, world: dict
) -> None:
    """Packaged policy with --apply: Ctrl-C the CLI and stop the workers after the first item, lose one
    queued job, then run the same command again: it continues the same run and every item is done once."""
    deployment.stop_workers()
    deployment.start_worker()
    # window 1: one job in flight, so the Ctrl-C after the first finished item leaves several to do
    args = ("--tenant", "acme", "--apply", "--window", "1", "--out", str(world["out"]))
    proc = kyc(deployment, *args, wait=False)

    def run_with_progress() -> ReverifyRun | None:
        with deployment.rt.session() as s:
            run = s.scalar(select(ReverifyRun).where(ReverifyRun.id != world["dry_run"]))
            return run if run is not None and repo.reverify_counts(s, run.id).get("done", 0) >= 1 else None

    run = wait_for(run_with_progress, 300, "the first re-verified item")
    assert not _ignores_sigint(proc.pid), "the CLI was started ignoring SIGINT: Ctrl-C cannot reach it"
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and f"kyc reverify --resume {run.id}" in err.decode(), err
    assert "Traceback" not in err.decode()
    deployment.stop_workers()
    with deployment.rt.session() as s:
        items = {
            i.verification_id: i for i in s.scalars(select(ReverifyItem).where(ReverifyItem.run_id == run.id))
        }
        assert s.get(ReverifyRun, run.id).status == "running"  # type: ignore[union-attr]
    done_before = {v: i.updated_at for v, i in items.items() if i.status == "done"}
    assert 1 <= len(done_before) < len(items), "the interruption came too late to leave pending items"
    queued = [j for j in deployment.rt.queue.get_job_ids() if (item_of(j) or ("",))[0] == run.id]
    if queued:  # Redis loses one of the jobs still queued
        Job.fetch(
            queued[0], connection=deployment.rt.redis, serializer=deployment.rt.queue.serializer
        ).delete()
    deployment.start_worker()
    summary, stderr = kyc(deployment, *args)
    assert summary["run_id"] == run.id and summary["status"] == "applied"
    assert summary["done"] == len(items) and summary["failed"] == 0
    with deployment.rt.session() as s:
        after = {
            i.verification_id: i for i in s.scalars(select(ReverifyItem).where(ReverifyItem.run_id == run.id))
        }
    assert all(i.status == "done" for i in after.values())
    assert {v: after[v].updated_at for v in done_before} == done_before  # not redone
    outcomes = _finished_job_outcomes(deployment, run.id)
    assert {v: n for (v, what), n in outcomes.items() if what == "done"} == dict.fromkeys(items, 1), outcomes
    # the packaged policy gives back every engine decision the strict run changed; the override stays
    results = snapshot(deployment)
    for vid in items:
        assert after[vid].new_decision == world["results"][vid]["decision"], vid
        assert results[vid][0] == world["results"][vid]["decision"]
    back = world["expected"] - {world["overridden"]}
    assert {
        a.verification_id for a in reverify_audits(deployment) if a.detail["actor"] == f"reverify:{run.id}"
    } == back
    assert results[world["overridden"]][1] == "review"


def test_erasure_clears_the_reports_kept_by_reverification_runs(deployment: Deployment, world: dict) -> None:
    """A changed item keeps the new report (personal data): erasing the verification must clear it."""
    with deployment.rt.session() as s:
        kept = s.scalars(select(ReverifyItem.verification_id).where(ReverifyItem.report.is_not(None))).all()
    assert kept, "no run kept a report: nothing to check"
    vid = kept[0]
    r = deployment.client.delete(f"/v1/verifications/{vid}", headers=auth(world["acme"].api_key))
    assert r.status_code == 204, r.text
    with deployment.rt.session() as s:
        reports = s.scalars(select(ReverifyItem.report).where(ReverifyItem.verification_id == vid)).all()
    assert reports and all(report is None for report in reports)


def test_sigterm_stops_the_wait_like_ctrl_c_and_the_run_stays_resumable(
    deployment: Deployment, world: dict
) -> None:
    """A service manager's stop (SIGTERM) while no worker runs: the CLI says how to resume, exits 1, no traceback,
    and leaves its run unfinished. (Last in the module: the run it leaves open has filters of its own.)"""
    deployment.stop_workers()
    args = ("--tenant", "acme", "--since", "2000-01-01", "--window", "1", "--out", str(world["out"]))
    proc = kyc(deployment, *args, wait=False)

    def open_run() -> ReverifyRun | None:
        with deployment.rt.session() as s:
            running = s.scalars(select(ReverifyRun).where(ReverifyRun.status == "running"))
            return next((r for r in running if r.filters.get("since")), None)

    run = wait_for(open_run, 120, "the run to be planned")
    wait_for(lambda: _run_jobs_in_redis(deployment.rt, run.id), 60, "its first job")
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and f"kyc reverify --resume {run.id}" in err.decode(), err
    assert "Traceback" not in err.decode()
    with deployment.rt.session() as s:
        assert s.get(ReverifyRun, run.id).status == "running"  # type: ignore[union-attr]
    # none of its jobs left for a later module's workers
    for job_id in _run_jobs_in_redis(deployment.rt, run.id).values():
        Job.fetch(job_id, connection=deployment.rt.redis, serializer=deployment.rt.queue.serializer).delete()
