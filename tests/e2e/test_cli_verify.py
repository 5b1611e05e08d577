"""`kyc verify` end to end: a generated Kazakh ID card photo, a real selfie of its portrait's person."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from samples.generate import generate_set
from tests.conftest import SHARED_FACES, require_shared

KYC = [sys.executable, "-m", "kyc_engine.cli"]
ENV = {**os.environ, "KYC_TODAY": "2026-11-01"}  # the generator's fixed clock


def verify(
    tmp: Path, selfie: Path, document: Path, registration: dict | str, *flags: str
) -> tuple[int, dict]:
    reg = tmp / "registration.json"
    reg.write_text(
        registration if isinstance(registration, str) else json.dumps(registration, ensure_ascii=False)
    )
    proc = subprocess.run(
        [*KYC, "verify", "--json", "--selfie", str(selfie), "--document", str(document), "--registration", str(reg),
         *flags], capture_output=True, text=True, timeout=180, env=ENV,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict:
    faces = require_shared(SHARED_FACES)
    tmp = tmp_path_factory.mktemp("verify")
    photo = generate_set(tmp, 1, 7, layouts=["kaz_id"], severity_mix={"clean": 1.0})[0]
    truth = json.loads(photo.with_suffix(".json").read_text())
    source = Path(truth["portrait"]["source"])
    other = next(p for p in sorted((faces / source.parent).glob("*.jpg")) if p.name != source.name)
    selfie = tmp / "selfie.jpg"
    img = cv2.imread(str(other))
    scale = 1000 / max(img.shape[:2])
    cv2.imwrite(str(selfie), cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    holder = truth["holder"]
    registration = {
        "full_name": f"{holder['given_names_viz']} {holder['surname_viz']}",  # typed in Cyrillic
        "birth_date": holder["birth_date"],
        "id_number": holder["iin"],
        "country": "KAZ",
        "sex": holder["sex"],
        "company_id": None,
    }
    return {"tmp": tmp, "photo": photo, "selfie": selfie, "registration": registration, "truth": truth}


def test_genuine_case_passes_every_check(case: dict) -> None:
    rc, report = verify(case["tmp"], case["selfie"], case["photo"], case["registration"])
    assert report["document"]["mrz"]["valid"] is True
    assert report["registration_match"]["name"]["decision"] == "match"
    assert report["registration_match"]["birth_date"]["match"] is True
    assert report["registration_match"]["id_number"]["matched"] is True
    assert report["face"]["decision"] in {"match", "uncertain"}
    blocking = [r["code"] for r in report["reasons"] if r["outcome"] in {"rejected", "retry"}]
    assert blocking == [], report["reasons"]
    assert report["decision"] in {"verified", "review"}  # review only when liveness or the face score doubts
    assert (rc == 0) == (report["decision"] == "verified")
    assert set(report["input_sha256"]) == {"selfie", "document"} and report["policy_version"]
    assert {"mrz", "faces", "checks"} <= set(report["timings_ms"])
    assert "minifasnet_v2" in report["models"] and "dlib_resnet_v1" in report["models"]


def test_visual_zone_is_read_and_agrees_with_the_mrz(case: dict) -> None:
    """document.viz: the Kazakh card's printed fields, read with the kaz_id template, equal the truth."""
    _, report = verify(case["tmp"], case["selfie"], case["photo"], case["registration"])
    viz, holder = report["document"]["viz"], case["truth"]["holder"]
    assert viz["layout"] == "kaz_id" and viz["method"] == "template"
    fields = {k: v["value"] for k, v in viz["fields"].items()}
    assert fields["surname"] == holder["surname_viz"]  # Cyrillic, Kazakh letters included
    assert fields["birth_date"] == holder["birth_date"]
    assert fields["personal_number"] == holder["iin"]
    assert all(0.0 <= v["confidence"] <= 1.0 and len(v["box"]) == 4 for v in viz["fields"].values())
    assert "document.viz_mrz_mismatch" not in [r["code"] for r in report["reasons"]]
    assert report["registration_match"]["viz_vs_mrz"]["birth_date"]["match"] is True
    assert "viz" in report["timings_ms"]


def test_wrong_birth_date_and_other_name_are_rejected_with_reasons(case: dict) -> None:
    registration = {**case["registration"], "birth_date": "1990-01-01", "full_name": "Айгүл Серікова"}
    rc, report = verify(case["tmp"], case["selfie"], case["photo"], registration, "--lang", "ru")
    assert rc == 1 and report["decision"] == "rejected"
    by_code = {r["code"]: r for r in report["reasons"]}
    assert {"registration.birth_date_mismatch", "registration.name_mismatch"} <= set(by_code)
    assert by_code["registration.birth_date_mismatch"]["detail"]["registered"] == "1990-01-01"
    assert any("а" <= ch <= "я" for ch in by_code["registration.name_mismatch"]["message"].lower())  # Russian


def test_someone_elses_selfie_is_rejected(case: dict) -> None:
    faces = require_shared(SHARED_FACES)
    person = Path(case["truth"]["portrait"]["source"]).parent.name
    stranger = next(p for p in sorted(faces.glob("*/*.jpg")) if p.parent.name not in (person, "serena_williams")
                    and "aligned" not in p.parent.name)  # fmt: skip
    rc, report = verify(case["tmp"], stranger, case["photo"], case["registration"])
    assert report["decision"] != "verified"
    assert report["face"]["decision"] != "match"


def test_a_blank_selfie_asks_for_a_retry(case: dict) -> None:
    blank = case["tmp"] / "blank.png"
    cv2.imwrite(str(blank), np.full((1200, 1600, 3), 180, np.uint8))
    rc, report = verify(case["tmp"], blank, case["photo"], case["registration"])
    assert report["decision"] == "retry"
    assert {"code": "face.not_found", "image": "selfie"} in [
        {"code": r["code"], "image": r["detail"].get("image")} for r in report["reasons"]
    ]


def test_bad_registration_is_an_input_error_not_a_traceback(case: dict) -> None:
    rc, report = verify(
        case["tmp"], case["selfie"], case["photo"], '{"full_name": "", "birth_date": "2001-02-30"}'
    )
    assert rc == 3 and report["error"]["code"] == "input.registration_invalid"
    locs = {tuple(e["loc"]) for e in report["error"]["detail"]["errors"]}
    assert {("full_name",), ("birth_date",)} <= locs


def test_missing_registration_file_and_broken_policy_are_clear_errors(case: dict) -> None:
    base = [*KYC, "verify", "--json", "--selfie", str(case["selfie"]), "--document", str(case["photo"])]
    proc = subprocess.run([*base, "--registration", str(case["tmp"] / "absent.json")],
                          capture_output=True, text=True, timeout=120, env=ENV)  # fmt: skip
    assert proc.returncode == 3 and json.loads(proc.stdout)["error"]["code"] == "input.not_found"
    reg = case["tmp"] / "ok.json"
    reg.write_text(json.dumps(case["registration"]))
    policy = case["tmp"] / "policy.toml"
    policy.write_text('version = "x"\n[outcomes]\n"face.mismatch" = "maybe"\n')
    proc = subprocess.run([*base, "--registration", str(reg), "--policy", str(policy)],
                          capture_output=True, text=True, timeout=120, env=ENV)  # fmt: skip
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 4 and json.loads(proc.stdout)["error"]["code"] == "policy.invalid"
