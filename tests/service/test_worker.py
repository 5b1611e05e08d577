"""Submit → real `kyc worker` process → result, through HTTP; crash and queue-loss recovery; signed
webhooks with retries. Needs ../shared (models and faces): skipped cleanly without it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from kyc_engine.store.models import AuditLog, Result, Verification, WebhookDelivery
from kyc_engine.worker.signing import HEADER, verify_signature
from tests.service.conftest import Deployment, Receiver, auth, case_submission, real_case, wait_for


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return real_case(tmp_path_factory.mktemp("cases"), 7)


@pytest.fixture(scope="module")
def tenant(deployment: Deployment) -> dict[str, Any]:
    t = deployment.tenant("acme")
    return {"headers": auth(t.api_key), "secret": t.webhook_secret.encode()}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500])
    yield r
    r.close()


def status(d: Deployment, vid: str, headers: dict) -> dict[str, Any]:
    return d.client.get(f"/v1/verifications/{vid}", headers=headers).json()


def finished(d: Deployment, vid: str, headers: dict, timeout: float = 90) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        got = status(d, vid, headers)
        return got if got["status"] in ("completed", "failed") else None

    try:
        return wait_for(done, timeout, f"verification {vid}")
    except AssertionError:
        raise AssertionError(d.worker_logs()) from None


def test_submit_worker_result_and_a_signed_webhook_retried_after_a_failure(
    deployment: Deployment, case: dict, tenant: dict, receiver: Receiver
) -> None:
    if not deployment.workers:
        deployment.start_worker()
    r = deployment.client.post("/v1/verifications", headers=tenant["headers"],
                               **case_submission(case, callback_url=receiver.url, external_ref="o-1"))  # fmt: skip
    assert r.status_code == 202, r.text
    vid = r.json()["id"]
    got = finished(deployment, vid, tenant["headers"])
    assert got["status"] == "completed" and got["decision"] in ("verified", "review"), got
    report = got["report"]
    assert report["decision"] == got["decision"] and report["document"]["mrz"]["valid"] is True
    assert report["registration_match"]["name"]["decision"] == "match"
    wait_for(lambda: len(receiver.calls) >= 2, 30, "the webhook retry")
    first, second = receiver.calls[:2]
    assert first["body"] == second["body"]  # the same event, signed afresh per attempt
    for call in (first, second):
        assert verify_signature(tenant["secret"], call["headers"][HEADER], call["body"])
        assert not verify_signature(b"another secret", call["headers"][HEADER], call["body"])
        assert not verify_signature(tenant["secret"], call["headers"][HEADER], call["body"] + b" ")
    event = json.loads(second["body"])
    assert event["id"] == vid and event["external_ref"] == "o-1" and event["report"] == report

    def delivered() -> WebhookDelivery | None:
        with deployment.rt.session() as s:
            d = s.scalar(select(WebhookDelivery).where(WebhookDelivery.verification_id == vid))
            return d if d is not None and d.status == "delivered" else None

    d = wait_for(delivered, 10, "the delivery to be recorded")
    assert d.attempts == 2 and [a["status_code"] for a in d.attempt_log] == [500, 200]
    metrics = deployment.client.get("/metrics").text
    assert f'kyc_decisions_total{{decision="{got["decision"]}"}}' in metrics
    assert (
        'kyc_stage_latency_ms_count{stage="mrz"}' in metrics
        and 'kyc_verifications{status="completed"}' in metrics
    )


def test_a_blank_selfie_completes_with_reasons_not_a_retry_loop(
    deployment: Deployment, case: dict, tenant: dict
) -> None:
    if not deployment.workers:
        deployment.start_worker()
    blank = cv2.imencode(".jpg", np.full((600, 480, 3), 128, np.uint8))[1].tobytes()
    vid = deployment.client.post("/v1/verifications", headers=tenant["headers"],
                                 **case_submission({**case, "selfie": blank})).json()["id"]  # fmt: skip
    got = finished(deployment, vid, tenant["headers"])
    assert got["status"] == "completed" and got["decision"] in ("retry", "rejected", "review")
    assert any(r["code"].startswith("face.") for r in got["report"]["reasons"])
    with deployment.rt.session() as s:
        assert s.get(Verification, vid).attempts == 1  # type: ignore[union-attr]


def _counts(d: Deployment, vid: str) -> tuple[int, int]:
    with d.rt.session() as s:
        results = s.scalar(select(func.count()).select_from(Result).where(Result.verification_id == vid))
        completions = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.verification_id == vid, AuditLog.action == "verification.completed"))  # fmt: skip
    return int(results or 0), int(completions or 0)


def test_kill_9_mid_job_still_completes_exactly_once(
    deployment: Deployment, case: dict, tenant: dict
) -> None:
    deployment.stop_workers()
    worker = deployment.start_worker()
    vid = deployment.client.post(
        "/v1/verifications", headers=tenant["headers"], **case_submission(case)
    ).json()["id"]
    wait_for(
        lambda: status(deployment, vid, tenant["headers"])["status"] == "processing", 60, "processing", 0.02
    )
    deployment.kill9(worker)  # SIGKILL while the engine is working on it
    assert status(deployment, vid, tenant["headers"])["status"] == "processing"
    deployment.start_worker()  # its reconciler re-enqueues the row once processing_timeout_s has passed
    got = finished(deployment, vid, tenant["headers"], timeout=120)
    assert got["status"] == "completed"
    with deployment.rt.session() as s:
        assert s.get(Verification, vid).attempts == 2  # type: ignore[union-attr]
    assert _counts(deployment, vid) == (1, 1)


def test_jobs_lost_from_redis_are_recovered_by_the_reconciler(
    deployment: Deployment, case: dict, tenant: dict, tmp_path: Path
) -> None:
    """Simulates Redis losing its queue (restart without persistence) by deleting the queue's keys."""
    deployment.stop_workers()
    vids = [deployment.client.post("/v1/verifications", headers=tenant["headers"],
                                   **case_submission(case, external_ref=f"lost-{i}")).json()["id"] for i in range(2)]  # fmt: skip
    queue = deployment.settings.service.queue_name
    assert deployment.rt.redis.llen(f"rq:queue:{queue}") >= 2
    for key in deployment.rt.redis.scan_iter(f"rq:*{queue}*"):
        deployment.rt.redis.delete(key)
    assert deployment.rt.queue.count == 0
    deployment.start_worker()
    for vid in vids:
        assert finished(deployment, vid, tenant["headers"], timeout=120)["status"] == "completed"
        assert _counts(deployment, vid) == (1, 1)
