"""Reason codes: one schema for every outcome the engine reports.

A reason is a stable dotted code (``mrz.check_digit``), whether the applicant can fix it by trying again
(``retryable``), a short user-safe message, and a ``detail`` dict with the evidence a reviewer needs
(values compared, scores with their thresholds).

Messages live in ``kyc_engine/data/messages.toml`` (read once, on first use): per code, the user message
in each of :data:`SUPPORTED_LANGUAGES` and an English reviewer template rendered from ``detail``::

    reason = Reason(ReasonCode.FACE_MISMATCH, {"similarity": 0.41, "threshold": 0.5, ...})
    reason.message_in("kk")    # 'Селфи құжаттағы фотоға сәйкес келмейді.'
    reason.reviewer_message    # 'Face similarity 0.41 < threshold 0.5 (distance ..., model ...).'
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any, Final


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
    FACE_DUPLICATE_IDENTITY = "face.duplicate_identity"  # 1:N: same face, another registration
    # liveness and selfie misuse
    LIVENESS_SPOOF = "liveness.spoof"
    LIVENESS_UNCERTAIN = "liveness.uncertain"
    SELFIE_IS_DOCUMENT = "selfie.is_document"
    SELFIE_SAME_AS_DOCUMENT = "selfie.same_as_document"
    # the document itself and the policy
    DOCUMENT_EXPIRED = "document.expired"
    DOCUMENT_COUNTRY_NOT_ALLOWED = "document.country_not_allowed"
    DOCUMENT_VIZ_MRZ_MISMATCH = "document.viz_mrz_mismatch"  # printed fields disagree with the MRZ
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


def is_retryable(code: ReasonCode) -> bool:
    """True when the applicant can fix the cause by submitting again."""
    return code in _RETRYABLE


#: Languages with a user message for every code: English, Swahili, Kazakh (Cyrillic), Russian, Albanian.
SUPPORTED_LANGUAGES: Final = ("en", "sw", "kk", "ru", "sq")
DEFAULT_LANGUAGE: Final = "en"


@functools.cache
def _catalogue() -> dict[str, dict[str, Any]]:
    """``messages.toml``: code -> {language: message, "reviewer": template, "detail_keys": [...]}."""
    text = resources.files("kyc_engine").joinpath("data/messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _entry(code: ReasonCode | str) -> dict[str, Any]:
    try:
        return _catalogue()[str(code)]
    except KeyError:
        raise KeyError(
            f"no messages for reason code {str(code)!r} in kyc_engine/data/messages.toml"
        ) from None


def _language(lang: str | None) -> str:
    """The supported language for a tag, else English: ``"ru-RU"`` -> ``"ru"``, ``"de"`` -> ``"en"``."""
    base = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def message_for(code: ReasonCode, lang: str = DEFAULT_LANGUAGE) -> str:
    """The short, user-safe message for ``code`` in ``lang`` (one of :data:`SUPPORTED_LANGUAGES`;
    a regional tag like ``"kk-KZ"`` uses its language, anything else falls back to English).

    Example: ``message_for(ReasonCode.QUALITY_DARK, "sw") == "Picha ina giza mno. ..."``.
    """
    entry = _entry(code)
    return str(entry.get(_language(lang)) or entry[DEFAULT_LANGUAGE])


def detail_keys(code: ReasonCode) -> tuple[str, ...]:
    """The ``detail`` keys the engine emits for ``code`` (those the reviewer template may use)."""
    return tuple(_entry(code).get("detail_keys", ()))


def reviewer_message(code: ReasonCode, detail: Mapping[str, Any] | None = None) -> str:
    """English text for a reviewer: the code's template filled from ``detail`` (values compared, scores
    with thresholds), e.g. ``"Face similarity 0.41 < threshold 0.5 (..., model dlib_resnet_v1)."``.

    Never raises on ``detail``: if a key the template needs is missing (or cannot be shown), the result is
    the English user message followed by the code and the raw detail as JSON. ``None`` is shown as
    ``n/a``, lists as comma-separated values.
    """
    detail = dict(detail or {})
    template = str(_entry(code).get("reviewer", ""))
    try:
        return template.format_map({key: _show(value) for key, value in detail.items()})
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        raw = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        return f"{message_for(code)} [{code}; detail: {raw}]"


def _show(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_show(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


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
        """The user message in English."""
        return message_for(self.code)

    def message_in(self, lang: str) -> str:
        """The user message in ``lang`` (e.g. ``"kk"``, ``"sw"``); unsupported languages get English."""
        return message_for(self.code, lang)

    @property
    def reviewer_message(self) -> str:
        """English evidence for a reviewer, rendered from ``detail`` (see :func:`reviewer_message`)."""
        return reviewer_message(self.code, self.detail)

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """``{"code", "retryable", "message" (in lang), "detail", "reviewer_message" (English)}``."""
        return {
            "code": str(self.code),
            "retryable": self.retryable,
            "message": self.message_in(lang),
            "detail": self.detail,
            "reviewer_message": self.reviewer_message,
        }
