"""`kyc face-compare` end to end on real photos from ../shared/faces (skipped when absent)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from samples.generate import generate_set
from tests.conftest import SHARED_FACES, require_shared

KYC = [sys.executable, "-m", "kyc_engine.cli"]


def compare(a: Path, b: Path, *flags: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [*KYC, "face-compare", "--json", *flags, str(a), str(b)], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def faces() -> Path:
    return require_shared(SHARED_FACES)


def test_same_person_matches_with_evidence(faces: Path) -> None:
    rc, report = compare(
        faces / "serena_williams/serena_williams_01.jpg", faces / "serena_williams/serena_williams_03.jpg"
    )
    assert rc == 0 and report["match"] is True and report["decision"] == "match"
    assert 0.5 < report["similarity"] <= 1.0 and report["threshold"] == 0.5
    assert report["model"].startswith("dlib_resnet_v1")
    assert len(report["faces"]["a"]["box"]) == 4 and report["faces"]["b"]["score"] >= 0.8


def test_different_people_do_not_match(faces: Path) -> None:
    rc, report = compare(
        faces / "serena_williams/serena_williams_01.jpg", faces / "tom_hanks/tom_hanks_02.jpg"
    )
    assert rc == 1 and report["match"] is False
    assert report["similarity"] < 0.5
    assert "face.mismatch" in [r["code"] for r in report["reasons"]]


def test_selfie_against_a_document_photo_finds_the_portrait(faces: Path, tmp_path: Path) -> None:
    generate_set(tmp_path, 1, 99, layouts=["alb_id"], severity_mix={"clean": 1.0})
    photo = next(tmp_path.glob("*.jpg"))
    truth = json.loads(photo.with_suffix(".json").read_text())
    identity_dir = faces / Path(truth["portrait"]["source"]).parent
    others = sorted(p for p in identity_dir.glob("*.jpg") if p.name != Path(truth["portrait"]["source"]).name)
    rc, report = compare(others[0], photo)
    assert report["faces"]["b"]["found"] is True
    assert report["decision"] in {"match", "uncertain"}, report


def test_rotated_selfie_is_found_and_no_face_is_a_reason(faces: Path, tmp_path: Path) -> None:
    src = cv2.imread(str(faces / "tom_hanks/tom_hanks_01.jpg"))
    turned = tmp_path / "turned.jpg"
    cv2.imwrite(str(turned), cv2.rotate(src, cv2.ROTATE_180))
    rc, report = compare(turned, faces / "tom_hanks/tom_hanks_03.jpg")
    assert report["faces"]["a"]["rotation"] == 180 and report["match"] is True
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640, 3), 200, np.uint8))
    rc, report = compare(blank, faces / "tom_hanks/tom_hanks_03.jpg")
    assert rc == 1 and report["decision"] == "no_face" and report["similarity"] is None
    assert {"code": "face.not_found", "image": "a"} == {
        "code": report["reasons"][0]["code"],
        "image": report["reasons"][0]["detail"]["image"],
    }


def codes(report: dict) -> list[str]:
    return [r["code"] for r in report["reasons"]]


def test_selfie_checks_pass_a_real_selfie_with_liveness_evidence(faces: Path, tmp_path: Path) -> None:
    generate_set(tmp_path, 1, 99, layouts=["alb_id"], severity_mix={"clean": 1.0})
    photo = next(tmp_path.glob("*.jpg"))
    truth = json.loads(photo.with_suffix(".json").read_text())
    source = Path(truth["portrait"]["source"])
    selfie = next(p for p in sorted((faces / source.parent).glob("*.jpg")) if p.name != source.name)
    rc, report = compare(selfie, photo, "--selfie")
    live = report["liveness"]
    assert live["decision"] in {"live", "uncertain", "spoof"} and 0.0 <= live["live_probability"] <= 1.0
    assert (live["accept_threshold"], live["reject_threshold"]) == (0.8, 0.15)  # from the manifest
    assert set(live["models"]) == {"minifasnet_v2", "minifasnet_v1se"}
    assert live["crop"]["box_height"] == 0.85 and 0.0 < live["crop"]["downscale"] <= 1.0  # how it was cut
    assert report["misuse"]["codes"] == [] and "selfie.is_document" not in codes(report)
    assert {"liveness", "misuse"} <= set(report["timings_ms"])


def test_photo_of_the_id_card_as_selfie_is_flagged(faces: Path, tmp_path: Path) -> None:
    generate_set(tmp_path / "a", 1, 5, layouts=["kaz_id"], severity_mix={"clean": 1.0})
    generate_set(tmp_path / "b", 1, 5, layouts=["kaz_id"], severity_mix={"normal": 1.0}, flat=True)
    card_photo = next((tmp_path / "a").glob("*.jpg"))
    rc, report = compare(card_photo, next((tmp_path / "b").glob("*.jpg")), "--selfie")
    assert rc == 1
    assert "selfie.is_document" in codes(report)
    evidence = next(r for r in report["reasons"] if r["code"] == "selfie.is_document")["detail"]
    assert evidence["document_score"] >= evidence["threshold"]


def test_same_picture_as_selfie_and_document_is_flagged(faces: Path) -> None:
    photo = faces / "tom_hanks/tom_hanks_01.jpg"
    rc, report = compare(photo, photo, "--selfie")
    assert "selfie.same_as_document" in codes(report)
    assert report["misuse"]["same_image"]["whole"]["phash_distance"] == 0


def test_without_selfie_flag_no_selfie_checks_run(faces: Path) -> None:
    photo = faces / "tom_hanks/tom_hanks_01.jpg"
    rc, report = compare(photo, photo)
    assert report["liveness"] is None and report["misuse"] is None


def test_boxes_and_landmarks_are_in_input_pixels_whatever_the_working_size(
    faces: Path, tmp_path: Path
) -> None:
    """The face stage works on images shrunk to 1600 px; the JSON gives coordinates of the input image."""
    img = cv2.imread(str(faces / "serena_williams/serena_williams_01.jpg"))
    small = cv2.resize(img, (1000, round(img.shape[0] * 1000 / img.shape[1])), interpolation=cv2.INTER_AREA)
    big = cv2.resize(img, (3000, round(img.shape[0] * 3000 / img.shape[1])), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(tmp_path / "small.png"), small)
    cv2.imwrite(str(tmp_path / "big.png"), big)
    rc, report = compare(tmp_path / "small.png", tmp_path / "big.png")
    assert rc == 0, report["reasons"]
    a, b = report["faces"]["a"], report["faces"]["b"]
    assert a["work_scale"] == 1.0 and b["work_scale"] == pytest.approx(1600 / max(big.shape[:2]), abs=1e-4)
    assert np.allclose(np.array(b["box"]), 3 * np.array(a["box"]), rtol=0.03, atol=6)
    assert np.allclose(np.array(b["landmarks"]), 3 * np.array(a["landmarks"]), rtol=0.03, atol=6)
    assert b["box"][0] + b["box"][2] <= big.shape[1] and b["box"][1] + b["box"][3] <= big.shape[0]
