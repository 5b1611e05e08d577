"""The `kyc` command end to end: a real process, real generated photos, real bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from samples.generate import generate_set

KYC = [sys.executable, "-m", "kyc_engine.cli"]


def kyc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KYC, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("photos")
    generate_set(out, 3, 4242, layouts=["kaz_id", "passport", "td2_id"], severity_mix={"clean": 1.0})
    return sorted(out.glob("*.jpg"))


def test_json_output_matches_ground_truth(photos: list[Path]) -> None:
    for photo in photos:
        truth = json.loads(photo.with_suffix(".json").read_text())
        proc = kyc("mrz", "--json", str(photo))
        report = json.loads(proc.stdout)  # exactly one JSON object on stdout
        assert proc.returncode == 0, (photo.name, report.get("reasons"))
        assert report["valid"] is True
        assert report["lines"] == truth["mrz_lines"]
        assert report["fields"] == truth["fields"]
        assert report["doc_type"] == truth["doc_type"]
        assert set(report["checks"].values()) <= {"valid", "absent"}
        assert report["elapsed_ms"] > 0 and "name_confidence" in report["quality"]
        assert "Traceback" not in proc.stderr


def test_human_output_shows_fields_and_checks(photos: list[Path]) -> None:
    proc = kyc("mrz", str(photos[0]))
    assert proc.returncode == 0
    assert "VALID MRZ" in proc.stdout and "document_number" in proc.stdout and "✔" in proc.stdout


def test_photo_without_document_is_a_result_not_an_error(tmp_path: Path) -> None:
    import cv2

    rng = np.random.default_rng(3)
    texture = cv2.GaussianBlur(rng.integers(0, 255, (900, 1200, 3), dtype=np.uint8), (0, 0), 3)
    path = tmp_path / "wall.png"
    cv2.imwrite(str(path), texture)
    proc = kyc("mrz", "--json", str(path))
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert report["valid"] is False and report["lines"] == []
    assert report["reason"] == "mrz.not_found"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "input.empty"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "input.unsupported_format"),
        (b"name,birth_date\nAnna,1990-01-01\n", "input.not_an_image"),
    ],
)
def test_bad_files_give_a_code_and_exit_3(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "upload.jpg"
    path.write_bytes(content)
    proc = kyc("mrz", "--json", str(path))
    assert proc.returncode == 3
    assert json.loads(proc.stdout)["error"]["code"] == code
    assert "Traceback" not in proc.stderr + proc.stdout


def test_truncated_photo(tmp_path: Path, photos: list[Path]) -> None:
    data = photos[0].read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 6 // 10])
    proc = kyc("mrz", "--json", str(path))
    assert proc.returncode == 3
    assert json.loads(proc.stdout)["error"]["code"] == "input.truncated"


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    proc = kyc("mrz", str(tmp_path / "nope.jpg"))
    assert proc.returncode == 3 and "input.not_found" in proc.stderr
    assert kyc("mrz").returncode == 2
    help_text = kyc("mrz", "--help").stdout
    assert "exit codes" in help_text and "--json" in help_text


def test_models_command_lists_the_manifest() -> None:
    from tests.conftest import SHARED_MODELS

    proc = kyc("models", "--json")
    info = json.loads(proc.stdout)  # listed whether or not the model directory is there
    assert info["mrz_ocr"]["status"] == "ok" and info["sface"]["status"] == "absent"
    if SHARED_MODELS.is_dir():
        assert proc.returncode == 0, proc.stderr
        assert info["yunet"]["status"] == "ok"
    else:
        assert proc.returncode == 4 and info["yunet"]["status"] == "absent"
