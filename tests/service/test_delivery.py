"""Worker-side pieces in-process against real PostgreSQL/Redis, no models needed: the claim state machine,
TransientError on a database outage, webhook back-off and giving up, signatures, chunked body limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from kyc_engine.errors import TransientError
from kyc_engine.settings import Settings
from kyc_engine.store import repo
from kyc_engine.store.models import WebhookDelivery
from kyc_engine.worker import jobs
from kyc_engine.worker.runtime import Runtime, set_runtime
from kyc_engine.worker.signing import sign, verify_signature
from kyc_engine.worker.webhooks import backoff_s, deliver_due
from tests.service.conftest import Deployment, Receiver, auth, submission


@pytest.fixture(scope="module")
def acme(deployment: Deployment) -> dict[str, Any]:
    t = deployment.tenant("acme")
    return {"headers": auth(t.api_key), "tenant": t}


def submit(d: Deployment, headers: dict, **extra: str) -> str:
    r = d.client.post("/v1/verifications", headers=headers, **submission(**extra))
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_only_one_claim_wins_and_a_silent_worker_loses_its_claim(deployment: Deployment, acme: dict) -> None:
    vid = submit(deployment, acme["headers"])
    with deployment.rt.session() as s:
        first = repo.claim(s, vid, stale_after_s=60)
        assert first is not None
        assert repo.claim(s, vid, stale_after_s=60) is None  # owned by a live worker
        assert repo.claim(s, vid, stale_after_s=0) is not None  # its worker went silent: taken over
        report = {"decision": "review", "reasons": [], "timings_ms": {}}
        assert not repo.finish(s, vid, first, report=report, error=None, webhook_payload=None)  # superseded
    got = deployment.client.get(f"/v1/verifications/{vid}", headers=acme["headers"]).json()
    assert got["status"] == "processing"


def test_a_database_outage_is_a_transient_error_for_rq_to_retry(deployment: Deployment, acme: dict) -> None:
    vid = submit(deployment, acme["headers"])
    down = deployment.settings.service.model_copy(
        update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/x"}
    )
    rt = Runtime.build(Settings(today=deployment.settings.today, service=down), pool_size=1)
    set_runtime(rt)
    try:
        with pytest.raises(TransientError):
            jobs.process_verification(vid)
    finally:
        set_runtime(None)
        rt.close()
    got = deployment.client.get(f"/v1/verifications/{vid}", headers=acme["headers"]).json()
    assert got["status"] == "queued"  # untouched: the retry (or the reconciler) will process it


def test_backoff_keeps_retrying_for_more_than_24_hours() -> None:
    svc = Settings().service
    elapsed, attempts = 0.0, 1
    while elapsed <= svc.webhook_retry_hours * 3600:
        elapsed += backoff_s(attempts, svc.webhook_backoff_s, svc.webhook_max_backoff_s)
        attempts += 1
    assert svc.webhook_retry_hours >= 24 and attempts > 20
    assert backoff_s(1, 30, 3600) < 40 and 3000 < backoff_s(30, 30, 3600) < 4000


@pytest.fixture
def failing() -> Iterator[Receiver]:
    """A webhook endpoint that answers 503 to every attempt of the test."""
    f = Receiver([503] * 100)
    yield f
    f.close()


def test_failed_attempts_are_rescheduled_then_given_up(
    deployment: Deployment, acme: dict, failing: Receiver
) -> None:
    vid = submit(deployment, acme["headers"], callback_url=failing.url)
    with deployment.rt.session() as s:
        token = repo.claim(s, vid, 60)
        assert token is not None
        assert repo.finish(s, vid, token, report={"decision": "review", "reasons": [], "timings_ms": {}},
                           error=None, webhook_payload=b'{"id": "x"}')  # fmt: skip
    assert deliver_due(deployment.rt) >= 1 and len(failing.calls) == 1
    with deployment.rt.session() as s:
        d = s.query(WebhookDelivery).filter_by(verification_id=vid).one()
        assert d.status == "pending" and d.attempts == 1 and d.attempt_log[0]["status_code"] == 503
        assert d.next_attempt_at > datetime.now(UTC)
        s.execute(update(WebhookDelivery).where(WebhookDelivery.id == d.id).values(
            created_at=datetime.now(UTC) - timedelta(hours=27), next_attempt_at=datetime.now(UTC)))  # fmt: skip
        s.commit()
    deliver_due(deployment.rt)
    with deployment.rt.session() as s:
        d = s.query(WebhookDelivery).filter_by(verification_id=vid).one()
        assert d.status == "failed" and d.attempts == 2 and len(failing.calls) == 2


def test_signatures() -> None:
    header = sign(b"s3cret", b'{"a":1}', timestamp=1_700_000_000)
    assert verify_signature(b"s3cret", header, b'{"a":1}', now=1_700_000_100)
    assert not verify_signature(b"s3cret", header, b'{"a":2}', now=1_700_000_100)
    assert not verify_signature(b"s3cret", header, b'{"a":1}', now=1_700_001_000)  # too old: replay
    assert not verify_signature(b"s3cret", "garbage", b"")


def test_a_chunked_body_over_the_limit_is_413(deployment: Deployment, acme: dict) -> None:
    limit = deployment.settings.service.max_request_bytes

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 1_000_000 + 2):
            yield b"x" * 1_000_000

    r = deployment.client.post("/v1/verifications", content=chunks(),
                               headers={**acme["headers"], "Content-Type": "multipart/form-data; boundary=zz"})  # fmt: skip
    assert r.status_code == 413 and r.json()["code"] == "input.request_too_large"


def test_the_migrations_build_exactly_the_models_schema(deployment: Deployment) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kyc_engine.store.models import Base

    with deployment.rt.db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _completed_with_delivery(d: Deployment, headers: dict, callback_url: str) -> str:
    vid = submit(d, headers, callback_url=callback_url)
    with d.rt.session() as s:
        token = repo.claim(s, vid, 60)
        assert token is not None
        assert repo.finish(s, vid, token, report={"decision": "review", "reasons": [], "timings_ms": {}},
                           error=None, webhook_payload=b'{"id": "x"}')  # fmt: skip
    return vid


def _delivery(d: Deployment, vid: str) -> WebhookDelivery:
    with d.rt.session() as s:
        return s.query(WebhookDelivery).filter_by(verification_id=vid).one()


def test_a_callback_that_turned_private_is_refused_at_delivery_time(
    deployment: Deployment, acme: dict
) -> None:
    """DNS rebinding: the URL passed at submit time, but now resolves to a private address. The worker
    checks again before the POST and sends nothing."""
    receiver = Receiver()
    try:
        vid = _completed_with_delivery(deployment, acme["headers"], f"http://localhost:{receiver.port}/hook")
        strict = deployment.settings.model_copy(
            update={
                "service": deployment.settings.service.model_copy(update={"callback_allow_private": False})
            }
        )
        rt = Runtime.build(strict, pool_size=1)
        try:
            deliver_due(rt)
        finally:
            rt.close()
        d = _delivery(deployment, vid)
        assert d.status == "failed" and d.attempts == 1  # not retried
        assert (
            d.attempt_log[0]["error"] == "input.callback_url_forbidden"
            and d.attempt_log[0]["status_code"] is None
        )
        assert receiver.hosts == []  # no request reached the address
    finally:
        receiver.close()


def test_delivery_sends_the_original_host_and_does_not_follow_redirects(
    deployment: Deployment, acme: dict
) -> None:
    target = Receiver()
    redirector = Receiver([302] * 100, location=target.url)
    try:
        ok = _completed_with_delivery(deployment, acme["headers"], f"http://localhost:{target.port}/hook")
        moved = _completed_with_delivery(deployment, acme["headers"], redirector.url)
        deliver_due(deployment.rt, batch=50)
        assert _delivery(deployment, ok).status == "delivered"
        assert target.hosts == [f"localhost:{target.port}"]  # connected to the checked address, Host kept
        d = _delivery(deployment, moved)
        assert d.status == "pending" and d.attempt_log[0]["status_code"] == 302  # a redirect is a failure
        assert redirector.hosts == [f"127.0.0.1:{redirector.port}"]
    finally:
        target.close()
        redirector.close()
