"""1:N duplicate identities through the real HTTP API and real `kyc worker` processes, with real face photos.

A verified case stores its selfie descriptor in ``face_embeddings``; a later case of the same tenant whose
selfie is that face under *another* registration (document) goes to review with
``face.duplicate_identity`` naming the first case. A different person, the same registration again, or
another tenant is no duplicate; a restarted worker loads the stored faces from PostgreSQL; an erased case's
descriptor is deleted and no longer matches.

The people and photos were chosen once by script among the ``../shared/faces`` identities with five
selfie-grade photos: person A's generated selfies pass liveness and every pair of them lies within
0.31-0.44 of each other (the 1:N distance is 0.50); person B is more than 0.9 from all of them. Each case
verifies on its own (checked without a gallery), so a ``review`` here comes from the duplicate search.
The tests share one deployment and run in file order, each building on the cases before it.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from kyc_engine.store.models import FaceEmbedding
from tests.service.conftest import Deployment, auth, wait_for

DUPLICATE = "face.duplicate_identity"
PERSON_A, PERSON_B = "sandra_bullock", "will_smith"
#: case -> (seed of the generated document and holder, person, document portrait no., selfie photo no.)
CASES = {
    "R1": (201, PERSON_A, 1, 4),
    "R2": (202, PERSON_A, 2, 3),
    "R3": (203, PERSON_B, 1, 3),
    "R1-again": (201, PERSON_A, 1, 2),  # the same document (same seed) with another selfie
    "R4": (204, PERSON_A, 3, 5),
    "R5": (205, PERSON_A, 4, 3),
}


def person_case(tmp: Path, seed: int, portrait: Path, selfie_photo: Path) -> dict[str, Any]:
    """A generated Kazakh ID card (holder and document number from ``seed``) printed with ``portrait``,
    and a phone-like selfie made from the real photo ``selfie_photo``."""
    from samples.documents import make_document
    from samples.photograph import encode_jpeg, photograph
    from samples.selfie import selfie
    from tests.conftest import SHARED_FACES

    rng = np.random.default_rng(seed)
    doc, truth = make_document("kaz_id", rng, SHARED_FACES, faces=[portrait], p_expired=0.0)
    regions = {"mrz": truth["mrz_box_doc"], "portrait": truth["portrait"]["box_doc"]}
    photo, meta = photograph(doc, rng, "clean", regions=regions, apply_jpeg=False)  # type: ignore[arg-type]
    shot, shot_meta = selfie(selfie_photo, rng)
    holder = truth["holder"]
    registration = {"full_name": f"{holder['given_names_viz']} {holder['surname_viz']}",
                    "birth_date": holder["birth_date"], "id_number": holder["iin"], "country": "KAZ",
                    "sex": holder["sex"]}  # fmt: skip
    subject = f"KAZ:{truth['fields']['document_number']}"
    return {"selfie": encode_jpeg(shot, int(shot_meta["jpeg_quality"])), "document": encode_jpeg(photo, int(meta["jpeg_quality"])),
            "registration": registration, "subject": subject}  # fmt: skip


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from tests.conftest import SHARED_FACES, SHARED_MODELS, require_shared

    faces = require_shared(SHARED_FACES)
    require_shared(SHARED_MODELS)
    tmp = tmp_path_factory.mktemp("dup")

    def photo(person: str, n: int) -> Path:
        return faces / person / f"{person}_{n:02d}.jpg"

    return {name: person_case(tmp, seed, photo(who, doc), photo(who, shot))
            for name, (seed, who, doc, shot) in CASES.items()}  # fmt: skip


@pytest.fixture(scope="module")
def tenants(deployment: Deployment) -> dict[str, dict[str, str]]:
    return {name: auth(deployment.tenant(name).api_key) for name in ("t1", "t2")}


@pytest.fixture(scope="module")
def seen() -> dict[str, str]:
    """Verification ids of the cases run so far, by case name."""
    return {}


@pytest.fixture(scope="module")
def first(deployment: Deployment, cases: dict, tenants: dict) -> dict[str, Any]:
    """Person A verified under registration R1 (tenant t1), with one worker running."""
    deployment.stop_workers()
    deployment.start_worker()
    return verify(deployment, tenants["t1"], cases["R1"])


def verify(d: Deployment, headers: dict[str, str], case: dict[str, Any]) -> dict[str, Any]:
    """Submit through the API and wait for the worker's result."""
    files = {"selfie": ("selfie.jpg", io.BytesIO(case["selfie"]), "image/jpeg"),
             "document": ("document.jpg", io.BytesIO(case["document"]), "image/jpeg")}  # fmt: skip
    data = {"registration": json.dumps(case["registration"], ensure_ascii=False)}
    r = d.client.post("/v1/verifications", headers=headers, files=files, data=data)
    assert r.status_code == 202, r.text
    vid = r.json()["id"]

    def done() -> dict[str, Any] | None:
        got = d.client.get(f"/v1/verifications/{vid}", headers=headers).json()
        return got if got["status"] in ("completed", "failed") else None

    try:
        got = wait_for(done, 180, f"verification {vid}")
    except AssertionError:
        raise AssertionError(d.worker_logs()) from None
    assert got["status"] == "completed", got
    return got


def float_lists(value: Any, length: int) -> Any:
    """Every list of ``length`` numbers anywhere inside a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from float_lists(item, length)
    elif isinstance(value, list):
        if len(value) == length and all(isinstance(x, float | int) for x in value):
            yield value
        for item in value:
            yield from float_lists(item, length)


def duplicates(got: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in got["report"]["reasons"] if r["code"] == DUPLICATE]


def stored(d: Deployment, vid: str) -> FaceEmbedding | None:
    with d.rt.session() as s:
        return s.scalar(select(FaceEmbedding).where(FaceEmbedding.verification_id == vid))


def test_a_verified_case_stores_its_selfie_descriptor(deployment: Deployment, cases: dict, tenants: dict,
                                                      first: dict) -> None:  # fmt: skip
    assert first["decision"] == "verified" and not duplicates(first), first["report"]["reasons"]
    row = stored(deployment, first["id"])
    assert row is not None and row.active
    with deployment.rt.session() as s:
        t1 = s.scalar(select(FaceEmbedding.tenant_id).where(FaceEmbedding.verification_id == first["id"]))
    assert row.tenant_id == t1
    assert row.subject_hash == hashlib.sha256(cases["R1"]["subject"].encode()).hexdigest()
    assert row.model == first["report"]["face"]["model"] and row.dim == 128 and len(row.vector) == 128 * 4
    vector = np.frombuffer(row.vector, dtype="<f4")
    assert np.isfinite(vector).all() and 0.2 < float(np.linalg.norm(vector)) < 2.0
    # the raw descriptor stays out of the JSON report (and so out of webhooks and the API)
    assert not list(float_lists(first["report"], 128))


def test_the_same_face_under_another_registration_goes_to_review_naming_the_first_case(
    deployment: Deployment, cases: dict, tenants: dict, first: dict
) -> None:
    got = verify(deployment, tenants["t1"], cases["R2"])
    assert got["decision"] == "review", got["report"]["reasons"]
    dup = duplicates(got)
    assert [r["detail"]["other_case_id"] for r in dup] == [first["id"]]
    detail = dup[0]["detail"]
    assert (
        0 < detail["distance"] <= detail["threshold"] == 0.5
        and detail["model"] == first["report"]["face"]["model"]
    )
    assert dup[0]["outcome"] == "review" and first["id"] in dup[0]["reviewer_message"]
    assert stored(deployment, got["id"]) is None  # only verified cases are stored


def test_a_different_person_is_not_a_duplicate(deployment: Deployment, cases: dict, tenants: dict,
                                               first: dict) -> None:  # fmt: skip
    got = verify(deployment, tenants["t1"], cases["R3"])
    assert not duplicates(got) and got["decision"] == "verified", got["report"]["reasons"]
    assert stored(deployment, got["id"]) is not None


def test_the_same_registration_again_is_not_a_duplicate(deployment: Deployment, cases: dict, tenants: dict,
                                                        first: dict, seen: dict) -> None:  # fmt: skip
    assert cases["R1-again"]["subject"] == cases["R1"]["subject"]
    got = verify(deployment, tenants["t1"], cases["R1-again"])
    seen["R1-again"] = got["id"]
    assert not duplicates(got) and got["decision"] == "verified", got["report"]["reasons"]
    assert stored(deployment, got["id"]) is not None


def test_another_tenant_never_sees_the_face(deployment: Deployment, cases: dict, tenants: dict,
                                            first: dict) -> None:  # fmt: skip
    got = verify(deployment, tenants["t2"], cases["R2"])
    assert not duplicates(got) and got["decision"] == "verified", got["report"]["reasons"]


def test_a_restarted_worker_loads_the_stored_faces_from_postgresql(
    deployment: Deployment, cases: dict, tenants: dict, first: dict, seen: dict
) -> None:
    deployment.stop_workers()
    deployment.start_worker()  # its gallery now comes from face_embeddings at start, not from the feed
    got = verify(deployment, tenants["t1"], cases["R4"])
    assert got["decision"] == "review", got["report"]["reasons"]
    named = [r["detail"]["other_case_id"] for r in duplicates(got)]
    # person A's stored faces under R1: the first case and its re-submission, nearest first; not B's
    assert set(named) == {first["id"], seen["R1-again"]} and len(named) == 2
    distances = [r["detail"]["distance"] for r in duplicates(got)]
    assert distances == sorted(distances)


def test_an_erased_case_loses_its_face_and_no_longer_matches(
    deployment: Deployment, cases: dict, tenants: dict, first: dict, seen: dict
) -> None:
    r = deployment.client.delete(f"/v1/verifications/{first['id']}", headers=tenants["t1"])
    assert r.status_code == 204, r.text
    assert stored(deployment, first["id"]) is None
    # the running worker held the first case in memory: it must drop it before the next search
    got = verify(deployment, tenants["t1"], cases["R5"])
    named = [r["detail"]["other_case_id"] for r in duplicates(got)]
    assert first["id"] not in named
    assert named == [seen["R1-again"]]  # the search still works: A's other stored face is found


def test_an_override_away_from_verified_retires_the_face_and_back_restores_it(
    deployment: Deployment, cases: dict, tenants: dict, first: dict, seen: dict
) -> None:
    from kyc_engine.store import repo
    from kyc_engine.store.models import Verification

    vid = seen["R1-again"]

    def override(decision: str) -> None:
        with deployment.rt.session() as s:
            v = s.get(Verification, vid)
            assert v is not None
            repo.record_decision_change(s, v, decision=decision, source="review", actor="test", note="t")
            s.commit()

    override("rejected")
    row = stored(deployment, vid)
    assert row is not None and not row.active
    got = verify(deployment, tenants["t1"], cases["R4"])  # A's face: its only active match is retired
    assert not duplicates(got) and got["decision"] == "verified", got["report"]["reasons"]
    seen["R4-after"] = got["id"]
    override("verified")
    row = stored(deployment, vid)
    assert row is not None and row.active
    got = verify(deployment, tenants["t1"], cases["R5"])
    assert {r["detail"]["other_case_id"] for r in duplicates(got)} >= {vid, seen["R4-after"]}


def test_the_change_feed_waits_for_an_audit_id_committed_out_of_order(deployment: Deployment) -> None:
    """Sequence ids are taken before commit: an id below the watermark may still become visible."""
    from kyc_engine.store import repo
    from kyc_engine.store.faces import ChangeFeed

    sessions = deployment.rt.sessions
    with sessions() as reader, sessions() as slow, sessions() as fast:
        feed = ChangeFeed.start(reader)
        reader.rollback()
        repo.audit(slow, "verification.completed", verification_id="slow-case")
        slow.flush()  # its audit id is taken, the transaction still open
        repo.audit(fast, "verification.erased", verification_id="fast-case")
        fast.commit()
        changes = feed.poll(reader)
        reader.rollback()
        assert (changes.completed, changes.erased) == ([], ["fast-case"]) and len(feed.holes) == 1
        slow.commit()
        changes = feed.poll(reader)
        assert (changes.completed, changes.erased) == (["slow-case"], []) and not feed.holes
        assert feed.poll(reader).completed == []  # each change once
