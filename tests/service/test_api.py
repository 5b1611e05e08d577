"""The HTTP API against real PostgreSQL and Redis, no worker: submit, idempotency, tenants, bad input,
erasure, listing, rate limits, health and metrics."""

from __future__ import annotations

import io
import json
import os
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from rq.job import Job
from sqlalchemy import func, select, update

from kyc_engine.service.app import create_app
from kyc_engine.store.models import AuditLog, Verification
from kyc_engine.worker.reconcile import reconcile
from kyc_engine.worker.runtime import verification_of
from tests.service.conftest import PG, Deployment, auth, jpeg, make_settings, submission


@pytest.fixture(scope="module")
def acme(deployment: Deployment) -> dict[str, str]:
    return auth(deployment.tenant("acme").api_key)


@pytest.fixture(scope="module")
def globex(deployment: Deployment) -> dict[str, str]:
    return auth(deployment.tenant("globex").api_key)


def jobs_for(d: Deployment, vid: str) -> list[str]:
    return [j for j in d.rt.queue.get_job_ids() if verification_of(j) == vid]


def test_submit_commits_then_enqueues_an_id_only_json_job(deployment: Deployment, acme: dict) -> None:
    r = deployment.client.post("/v1/verifications", headers=acme, **submission(external_ref="order-1"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued" and set(body) == {"id", "status"}
    with deployment.rt.session() as s:
        v = s.get(Verification, body["id"])
        assert v is not None and v.status == "queued" and v.external_ref == "order-1"
        assert b"Anna" not in (v.registration_enc or b"")  # encrypted at rest
    [job_id] = jobs_for(deployment, body["id"])
    job = Job.fetch(job_id, connection=deployment.rt.redis, serializer=deployment.rt.queue.serializer)
    assert job.func_name == "kyc_engine.worker.jobs.process_verification" and job.args == [body["id"]]
    raw = deployment.rt.redis.hget(f"rq:job:{job_id}", "data")
    assert raw is not None
    decoded = json.loads(zlib.decompress(raw) if raw[:1] not in (b"[", b"{") else raw)  # JSON, never pickle
    assert body["id"] in json.dumps(decoded)
    blobs = list((deployment.settings.service.blob_dir).rglob("*"))
    assert all(jpeg(seed=0)[:64] not in p.read_bytes() for p in blobs if p.is_file())  # images encrypted
    got = deployment.client.get(f"/v1/verifications/{body['id']}", headers=acme).json()
    assert got["status"] == "queued" and got["report"] is None and got["external_ref"] == "order-1"


def test_idempotency_key_returns_the_same_verification_and_one_job(deployment: Deployment, acme: dict) -> None:
    headers = {**acme, "Idempotency-Key": "k-123"}
    first = deployment.client.post("/v1/verifications", headers=headers, **submission(seed=5))
    second = deployment.client.post("/v1/verifications", headers=headers, **submission(seed=5))
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    with deployment.rt.session() as s:
        n = s.scalar(select(func.count()).select_from(Verification).where(Verification.idempotency_key == "k-123"))
    assert n == 1 and len(jobs_for(deployment, first.json()["id"])) == 1
    other = deployment.client.post("/v1/verifications", headers=headers, **submission(seed=6))
    assert other.status_code == 409 and other.json()["code"] == "idempotency.conflict"


def test_submissions_survive_the_database_closing_pooled_connections(deployment: Deployment, acme: dict) -> None:
    """A server restart (here: pg_terminate_backend of every connection to the database) leaves the pools
    holding dead connections; the checkout check replaces them, so no request fails for it."""
    first = deployment.client.post("/v1/verifications", headers=acme, **submission(seed=141))
    assert first.status_code == 202  # the API's pool now holds a connection
    with psycopg.connect(f"{PG}/{deployment.db_name}", autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert killed is not None and killed[0] >= 1
    time.sleep(0.3)  # the FATAL notices and EOFs reach the pooled sockets
    for seed in (142, 143):
        r = deployment.client.post("/v1/verifications", headers=acme, **submission(seed=seed))
        assert r.status_code == 202, r.text
    got = deployment.client.get(f"/v1/verifications/{first.json()['id']}", headers=acme)
    assert got.status_code == 200 and got.json()["status"] == "queued"


def test_the_same_key_in_another_tenant_is_another_verification(
    deployment: Deployment, acme: dict, globex: dict
) -> None:
    a = deployment.client.post("/v1/verifications", headers={**acme, "Idempotency-Key": "shared"}, **submission())
    b = deployment.client.post("/v1/verifications", headers={**globex, "Idempotency-Key": "shared"}, **submission())
    assert a.status_code == b.status_code == 202 and a.json()["id"] != b.json()["id"]


def test_tenants_cannot_see_or_erase_each_others_verifications(
    deployment: Deployment, acme: dict, globex: dict
) -> None:
    vid = deployment.client.post("/v1/verifications", headers=acme, **submission()).json()["id"]
    for method in ("get", "delete"):
        r = getattr(deployment.client, method)(f"/v1/verifications/{vid}", headers=globex)
        assert r.status_code == 404 and r.json()["code"] == "verification.not_found"
    listed = deployment.client.get("/v1/verifications", headers=globex).json()["items"]
    assert vid not in {item["id"] for item in listed}
    assert deployment.client.get(f"/v1/verifications/{vid}", headers=acme).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer kyc_nope"}, {"X-API-Key": "wrong"}])
def test_requests_without_a_valid_key_are_401(deployment: Deployment, headers: dict) -> None:
    r = deployment.client.post("/v1/verifications", headers=headers, **submission())
    assert r.status_code == 401 and r.json()["code"].startswith("auth.")
    assert set(r.json()) == {"code", "message", "detail"}


def _post_files(d: Deployment, headers: dict, selfie: bytes, registration: str | None = None) -> dict:
    files = {"selfie": ("s.jpg", io.BytesIO(selfie), "image/jpeg"),
             "document": ("d.jpg", io.BytesIO(jpeg(seed=1)), "image/jpeg")}  # fmt: skip
    data = {"registration": registration or json.dumps({"full_name": "A B", "birth_date": "1990-01-01"})}
    r = d.client.post("/v1/verifications", headers=headers, files=files, data=data)
    assert r.status_code < 500, r.text
    assert set(r.json()) == {"code", "message", "detail"}, r.text
    return {"status": r.status_code, **r.json()}


BAD_UPLOADS = {
    "text": (b"hello, I am not a photo" * 10, 415, "input.not_an_image"),
    "pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 500, 415, "input.unsupported_format"),
    "truncated": (jpeg(640, 480, seed=3)[:-2000], 422, "input.truncated"),
    "empty": (b"", 422, "input.empty"),
}


@pytest.mark.parametrize("kind", sorted(BAD_UPLOADS))
def test_bad_images_are_4xx_with_a_code(deployment: Deployment, acme: dict, kind: str) -> None:
    data, status, code = BAD_UPLOADS[kind]
    out = _post_files(deployment, acme, data)
    assert (out["status"], out["code"]) == (status, code), out


def test_content_type_in_the_header_is_not_trusted(deployment: Deployment, acme: dict) -> None:
    files = {"selfie": ("s.jpg", io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "image/jpeg"),
             "document": ("d.png", io.BytesIO(jpeg()), "application/pdf")}  # fmt: skip
    r = deployment.client.post("/v1/verifications", headers=acme, files=files,
                               data={"registration": json.dumps({"full_name": "A B", "birth_date": "1990-01-01"})})  # fmt: skip
    assert r.status_code == 415 and r.json()["code"] == "input.unsupported_format"
    assert r.json()["detail"]["name"] == "selfie"


@pytest.mark.parametrize(
    "registration, errors_at",
    [("{not json", []), (json.dumps({"full_name": "", "birth_date": "1990-13-01"}), ["full_name", "birth_date"]),
     (json.dumps({"full_name": "A B", "birth_date": "2999-01-01", "extra": 1}), ["birth_date", "extra"])],
)  # fmt: skip
def test_malformed_registration_json_is_422(deployment: Deployment, acme: dict, registration: str, errors_at: list) -> None:
    out = _post_files(deployment, acme, jpeg(), registration)
    assert (out["status"], out["code"]) == (422, "input.registration_invalid")
    locs = {e["loc"][0] for e in out["detail"]["errors"] if e["loc"]}
    assert set(errors_at) <= locs


def test_wrong_content_type_and_broken_bodies(deployment: Deployment, acme: dict) -> None:
    r = deployment.client.post("/v1/verifications", headers=acme, json={"selfie": "x"})
    assert r.status_code == 415 and r.json()["code"] == "input.content_type"
    r = deployment.client.post("/v1/verifications", content=b"--zz\r\ngarbage",
                               headers={**acme, "Content-Type": "multipart/form-data; boundary=zz"})  # fmt: skip
    assert 400 <= r.status_code < 500 and r.json()["code"].startswith("input.")
    r = deployment.client.post("/v1/verifications", headers=acme, files={"selfie": ("s.jpg", jpeg(), "image/jpeg")})
    assert r.status_code == 422 and r.json()["code"] == "input.missing_field"
    r = deployment.client.post("/v1/verifications", headers=acme, **submission(callback_url="file:///etc/passwd"))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "callback_url"


def test_private_callback_urls_are_refused_unless_the_setting_allows_them(deployment: Deployment) -> None:
    tenant = deployment.tenant("ssrf")
    key = auth(tenant.api_key)
    strict = deployment.settings.model_copy(
        update={"service": deployment.settings.service.model_copy(update={"callback_allow_private": False})}
    )
    with TestClient(create_app(strict)) as client:
        for url, reason in [("http://127.0.0.1:8080/hook", "loopback"), ("http://169.254.169.254/latest", "link_local"),
                            ("http://10.0.0.5/hook", "private"), ("http://[::ffff:192.168.1.1]/", "private"),
                            ("http://localhost:9000/", "loopback"), ("https://u:p@hooks.example.org/", "credentials"),
                            ("ftp://hooks.example.org/", "scheme")]:  # fmt: skip
            r = client.post("/v1/verifications", headers=key, **submission(callback_url=url))
            body = r.json()
            assert r.status_code == 422, (url, r.text)
            assert set(body) == {"code", "message", "detail"}
            assert body["code"] == "input.callback_url_forbidden"
            assert body["detail"] == {"field": "callback_url", "reason": reason}
        r = client.post(
            "/v1/verifications", headers=key, **submission(seed=7, callback_url="http://93.184.215.14/hook")
        )
        assert r.status_code == 202, r.text  # a public address literal needs no DNS
    with deployment.rt.session() as s:
        stored = s.scalars(
            select(Verification.callback_url).where(Verification.tenant_id == tenant.tenant_id)
        ).all()
    assert stored == ["http://93.184.215.14/hook"]  # nothing refused was stored
    # the test deployment allows private receivers (tests/service/conftest.py): the same URL is accepted
    r = deployment.client.post(
        "/v1/verifications", headers=key, **submission(seed=8, callback_url="http://127.0.0.1:8080/hook")
    )
    assert r.status_code == 202, r.text


def test_oversized_bodies_and_images(tmp_path, deployment: Deployment) -> None:
    settings = make_settings(tmp_path, "small").model_copy(
        update={"service": deployment.settings.service.model_copy(update={"max_request_bytes": 600_000})}
    )
    settings.limits = settings.limits.model_copy(update={"max_upload_bytes": 150_000, "max_pixels": 1_000_000})
    key = auth(deployment.tenant("small").api_key)
    with TestClient(create_app(settings)) as client:
        r = client.post("/v1/verifications", headers={**key, "Content-Type": "multipart/form-data; boundary=b"},
                        content=b"x" * 700_000)  # fmt: skip
        assert r.status_code == 413 and r.json()["code"] == "input.request_too_large"
        files = {"selfie": ("s.jpg", jpeg(520, 400), "image/jpeg"), "document": ("d.jpg", jpeg(), "image/jpeg")}
        r = client.post("/v1/verifications", headers=key, files=files,
                        data={"registration": json.dumps({"full_name": "A B", "birth_date": "1990-01-01"})})  # fmt: skip
        assert r.status_code == 413 and r.json()["code"] == "input.too_large", r.text
        import cv2
        import numpy as np

        flat = cv2.imencode(".png", np.zeros((1200, 1000, 3), np.uint8))[1].tobytes()  # small file, 1.2 MP
        files = {"selfie": ("s.png", flat, "image/png"), "document": ("d.jpg", jpeg(), "image/jpeg")}
        r = client.post("/v1/verifications", headers=key, files=files,
                        data={"registration": json.dumps({"full_name": "A B", "birth_date": "1990-01-01"})})  # fmt: skip
        assert r.status_code == 422 and r.json()["code"] == "input.too_many_pixels", r.text


def test_erasure_removes_images_and_personal_data_keeps_an_audit_record(deployment: Deployment, acme: dict) -> None:
    vid = deployment.client.post("/v1/verifications", headers=acme,
                                 **submission(seed=42, external_ref="cust-9")).json()["id"]  # fmt: skip
    with deployment.rt.session() as s:
        v = s.get(Verification, vid)
        assert v is not None
        blob_paths = [deployment.rt.blobs._path(n) for n in (v.selfie_blob, v.document_blob) if n]
    assert blob_paths and all(p.exists() for p in blob_paths)
    assert deployment.client.delete(f"/v1/verifications/{vid}", headers=acme).status_code == 204
    assert not any(p.exists() for p in blob_paths)
    got = deployment.client.get(f"/v1/verifications/{vid}", headers=acme).json()
    assert got["erased"] is True and got["external_ref"] is None and got["report"] is None
    with deployment.rt.session() as s:
        v = s.get(Verification, vid)
        assert v is not None and v.registration_enc is None and v.selfie_blob is None
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.verification_id == vid)))
    assert "verification.created" in actions and "verification.erased" in actions
    assert deployment.client.delete(f"/v1/verifications/{vid}", headers=acme).status_code == 204  # idempotent


def test_purge_erases_verifications_past_retention(deployment: Deployment, acme: dict) -> None:
    from kyc_engine.service.commands import cmd_purge

    old = deployment.client.post("/v1/verifications", headers=acme, **submission(seed=77)).json()["id"]
    new = deployment.client.post("/v1/verifications", headers=acme, **submission(seed=78)).json()["id"]
    with deployment.rt.session() as s:
        s.execute(update(Verification).where(Verification.id == old)
                  .values(created_at=datetime.now(UTC) - timedelta(days=45)))  # fmt: skip
        s.commit()
    assert cmd_purge(deployment.settings, None)["erased"] >= 1
    with deployment.rt.session() as s:
        assert s.get(Verification, old).erased_at is not None  # type: ignore[union-attr]
        assert s.get(Verification, new).erased_at is None  # type: ignore[union-attr]


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_purge_removes_files_no_verification_refers_to(deployment: Deployment, acme: dict) -> None:
    """Images of a submission whose row was never committed and temporary files of an unfinished upload
    are removed once older than the grace period; referenced, recent and re-used files stay."""
    from kyc_engine.service.commands import cmd_purge

    vid = deployment.client.post("/v1/verifications", headers=acme, **submission(seed=79)).json()["id"]
    blobs = deployment.rt.blobs
    with deployment.rt.session() as s:
        v = s.get(Verification, vid)
        assert v is not None and v.selfie_blob and v.document_blob
        referenced = [blobs._path(v.selfie_blob), blobs._path(v.document_blob)]
    orphan = blobs._path(blobs.put("t-gone", b"image of a submission never committed"))
    reused = blobs._path(blobs.put("t-gone", b"the same upload sent again"))
    recent = blobs._path(blobs.put("t-gone", b"a submission in flight"))
    partial = orphan.parent / ".tmp-0123456789abcdef"
    partial.write_bytes(b"half an upload")
    for path in (*referenced, orphan, reused, partial):
        _age(path, 2)
    blobs.stage("t-gone", b"the same upload sent again")  # a new submission re-uses the stored file

    out = cmd_purge(deployment.settings, None, orphan_grace_hours=24)

    removed = out["unreferenced_files_removed"]
    assert removed["temporary"] >= 1 and removed["orphans"] >= 1 and removed["bytes"] > 0
    assert not orphan.exists() and not partial.exists()
    assert reused.exists() and recent.exists() and all(p.exists() for p in referenced)
    got = deployment.client.get(f"/v1/verifications/{vid}", headers=acme)
    assert got.status_code == 200 and got.json()["erased"] is False
    with deployment.rt.session() as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "blobs.swept")).first()
        assert entry is not None and entry.detail["orphans"] >= 1


def test_a_swept_file_reused_meanwhile_is_put_back(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep listed a file as an old orphan, then a submission re-used that content before the file
    was removed: the sweep sees the new time after moving it aside and puts it back."""
    from kyc_engine.store import sweep

    blobs = deployment.rt.blobs
    path = blobs._path(blobs.put("t-race", b"listed, then sent again"))
    _age(path, 2)
    real_rename = os.rename

    def rename_after_reuse(src: str | Path, dst: str | Path) -> None:
        if Path(src) == path:
            blobs.stage("t-race", b"listed, then sent again")  # lands between the listing and the removal
        real_rename(src, dst)

    monkeypatch.setattr(sweep.os, "rename", rename_after_reuse)
    with deployment.rt.session() as s:
        swept = sweep.sweep_blobs(s, blobs, grace=timedelta(hours=24))
    assert path.exists() and blobs.get(path.name) == b"listed, then sent again"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-sweep-")]
    assert swept.orphans == 0


def test_listing_filters_and_paginates(deployment: Deployment) -> None:
    key = auth(deployment.tenant("lister").api_key)
    ids = [deployment.client.post("/v1/verifications", headers=key, **submission(seed=i)).json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = deployment.client.get("/v1/verifications", headers=key, params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids[::-1]
    assert deployment.client.get("/v1/verifications?status=completed", headers=key).json()["items"] == []
    since = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert deployment.client.get("/v1/verifications", headers=key, params={"since": since}).json()["items"] == []
    r = deployment.client.get("/v1/verifications?status=bogus", headers=key)
    assert r.status_code == 422 and r.json()["code"] == "input.invalid_request"


def test_rate_limit_per_key(tmp_path, deployment: Deployment) -> None:
    settings = deployment.settings.model_copy(
        update={"service": deployment.settings.service.model_copy(update={"rate_limit_per_minute": 3})}
    )
    key = auth(deployment.tenant("limited").api_key)
    with TestClient(create_app(settings)) as client:
        codes = [client.get("/v1/verifications", headers=key).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        r = client.get("/v1/verifications", headers=key)
        assert r.json()["code"] == "rate_limited" and int(r.headers["Retry-After"]) <= 60


def test_reconciler_re_enqueues_when_redis_lost_the_queue(deployment: Deployment, acme: dict) -> None:
    """Simulates a Redis restart without persistence by deleting this queue's keys (not the server)."""
    vids = [deployment.client.post("/v1/verifications", headers=acme, **submission(seed=900 + i)).json()["id"]
            for i in range(2)]  # fmt: skip
    deployment.rt.redis.delete(f"rq:queue:{deployment.settings.service.queue_name}")
    assert not any(jobs_for(deployment, v) for v in vids)
    with deployment.rt.session() as s:  # past the grace period
        s.execute(update(Verification).where(Verification.id.in_(vids))
                  .values(enqueued_at=datetime.now(UTC) - timedelta(minutes=5)))  # fmt: skip
        s.commit()
    again = reconcile(deployment.rt)
    assert set(vids) <= set(again)
    assert all(len(jobs_for(deployment, v)) == 1 for v in vids)
    assert not set(vids) & set(reconcile(deployment.rt))  # present again: not enqueued twice


def test_a_submission_with_redis_down_is_stored_and_enqueued_later(deployment: Deployment, acme: dict) -> None:
    """Redis unreachable at submit time: 202 all the same (the row is committed first), no job yet; the
    reconciler enqueues it once Redis is back. The rate limiter lets requests through meanwhile."""
    svc = deployment.settings.service.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    settings = deployment.settings.model_copy(update={"service": svc})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        r = client.post("/v1/verifications", headers=acme, **submission(seed=950))
    assert r.status_code == 202, r.text
    vid = r.json()["id"]
    assert not jobs_for(deployment, vid)
    with deployment.rt.session() as s:
        v = s.get(Verification, vid)
        assert v is not None and v.status == "queued"
        s.execute(update(Verification).where(Verification.id == vid)
                  .values(enqueued_at=datetime.now(UTC) - timedelta(minutes=5)))  # fmt: skip
        s.commit()
    assert vid in reconcile(deployment.rt)
    assert len(jobs_for(deployment, vid)) == 1


def test_a_blob_store_that_cannot_write_answers_503_and_commits_nothing(
    deployment: Deployment, acme: dict, tmp_path: Path
) -> None:
    """Disk full or an I/O error while storing the images: 503 ``transient.storage`` (the client may send
    it again), no row, no job; the same Idempotency-Key works once the store is back."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    svc = deployment.settings.service.model_copy(update={"blob_dir": blocker / "blobs"})
    settings = deployment.settings.model_copy(update={"service": svc})
    with deployment.rt.session() as s:
        before = s.scalar(select(func.count()).select_from(Verification))
    disk = {**acme, "Idempotency-Key": "disk"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        r = client.post("/v1/verifications", headers=disk, **submission(seed=951))
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "transient.storage"
    with deployment.rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Verification)) == before
    again = deployment.client.post("/v1/verifications", headers=disk, **submission(seed=951))
    assert again.status_code == 202


def step_counts(d: Deployment) -> dict[str, float]:
    """``kyc_submit_step_latency_ms_count`` per step, as /metrics shows it now."""
    text = d.client.get("/metrics").text
    return {
        s.labels["step"]: s.value
        for family in text_string_to_metric_families(text)
        if family.name == "kyc_submit_step_latency_ms"
        for s in family.samples
        if s.name.endswith("_count")
    }


def test_metrics_show_the_submit_time_of_each_step(deployment: Deployment, acme: dict) -> None:
    before = step_counts(deployment)
    headers = {**acme, "Idempotency-Key": "steps-1"}
    for _ in range(2):  # the replay answers from the row and enqueues nothing: it is not counted
        assert deployment.client.post("/v1/verifications", headers=headers, **submission(seed=171)).status_code == 202
    assert deployment.client.post("/v1/verifications", headers=acme, **submission(seed=172)).status_code == 202
    refused = deployment.client.post("/v1/verifications", headers=acme, **submission(registration="{"))
    assert refused.status_code == 422
    after = step_counts(deployment)
    assert set(after) == {"read", "check", "store", "commit"}
    assert all(after[step] - before.get(step, 0.0) == 2 for step in after), (before, after)


def test_health_ready_metrics_and_openapi(deployment: Deployment) -> None:
    c = deployment.client
    assert c.get("/healthz").json() == {"status": "ok"}
    ready = c.get("/readyz").json()
    assert ready["checks"]["database"] == "ok" and ready["checks"]["redis"] == "ok"
    metrics = c.get("/metrics").text
    assert "kyc_queue_depth" in metrics and 'kyc_verifications{status="queued"}' in metrics
    spec = c.get("/openapi.json").json()
    assert {"/v1/verifications", "/v1/verifications/{verification_id}"} <= set(spec["paths"])
    assert "multipart/form-data" in spec["paths"]["/v1/verifications"]["post"]["requestBody"]["content"]
    r = c.get("/v1/nope")
    assert r.status_code == 404 and set(r.json()) == {"code", "message", "detail"}


def test_the_api_freezes_its_start_up_heap(tmp_path, deployment: Deployment) -> None:
    """Start-up objects go to the permanent generation, so a full collection under load does not walk them
    (kyc_engine/worker/heap.py says why: full collections stop the event loop)."""
    import gc

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(make_settings(tmp_path, "heap"))) as client:
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # FastAPI, SQLAlchemy, pydantic and our routes: well over this
        assert client.get("/healthz").status_code == 200
