"""1:N inside verify: the same face already stored under another registration goes to review."""

from __future__ import annotations

import json
from pathlib import Path

import cv2

from kyc_engine.engine import VERIFY_STAGES, Engine
from kyc_engine.imageio import load_image
from kyc_engine.match.index import FaceIndex
from kyc_engine.registration.model import parse_registration
from kyc_engine.settings import Settings
from samples.generate import generate_set
from tests.conftest import SHARED_FACES, SHARED_MODELS, require_shared


def test_selfie_stored_under_another_registration_is_a_duplicate(tmp_path: Path) -> None:
    faces = require_shared(SHARED_FACES)
    require_shared(SHARED_MODELS)
    photo = generate_set(tmp_path, 1, 7, layouts=["kaz_id"], severity_mix={"clean": 1.0})[0]
    truth = json.loads(photo.with_suffix(".json").read_text())
    source = Path(truth["portrait"]["source"])
    other = next(p for p in sorted((faces / source.parent).glob("*.jpg")) if p.name != source.name)
    img = cv2.imread(str(other))
    scale = 1000 / max(img.shape[:2])
    ok, jpg = cv2.imencode(".jpg", cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    limits = {"max_bytes": 25 << 20, "max_pixels": 40_000_000}
    selfie, document = load_image(jpg.tobytes(), **limits), load_image(photo.read_bytes(), **limits)
    holder = truth["holder"]
    registration = parse_registration(
        {
            "full_name": holder["full_name_latin"],
            "birth_date": holder["birth_date"],
            "id_number": holder["iin"],
        }
    )
    engine = Engine.from_settings(Settings(today="2026-11-01"), stages=VERIFY_STAGES)
    engine.face_index = FaceIndex()
    first = engine.verify(selfie, document, registration)
    assert "face.duplicate_identity" not in [str(r.code) for r in first.reasons]
    assert first.subject_key == f"KAZ:{truth['fields']['document_number']}"
    assert first.faces is not None and "a" in first.faces.embeddings

    # the same person verified before under another document: a duplicate, sent to review
    engine.face_index.add("case-earlier", "KAZ:999999999", first.faces.embeddings["a"].vector)
    second = engine.verify(selfie, document, registration)
    dup = [r for r in second.reasons if str(r.code) == "face.duplicate_identity"]
    assert len(dup) == 1 and dup[0].detail["other_case_id"] == "case-earlier"
    assert dup[0].detail["distance"] <= dup[0].detail["threshold"]
    assert second.decision.decision != "verified"

    # stored under this very registration: a re-verification, not a duplicate
    engine.face_index = FaceIndex()
    engine.face_index.add("case-same", first.subject_key, first.faces.embeddings["a"].vector)
    third = engine.verify(selfie, document, registration)
    assert "face.duplicate_identity" not in [str(r.code) for r in third.reasons]
