"""Reason codes and their messages: kyc_engine/data/messages.toml covers the enum exactly, every user
message exists in every supported language in the right script, and reviewer templates never raise."""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import replace
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
import pytest

from kyc_engine.checks import compare_registration, document_checks
from kyc_engine.face_stage import _selfie_reasons
from kyc_engine.liveness.minifasnet import LivenessResult
from kyc_engine.liveness.misuse import DocumentInSelfie, HashMatch, MisuseResult, SameImage
from kyc_engine.mrz.parse import empty_result
from kyc_engine.mrz_stage import MrzStage
from kyc_engine.policy import PolicyLimits
from kyc_engine.quality import assess_image, assess_region, document_cut_off
from kyc_engine.reasons import (
    SUPPORTED_LANGUAGES,
    Reason,
    ReasonCode,
    detail_keys,
    is_retryable,
    message_for,
    reviewer_message,
)
from kyc_engine.registration.idnumbers import check_personal_number, iin_check_digit
from kyc_engine.registration.model import parse_registration

CODES = list(ReasonCode)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z]")


def _toml() -> dict[str, Any]:
    text = resources.files("kyc_engine").joinpath("data/messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _fields(template: str) -> list[tuple[str, str | None, str | None]]:
    """(name, format spec, conversion) of each placeholder."""
    return [
        (name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None
    ]


def _fell_back(text: str, code: ReasonCode) -> bool:
    return f"[{code}; detail:" in text


def test_toml_covers_the_enum_exactly() -> None:
    table = _toml()
    assert set(table) == {str(c) for c in CODES}


@pytest.mark.parametrize("code", CODES, ids=str)
def test_every_code_has_every_language_and_a_reviewer_template(code: ReasonCode) -> None:
    entry = _toml()[str(code)]
    assert set(entry) == {*SUPPORTED_LANGUAGES, "reviewer", "detail_keys"}
    for lang in SUPPORTED_LANGUAGES:
        text = entry[lang]
        assert isinstance(text, str) and text.strip() == text and text, (code, lang)
        assert message_for(code, lang) == text
    assert isinstance(entry["reviewer"], str) and entry["reviewer"]
    assert isinstance(entry["detail_keys"], list)
    assert len(set(entry["detail_keys"])) == len(entry["detail_keys"])


@pytest.mark.parametrize("code", CODES, ids=str)
def test_user_messages_are_safe_and_in_the_right_script(code: ReasonCode) -> None:
    english = message_for(code, "en")
    for lang in SUPPORTED_LANGUAGES:
        text = message_for(code, lang)
        # no placeholders and no numbers: a user message never carries evidence or scores
        assert not re.search(r"[{}0-9]", text), (code, lang, text)
        if lang != "en":
            assert text != english, f"{code}: {lang} is not translated"
    for lang in ("kk", "ru"):
        text = message_for(code, lang)
        assert CYRILLIC.search(text) and not LATIN.search(text), (code, lang, text)
    for lang in ("sq", "sw", "en"):
        text = message_for(code, lang)
        assert LATIN.search(text) and not CYRILLIC.search(text), (code, lang, text)


def test_albanian_and_kazakh_use_their_own_letters() -> None:
    """Guards against Albanian written without ë/ç and Kazakh written as plain Russian."""
    albanian = " ".join(message_for(c, "sq") for c in CODES)
    kazakh = " ".join(message_for(c, "kk") for c in CODES)
    assert "ë" in albanian and "ç" in albanian
    assert re.search("[әғқңөұүһі]", kazakh)


@pytest.mark.parametrize("code", CODES, ids=str)
def test_reviewer_placeholders_are_documented_detail_keys(code: ReasonCode) -> None:
    template = _toml()[str(code)]["reviewer"]
    documented = set(detail_keys(code))
    for name, spec, conversion in _fields(template):
        assert name.isidentifier(), f"{code}: {{{name}}} must be a plain key"
        assert not spec and conversion is None, f"{code}: {{{name}}} takes no format spec or conversion"
        assert name in documented, f"{code}: {{{name}}} is not in detail_keys {sorted(documented)}"


@pytest.mark.parametrize("code", CODES, ids=str)
def test_reviewer_template_renders_with_documented_keys(code: ReasonCode) -> None:
    detail = {key: f"<{key}>" for key in detail_keys(code)}
    text = reviewer_message(code, detail)
    assert not _fell_back(text, code), text
    assert "{" not in text and "}" not in text
    for name, _, _ in _fields(_toml()[str(code)]["reviewer"]):
        assert f"<{name}>" in text


@pytest.mark.parametrize("code", CODES, ids=str)
@pytest.mark.parametrize("detail", [None, {}, {"unrelated": 1}, {"value": None, "threshold": [1, 2]}])
def test_reviewer_message_never_raises_on_missing_keys(
    code: ReasonCode, detail: dict[str, Any] | None
) -> None:
    text = reviewer_message(code, detail)
    assert text
    if _fell_back(text, code):
        assert text.startswith(message_for(code))  # generic text, then the raw detail


def test_reviewer_message_shows_the_evidence() -> None:
    detail = {
        "similarity": 0.41,
        "threshold": 0.5,
        "distance": 0.59,
        "distance_threshold": 0.5,
        "model": "dlib_resnet_v1",
    }
    text = reviewer_message(ReasonCode.FACE_MISMATCH, detail)
    assert text == "Face similarity 0.41 < threshold 0.5 (distance 0.59 > 0.5, model dlib_resnet_v1)."
    partial = reviewer_message(ReasonCode.FACE_MISMATCH, {"similarity": 0.41})
    assert (
        partial
        == 'The selfie does not match the photo on the document. [face.mismatch; detail: {"similarity": 0.41}]'
    )
    checks = reviewer_message(
        ReasonCode.MRZ_CHECK_DIGIT, {"failed_checks": ["birth_date", "final"], "warnings": []}
    )
    assert checks == "MRZ check digits failed: birth_date, final. Warnings: none."
    blur = reviewer_message(
        ReasonCode.QUALITY_BLUR,
        {"value": None, "threshold": 2.5, "region": "mrz", "edge_pixels": 3, "work_scale": 1.0},
    )
    assert "sigma n/a px, maximum 2.5 px" in blur


def _emitted() -> list[Reason]:
    """Reasons produced by the real emitters that need no model files (face.mismatch/uncertain need the
    embedding model and are checked against face_stage by hand)."""
    black = np.zeros((100, 120, 3), np.uint8)  # too small, too dark, too few edges to measure blur
    white = np.full((400, 600, 3), 255, np.uint8)  # all glare
    checker = np.kron((np.indices((20, 30)).sum(0) % 2) * 255, np.ones((40, 40))).astype(np.uint8)
    sharp = np.dstack([checker] * 3)  # measurable blur sigma
    reasons = [
        *assess_image(black).reasons,
        *assess_region(white, (10, 10, 300, 200), "mrz").reasons,
        *assess_region(sharp, (10, 10, 300, 200), "portrait").reasons,
    ]
    cut = document_cut_off([(-40, 10), (900, 12), (905, 600), (-35, 598)], (1600, 1200))
    assert cut is not None
    reasons.append(cut)
    failed = replace(empty_result(["X"], "unreadable"), checks={"birth_date": "invalid"})
    reasons += MrzStage._mrz_reasons(failed, [])
    reasons += MrzStage._mrz_reasons(empty_result(["X"], "unreadable"), [])
    reasons += MrzStage._mrz_reasons(None, [])
    for decision, probability in (("spoof", 0.05), ("uncertain", 0.5)):
        live = LivenessResult(
            probability, decision, 0.8, 0.2, {}, (0, 0, 10, 10), {}, {}, {"minifasnet_v2": "0" * 64}, 1.0
        )  # type: ignore[arg-type]
        misuse = MisuseResult(
            SameImage(HashMatch(dhash=5, phash=4, threshold=10), None),
            DocumentInSelfie(True, 0.91, 0.5, None, encloses_face=True, mrz_lines=2, mrz_score=0.8),
            ("selfie.same_as_document", "selfie.is_document"),
        )
        reasons += _selfie_reasons(live, misuse)
    reasons += _registration_reasons()
    return reasons


def _registration_reasons() -> list[Reason]:
    today = date(2026, 11, 1)
    limits = PolicyLimits(minimum_age=18, allowed_countries=frozenset({"ALB"}))
    fields = {
        "surname": "ABDIKADYROV",
        "given_names": "ERZHAN",
        "birth_date": "2010-01-01",
        "expiry_date": "2026-10-31",
        "sex": "M",
        "issuing_country": "KAZ",
        "nationality": "KAZ",
        "document_number": "029445555",
        "optional_data": "611130300529",  # IIN-shaped, wrong check digit
    }
    registration = parse_registration(
        {
            "full_name": "Aigerim Abdikadyrova",
            "birth_date": "1961-11-29",
            "id_number": "029445556",
            "country": "ALB",
            "sex": "F",
            "company_id": "K12345678",
        }
    )
    head = "62113030052"
    iin = head + str(iin_check_digit(head))  # born 1962 by the IIN, 1961 by the document
    return [
        *document_checks(fields, limits, today),
        *compare_registration(registration, fields).reasons,
        *check_personal_number("KAZ", iin, date(1961, 11, 30), "F"),
    ]


def test_emitted_details_match_the_documented_keys() -> None:
    reasons = _emitted()
    seen = {r.code for r in reasons}
    assert {ReasonCode.QUALITY_TOO_SMALL, ReasonCode.QUALITY_DARK, ReasonCode.QUALITY_GLARE} <= seen
    assert {ReasonCode.QUALITY_CUT_OFF, ReasonCode.MRZ_CHECK_DIGIT, ReasonCode.MRZ_UNREADABLE} <= seen
    assert {ReasonCode.LIVENESS_SPOOF, ReasonCode.LIVENESS_UNCERTAIN, ReasonCode.SELFIE_IS_DOCUMENT} <= seen
    assert ReasonCode.SELFIE_SAME_AS_DOCUMENT in seen
    assert {
        ReasonCode.DOCUMENT_EXPIRED,
        ReasonCode.APPLICANT_UNDERAGE,
        ReasonCode.DOCUMENT_COUNTRY_NOT_ALLOWED,
    } <= seen
    registration = {c for c in CODES if str(c).startswith(("registration.", "id_number."))}
    registration -= {ReasonCode.REGISTRATION_NAME_UNCERTAIN}  # same emitter and keys as name_mismatch
    assert registration <= seen, sorted(registration - seen)
    for reason in reasons:
        assert set(reason.detail) <= set(detail_keys(reason.code)), (reason.code, sorted(reason.detail))
        assert not _fell_back(reason.reviewer_message, reason.code), reason.reviewer_message


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_reason_to_dict_shape(lang: str) -> None:
    reason = Reason(ReasonCode.QUALITY_DARK, {"value": 20.5, "threshold": 40.0, "region": "image"})
    out = reason.to_dict(lang)
    assert list(out) == ["code", "retryable", "message", "detail", "reviewer_message"]
    assert out["code"] == "quality.too_dark"
    assert out["retryable"] is True and out["retryable"] == is_retryable(ReasonCode.QUALITY_DARK)
    assert out["message"] == message_for(ReasonCode.QUALITY_DARK, lang) == reason.message_in(lang)
    assert out["detail"] == reason.detail
    # the reviewer message is always English; here "p95_luminance" is missing, so it falls back
    assert out["reviewer_message"] == reason.reviewer_message
    assert out["reviewer_message"].startswith("The photo is too dark.")


def test_to_dict_defaults_to_english() -> None:
    reason = Reason(ReasonCode.FACE_MISMATCH)
    assert reason.to_dict() == reason.to_dict("en")
    assert (
        reason.to_dict()["message"]
        == reason.message
        == "The selfie does not match the photo on the document."
    )
    assert reason.to_dict()["detail"] == {}


@pytest.mark.parametrize("lang", ["de", "", "xx-YY", "english", "kz"])
def test_unknown_language_falls_back_to_english(lang: str) -> None:
    assert message_for(ReasonCode.QUALITY_BLUR, lang) == message_for(ReasonCode.QUALITY_BLUR)
    assert Reason(ReasonCode.QUALITY_BLUR).to_dict(lang)["message"] == message_for(ReasonCode.QUALITY_BLUR)


@pytest.mark.parametrize(("tag", "lang"), [("kk-KZ", "kk"), ("ru_RU", "ru"), ("SQ", "sq"), ("sw-KE", "sw")])
def test_regional_tags_use_their_language(tag: str, lang: str) -> None:
    assert message_for(ReasonCode.FACE_NOT_FOUND, tag) == message_for(ReasonCode.FACE_NOT_FOUND, lang)
