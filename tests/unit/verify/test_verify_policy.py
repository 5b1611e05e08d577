"""The decision policy: outcome per reason, severity order, soft codes, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyc_engine.errors import ModelError
from kyc_engine.policy import load_policy
from kyc_engine.reasons import Reason, ReasonCode
from kyc_engine.settings import DEFAULT_POLICY

POLICY = load_policy(DEFAULT_POLICY)


def decide(*codes: ReasonCode, conclusive: bool = True, **detail: object) -> str:
    return POLICY.decide([Reason(c, dict(detail)) for c in codes], conclusive=conclusive).decision


def test_default_policy_covers_every_code_and_is_versioned() -> None:
    assert set(POLICY.outcomes) == set(ReasonCode)
    assert POLICY.version and POLICY.limits.minimum_age == 18


def test_no_reasons_is_verified_and_severity_orders_outcomes() -> None:
    assert decide() == "verified"
    assert decide(ReasonCode.MRZ_REPAIRED) == "verified"  # info only
    assert decide(ReasonCode.FACE_UNCERTAIN) == "review"
    assert decide(ReasonCode.FACE_UNCERTAIN, ReasonCode.FACE_NOT_FOUND) == "retry"
    assert (
        decide(ReasonCode.FACE_NOT_FOUND, ReasonCode.DOCUMENT_EXPIRED, ReasonCode.FACE_UNCERTAIN)
        == "rejected"
    )


def test_quality_findings_ask_for_a_retry_only_when_they_spoiled_a_check() -> None:
    assert decide(ReasonCode.QUALITY_BLUR, conclusive=False) == "retry"
    assert decide(ReasonCode.QUALITY_BLUR, conclusive=True) == "verified"
    assert decide(ReasonCode.FACE_MULTIPLE, conclusive=True) == "retry"  # not soft


def test_check_digit_failure_is_final_only_on_a_clear_reading() -> None:
    assert decide(ReasonCode.MRZ_CHECK_DIGIT, conclusive=False, clear_reading=False) == "retry"
    assert decide(ReasonCode.MRZ_CHECK_DIGIT, conclusive=False, clear_reading=True) == "rejected"


def test_policy_file_errors_say_what_is_wrong(tmp_path: Path) -> None:
    missing = DEFAULT_POLICY.read_text().replace('"face.mismatch" = "rejected"\n', "")
    (tmp_path / "missing.toml").write_text(missing)
    with pytest.raises(ModelError) as err:
        load_policy(tmp_path / "missing.toml")
    assert err.value.code == "policy.invalid" and "face.mismatch" in err.value.message

    bad = DEFAULT_POLICY.read_text().replace('"face.mismatch" = "rejected"', '"face.mismatch" = "maybe"')
    (tmp_path / "bad.toml").write_text(bad)
    with pytest.raises(ModelError, match="face.mismatch"):
        load_policy(tmp_path / "bad.toml")

    (tmp_path / "country.toml").write_text(
        DEFAULT_POLICY.read_text().replace("allowed_countries = []", 'allowed_countries = ["XYZ"]')
    )
    with pytest.raises(ModelError, match="XYZ"):
        load_policy(tmp_path / "country.toml")

    (tmp_path / "broken.toml").write_text("version = ")
    with pytest.raises(ModelError) as err:
        load_policy(tmp_path / "broken.toml")
    assert err.value.code == "policy.invalid"
    with pytest.raises(ModelError) as err:
        load_policy(tmp_path / "absent.toml")
    assert err.value.code == "policy.not_found"


def test_face_mismatch_against_a_poor_document_photo_asks_for_a_retry() -> None:
    assert decide(ReasonCode.FACE_MISMATCH, conclusive=False) == "rejected"
    assert decide(ReasonCode.FACE_MISMATCH, conclusive=False, document_quality_poor=True) == "retry"


def test_face_mismatch_against_a_blurred_portrait_goes_to_review() -> None:
    """Marked by the face stage (calibrated sharpness and distance limits): review, never verified; an
    unmarked mismatch stays final."""
    assert decide(ReasonCode.FACE_MISMATCH, low_quality_portrait=True) == "review"
    assert decide(ReasonCode.FACE_MISMATCH, low_quality_portrait=False) == "rejected"
    assert decide(
        ReasonCode.FACE_MISMATCH, ReasonCode.REGISTRATION_NAME_MISMATCH, low_quality_portrait=True
    ) == ("rejected")


def test_face_mismatch_with_other_faces_in_the_selfie_asks_for_a_selfie_alone() -> None:
    """The face compared may be a bystander's: retry (never verified); other findings still decide."""
    assert decide(ReasonCode.FACE_MISMATCH, ReasonCode.FACE_MULTIPLE, other_faces_a=1) == "retry"
    assert decide(ReasonCode.FACE_MISMATCH, other_faces_a=0) == "rejected"
    assert decide(ReasonCode.FACE_MISMATCH, ReasonCode.REGISTRATION_NAME_MISMATCH, other_faces_a=1) == "rejected"
