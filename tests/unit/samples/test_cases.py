"""Labelled verify cases (samples.cases): files, labels, and that each category is what it says."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from samples.cases import CATEGORIES, FacesMissingError, al_check_letter, generate_cases, main, make_case
from samples.registration import natural_case
from tests.conftest import SHARED_FACES, require_shared

AS_OF = dt.date(2026, 11, 1)
REGISTRATION_KEYS = ["full_name", "birth_date", "id_number", "country", "sex", "company_id"]
CASE_KEYS = {"id", "seed", "category", "layout", "expected_decision", "notes", "truth"}
EXPECTED = {
    "genuine": "verified", "translit_name": "verified", "other_selfie": "rejected", "other_name": "rejected",
    "wrong_birth_date": "rejected", "expired": "rejected", "tampered_mrz": "rejected",
    "id_photo_selfie": "rejected", "no_face": "retry", "unreadable_document": "retry",
}
SEED = 20261123


def icao_check(data: str) -> str:
    """ICAO 9303 check digit, written here so the test does not trust the generator's."""
    def value(c: str) -> int:
        return 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55

    return str(sum(value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(data)) % 10)


@pytest.fixture(scope="module")
def case_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    require_shared(SHARED_FACES)
    out = tmp_path_factory.mktemp("cases")
    generate_cases(out, 10, seed=SEED, faces_dir=SHARED_FACES)
    return out, json.loads((out / "index.json").read_text(encoding="utf-8"))


def _load(out: Path, entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    case = json.loads((out / entry["files"]["case"]).read_text(encoding="utf-8"))
    registration = json.loads((out / entry["files"]["registration"]).read_text(encoding="utf-8"))
    return case, registration


def test_files_keys_and_labels(case_set: tuple[Path, dict[str, Any]]) -> None:
    out, index = case_set
    assert CATEGORIES == EXPECTED
    assert [e["category"] for e in index["cases"]] == list(EXPECTED)
    for entry in index["cases"]:
        cid = entry["id"]
        for suffix in ("_selfie.jpg", "_document.jpg", "_registration.json", "_case.json"):
            assert (out / f"{cid}{suffix}").stat().st_size > 1000 or suffix.endswith(".json")
        case, registration = _load(out, entry)
        assert CASE_KEYS <= set(case) and case["id"] == cid
        assert case["expected_decision"] == EXPECTED[case["category"]] == entry["expected_decision"]
        assert list(registration) == REGISTRATION_KEYS
        assert case["truth"]["mrz_lines"] and case["truth"]["fields"]["document_number"]


def test_selfie_identities(case_set: tuple[Path, dict[str, Any]]) -> None:
    out, index = case_set
    for entry in index["cases"]:
        case, _ = _load(out, entry)
        portrait, selfie = case["truth"]["portrait"], case["selfie"]
        if case["category"] in ("id_photo_selfie", "no_face"):
            assert selfie["source"] is None
        elif case["category"] == "other_selfie":
            assert selfie["identity"] != portrait["identity"]
        else:  # a different photo of the same person, never the portrait's own file
            assert selfie["identity"] == portrait["identity"]
            assert selfie["source"] != portrait["source"]
            assert Path(selfie["source"]).parent.name == portrait["identity"]


def test_registration_per_category(case_set: tuple[Path, dict[str, Any]]) -> None:
    out, index = case_set
    for entry in index["cases"]:
        case, reg = _load(out, entry)
        truth = case["truth"]
        expiry = dt.date.fromisoformat(truth["fields"]["expiry_date"])
        if case["category"] == "expired":
            assert expiry < AS_OF and truth["expired"]
        else:
            assert expiry > AS_OF and not truth["expired"]
        if case["category"] == "wrong_birth_date":
            assert reg["birth_date"] != truth["holder"]["birth_date"]
        else:
            assert reg["birth_date"] == truth["holder"]["birth_date"]
        if case["category"] == "other_name":
            assert reg["full_name"].casefold() != natural_case(truth["holder"]["full_name_latin"]).casefold()
        assert reg["sex"] in ("M", "F", None)
        assert reg["country"] in (truth["fields"]["issuing_country"], "DEU")


def _check_tampered(case: dict[str, Any], reg: dict[str, Any]) -> None:
    truth, details = case["truth"], case["details"]
    lines = truth["mrz_lines"]
    td1 = truth["format"] == "TD1"
    if details["field"] == "birth_date":
        line, start = (1, 0) if td1 else (1, 13)
        data, cd = lines[line][start:start + 6], lines[line][start + 6]
        assert data == dt.date.fromisoformat(details["altered"]).strftime("%y%m%d")
        assert truth["holder"]["birth_date"] == details["altered"] == reg["birth_date"]
    else:
        line, start = (0, 5) if td1 else (1, 0)
        data, cd = lines[line][start:start + 9], lines[line][start + 9]
        assert data.rstrip("<") == details["altered"] == truth["fields"]["document_number"] == reg["id_number"]
    assert icao_check(data) != cd, "the forged field must fail its check digit"
    original = details["original"] if details["field"] == "document_number" else \
        dt.date.fromisoformat(details["original"]).strftime("%y%m%d")
    assert icao_check(original.ljust(len(data), "<")) == cd, "the check digit is the issued one"


def test_tampered_mrz_fails_its_check_digit(case_set: tuple[Path, dict[str, Any]]) -> None:
    out, index = case_set
    (entry,) = [e for e in index["cases"] if e["category"] == "tampered_mrz"]
    _check_tampered(*_load(out, entry))


def test_tampered_td3_and_reproducible() -> None:
    require_shared(SHARED_FACES)
    i = 2 * len(CATEGORIES) + list(CATEGORIES).index("tampered_mrz")  # alb_passport, a TD3
    a, b = make_case(i, SEED, SHARED_FACES), make_case(i, SEED, SHARED_FACES)
    truth = a["case"]["truth"]
    assert truth["format"] == "TD3" and truth["layout"] == "alb_passport"
    _check_tampered(a["case"], a["registration"])
    pn = truth["holder"]["personal_number"]  # Albanian: the check letter real numbers have
    assert pn == truth["fields"]["optional_data"] and pn[9] == al_check_letter(pn[:9])
    assert a["registration"] == b["registration"] and a["case"] == b["case"]
    assert (a["selfie"][0] == b["selfie"][0]).all() and (a["document"][0] == b["document"][0]).all()


def test_without_faces_it_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FacesMissingError):
        generate_cases(tmp_path / "out", 1, faces_dir=tmp_path / "nofaces")
    assert main(["--out", str(tmp_path / "out"), "--count", "1", "--faces", str(tmp_path / "nofaces")]) == 2
    assert "need real face photos" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("viz", "typed"), [("KASTRIOTI-SKËNDERBEU", "Kastrioti-Skënderbeu"),
                                             ("O'CONNOR", "O'Connor"), ("VON DER HEYDT", "Von der Heydt"),
                                             ("ӘБДІҚАДЫРОВ", "Әбдіқадыров")])
def test_natural_case(viz: str, typed: str) -> None:
    assert natural_case(viz) == typed


def test_albanian_check_letter_matches_published_examples() -> None:
    assert al_check_letter("J91402501") == "L" and al_check_letter("K22218003") == "V"  # python-stdnum al.nipt
