"""Reason codes: one schema for every outcome the engine reports.

A reason is a stable dotted code (``mrz.check_digit``), whether the applicant can fix it by trying again
(``retryable``), a short user-safe message, and a ``detail`` dict with the evidence a reviewer needs
(values compared, scores with their thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReasonCode(StrEnum):
    """Every reason code the engine can emit."""

    # image quality gate (retryable: the applicant can take a better photo)
    QUALITY_TOO_SMALL = "quality.too_small"
    QUALITY_BLUR = "quality.blur"
    QUALITY_GLARE = "quality.glare"
    QUALITY_DARK = "quality.too_dark"
    QUALITY_CUT_OFF = "quality.document_cut_off"
    # document
    DOCUMENT_NOT_FOUND = "document.not_found"
    # machine-readable zone
    MRZ_NOT_FOUND = "mrz.not_found"
    MRZ_UNREADABLE = "mrz.unreadable"
    MRZ_CHECK_DIGIT = "mrz.check_digit"
    MRZ_REPAIRED = "mrz.repaired"
    MRZ_NAME_UNCERTAIN = "mrz.name_uncertain"
    # faces
    FACE_NOT_FOUND = "face.not_found"
    FACE_MULTIPLE = "face.multiple"
    FACE_TOO_SMALL = "face.too_small"
    FACE_CUT_OFF = "face.cut_off"
    FACE_EYES_NOT_VISIBLE = "face.eyes_not_visible"
    FACE_MISMATCH = "face.mismatch"
    FACE_UNCERTAIN = "face.uncertain"
    # liveness and selfie misuse
    LIVENESS_SPOOF = "liveness.spoof"
    LIVENESS_UNCERTAIN = "liveness.uncertain"
    SELFIE_IS_DOCUMENT = "selfie.is_document"
    SELFIE_SAME_AS_DOCUMENT = "selfie.same_as_document"
    # the document itself and the policy
    DOCUMENT_EXPIRED = "document.expired"
    DOCUMENT_COUNTRY_NOT_ALLOWED = "document.country_not_allowed"
    APPLICANT_UNDERAGE = "applicant.underage"
    # registration data vs document
    REGISTRATION_NAME_MISMATCH = "registration.name_mismatch"
    REGISTRATION_NAME_UNCERTAIN = "registration.name_uncertain"
    REGISTRATION_BIRTH_DATE_MISMATCH = "registration.birth_date_mismatch"
    REGISTRATION_ID_NUMBER_MISMATCH = "registration.id_number_mismatch"
    REGISTRATION_SEX_MISMATCH = "registration.sex_mismatch"
    REGISTRATION_COUNTRY_MISMATCH = "registration.country_mismatch"
    REGISTRATION_COMPANY_ID_INVALID = "registration.company_id_invalid"
    # national ID-number semantics (Kazakh IIN, Albanian personal number)
    ID_NUMBER_INVALID = "id_number.invalid"
    ID_NUMBER_BIRTH_DATE_MISMATCH = "id_number.birth_date_mismatch"
    ID_NUMBER_SEX_MISMATCH = "id_number.sex_mismatch"


_RETRYABLE = {
    ReasonCode.QUALITY_TOO_SMALL,
    ReasonCode.QUALITY_BLUR,
    ReasonCode.QUALITY_GLARE,
    ReasonCode.QUALITY_DARK,
    ReasonCode.QUALITY_CUT_OFF,
    ReasonCode.DOCUMENT_NOT_FOUND,
    ReasonCode.MRZ_NOT_FOUND,
    ReasonCode.MRZ_UNREADABLE,
    ReasonCode.FACE_NOT_FOUND,
    ReasonCode.FACE_MULTIPLE,
    ReasonCode.FACE_TOO_SMALL,
    ReasonCode.FACE_CUT_OFF,
    ReasonCode.FACE_EYES_NOT_VISIBLE,
    ReasonCode.LIVENESS_SPOOF,
    ReasonCode.SELFIE_IS_DOCUMENT,
    ReasonCode.SELFIE_SAME_AS_DOCUMENT,
}

_MESSAGES: dict[ReasonCode, str] = {
    ReasonCode.QUALITY_TOO_SMALL: "The photo is too small. Take it closer, with the document filling most of the frame.",
    ReasonCode.QUALITY_BLUR: "The photo is blurred. Hold the phone still and let it focus.",
    ReasonCode.QUALITY_GLARE: "Light reflects on the document. Tilt it away from the lamp or window.",
    ReasonCode.QUALITY_DARK: "The photo is too dark. Move to a brighter place.",
    ReasonCode.QUALITY_CUT_OFF: "Part of the document is outside the photo. Show the whole document.",
    ReasonCode.DOCUMENT_NOT_FOUND: "We could not find a document in the photo.",
    ReasonCode.MRZ_NOT_FOUND: "We could not find the machine-readable lines (<<<) on the document.",
    ReasonCode.MRZ_UNREADABLE: "We could not read the machine-readable lines. Take a sharper photo without glare.",
    ReasonCode.MRZ_CHECK_DIGIT: "The machine-readable lines do not pass their checks.",
    ReasonCode.MRZ_REPAIRED: "Some characters were corrected using the check digits.",
    ReasonCode.MRZ_NAME_UNCERTAIN: "The name in the machine-readable lines was hard to read.",
    ReasonCode.FACE_NOT_FOUND: "We could not find a face. Face the camera in good light.",
    ReasonCode.FACE_MULTIPLE: "Only one face may be visible in the selfie.",
    ReasonCode.FACE_TOO_SMALL: "The face is too small. Move the camera closer.",
    ReasonCode.FACE_CUT_OFF: "Keep your whole face inside the frame.",
    ReasonCode.FACE_EYES_NOT_VISIBLE: "Your eyes must be visible. Remove sunglasses or anything covering them.",
    ReasonCode.FACE_MISMATCH: "The selfie does not match the photo on the document.",
    ReasonCode.FACE_UNCERTAIN: "We need a person to compare the selfie with the document photo.",
    ReasonCode.LIVENESS_SPOOF: "We could not confirm a live person. Take a new selfie, not a photo of a photo or screen.",
    ReasonCode.LIVENESS_UNCERTAIN: "We need to check your selfie by hand.",
    ReasonCode.SELFIE_IS_DOCUMENT: "The selfie looks like a photo of an ID document. Take a selfie of your face.",
    ReasonCode.SELFIE_SAME_AS_DOCUMENT: "The selfie and the document photo are the same picture.",
    ReasonCode.DOCUMENT_EXPIRED: "The document has expired. Use a valid document.",
    ReasonCode.DOCUMENT_COUNTRY_NOT_ALLOWED: "Documents from this country are not accepted.",
    ReasonCode.APPLICANT_UNDERAGE: "You must be of the minimum age to register.",
    ReasonCode.REGISTRATION_NAME_MISMATCH: "The name you entered does not match the document.",
    ReasonCode.REGISTRATION_NAME_UNCERTAIN: "We need a person to compare your name with the document.",
    ReasonCode.REGISTRATION_BIRTH_DATE_MISMATCH: "The birth date you entered does not match the document.",
    ReasonCode.REGISTRATION_ID_NUMBER_MISMATCH: "The ID number you entered does not match the document.",
    ReasonCode.REGISTRATION_SEX_MISMATCH: "The sex you entered does not match the document.",
    ReasonCode.REGISTRATION_COUNTRY_MISMATCH: "The country you entered does not match the document.",
    ReasonCode.REGISTRATION_COMPANY_ID_INVALID: "The company number you entered is not valid.",
    ReasonCode.ID_NUMBER_INVALID: "The personal ID number is not valid.",
    ReasonCode.ID_NUMBER_BIRTH_DATE_MISMATCH: "The personal ID number does not agree with the birth date.",
    ReasonCode.ID_NUMBER_SEX_MISMATCH: "The personal ID number does not agree with the sex on the document.",
}


def is_retryable(code: ReasonCode) -> bool:
    """True when the applicant can fix the cause by submitting again."""
    return code in _RETRYABLE


def message_for(code: ReasonCode) -> str:
    """The short, user-safe English message for ``code``."""
    return _MESSAGES[code]


@dataclass(frozen=True)
class Reason:
    """One outcome with its evidence. ``detail`` holds values compared and scores with thresholds."""

    code: ReasonCode
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def retryable(self) -> bool:
        return is_retryable(self.code)

    @property
    def message(self) -> str:
        return message_for(self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "retryable": self.retryable,
            "message": self.message,
            "detail": self.detail,
        }
