"""Checks of a read document against the policy limits and against the registration data.

Pure functions of the MRZ fields, the registration and a date: every finding is a
:class:`~kyc_engine.reasons.Reason` whose ``detail`` holds the values compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final

from .policy import PolicyLimits
from .reasons import Reason, ReasonCode
from .registration.idnumbers import check_company_id, check_personal_number, compare_id_numbers
from .registration.model import Registration
from .registration.names import match_names

if TYPE_CHECKING:
    from .ocr.viz import VizResult

#: ICAO codes that differ from ISO 3166 alpha-3 (Germany is ``D`` in an MRZ).
_ICAO_TO_ISO = {"D": "DEU"}
#: The shape a national personal number must have before its scheme is applied: the optional-data field of
#: a passport may hold something else (a file number), which is not evidence of a forged number.
_PERSONAL_NUMBER_SHAPE = {"KAZ": re.compile(r"^\d{12}$"), "ALB": re.compile(r"^[0-9A-Z]\d{8}[A-Z]$")}


#: A visual-zone field takes part in a comparison only when it was read in its field's form (a date, a
#: number of 5+ characters, M/F/X, a name) with at least this Tesseract confidence: a misread printed
#: field must not send a genuine applicant to review. See benchmarks/RESULTS.md (verify).
VIZ_MIN_CONFIDENCE: Final = 0.80
#: VIZ field -> the MRZ field it must agree with.
_VIZ_VS_MRZ: Final = {
    "birth_date": "birth_date", "expiry_date": "expiry_date", "document_number": "document_number",
    "personal_number": "optional_data", "sex": "sex",
}  # fmt: skip
_NAME_PARTS: Final = ("surname", "given_names", "patronymic")


#: Letters and digits that OCR of printed numbers confuses; folded before a VIZ/MRZ comparison.
_CONFUSABLE = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"}
)


def _norm_number(value: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper()).translate(_CONFUSABLE)


def viz_name(viz: VizResult, min_confidence: float = VIZ_MIN_CONFIDENCE) -> str | None:
    """The holder's name as the visual zone prints it (surname, given names, patronymic; native script),
    when the surname and given names were read with ``min_confidence``; else None."""
    parts = [viz.value(k, min_confidence) for k in _NAME_PARTS]
    if parts[0] is None or parts[1] is None:
        return None
    return " ".join(p for p in parts if p)


def viz_fields(viz: VizResult, min_confidence: float = VIZ_MIN_CONFIDENCE) -> dict[str, Any]:
    """The visual zone's fields under the MRZ field names (``personal_number`` as ``optional_data``), those
    read with ``min_confidence`` only: what the registration is compared with when the MRZ is unreadable."""
    names = {**{k: k for k in (*_NAME_PARTS, "birth_date", "sex", "document_number", "expiry_date")},
             "personal_number": "optional_data"}  # fmt: skip
    return {mrz_key: value for key, mrz_key in names.items() if (value := viz.value(key, min_confidence))}


def viz_mrz_checks(viz: VizResult, fields: dict[str, Any]) -> RegistrationMatch:
    """The visual zone against the MRZ: dates, numbers, sex and the name, each where both were read (the
    VIZ field with :data:`VIZ_MIN_CONFIDENCE`). A disagreement is ``document.viz_mrz_mismatch``: a forger
    who edits one zone and not the other, or a misreading a person should look at."""
    checks: dict[str, Any] = {}
    differing: dict[str, dict[str, Any]] = {}
    for key, mrz_key in _VIZ_VS_MRZ.items():
        printed, machine = viz.value(key, VIZ_MIN_CONFIDENCE), fields.get(mrz_key)
        if printed is None or not machine or (key == "sex" and machine not in ("M", "F")):
            continue
        if key in ("birth_date", "expiry_date", "sex"):
            same = printed == machine
        else:  # a digit or letter a forger changes keeps the length; a shorter reading lost characters
            a, b = _norm_number(printed), _norm_number(machine)
            if len(a) != len(b):
                continue
            same = a == b
        checks[key] = {"viz": printed, "mrz": machine, "match": same,
                       "confidence": round(viz.fields[key].confidence, 3)}  # fmt: skip
        if not same:
            differing[key] = {"viz": printed, "mrz": machine}
    name = viz_name(viz)
    if name is not None and (fields.get("surname") or fields.get("given_names")):
        verdict = match_names(name, fields.get("surname") or "", fields.get("given_names") or "")
        checks["name"] = {"viz": name, "mrz": verdict.document, "decision": verdict.decision,
                          "score": verdict.score}  # fmt: skip
        # only another name altogether (no token in common): OCR that drops or mangles part of a printed
        # name still leaves a token matching; a changed name is the registration comparison's finding
        paired = [t for t in verdict.tokens if t.registered is not None and t.document is not None]
        if verdict.decision == "no_match" and not paired:
            differing["name"] = {"viz": name, "mrz": verdict.document}
    if not differing:
        return RegistrationMatch(checks)
    detail = {
        "fields": sorted(differing),
        "viz": {k: v["viz"] for k, v in differing.items()},
        "mrz": {k: v["mrz"] for k, v in differing.items()},
        "min_confidence": VIZ_MIN_CONFIDENCE,
    }
    return RegistrationMatch(checks, (Reason(ReasonCode.DOCUMENT_VIZ_MRZ_MISMATCH, detail),))


def iso_country(code: str | None) -> str | None:
    """An MRZ country code as ISO 3166 alpha-3 (``D`` → ``DEU``); None stays None."""
    return None if code is None else _ICAO_TO_ISO.get(code, code)


def _date(value: str | None) -> date | None:
    try:
        return None if not value else date.fromisoformat(value)
    except ValueError:
        return None


def age_on(birth: date, today: date) -> int:
    """Completed years between ``birth`` and ``today`` (a 29 February birthday counts on 1 March)."""
    years = today.year - birth.year
    return years - ((today.month, today.day) < (birth.month, birth.day))


def document_checks(fields: dict[str, Any], limits: PolicyLimits, today: date) -> list[Reason]:
    """Expiry, minimum age and allowed issuing states, from the MRZ ``fields``."""
    reasons: list[Reason] = []
    expiry = _date(fields.get("expiry_date"))
    if expiry is not None and expiry + timedelta(days=limits.expired_grace_days) < today:
        reasons.append(
            Reason(
                ReasonCode.DOCUMENT_EXPIRED, {"expiry_date": expiry.isoformat(), "today": today.isoformat()}
            )
        )
    birth = _date(fields.get("birth_date"))
    if birth is not None and age_on(birth, today) < limits.minimum_age:
        age = age_on(birth, today)
        reasons.append(Reason(ReasonCode.APPLICANT_UNDERAGE, {"age": age, "minimum_age": limits.minimum_age}))
    issuer = iso_country(fields.get("issuing_country"))
    if limits.allowed_countries and issuer not in limits.allowed_countries:
        reasons.append(
            Reason(
                ReasonCode.DOCUMENT_COUNTRY_NOT_ALLOWED,
                {"country": issuer, "allowed": sorted(limits.allowed_countries)},
            )
        )
    return reasons


@dataclass(frozen=True)
class RegistrationMatch:
    """Each registration field compared with the document: ``checks`` (JSON-ready) and the findings."""

    checks: dict[str, Any]
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def compare_registration(
    registration: Registration,
    fields: dict[str, Any],
    *,
    name_truncated: bool = False,
    viz: VizResult | None = None,
) -> RegistrationMatch:
    """Name, birth date, ID number (with national semantics), sex, country and company id.

    ``viz``: the visual zone fills what the MRZ lacks: its printed name (e.g. Cyrillic on a Kazakh card,
    the patronymic, names the MRZ truncated) is offered to the name matcher beside the MRZ name, and its
    personal number stands in for an empty MRZ optional-data field. Fields read under
    :data:`VIZ_MIN_CONFIDENCE` are not used."""
    reasons: list[Reason] = []
    checks: dict[str, Any] = {}

    printed_name = viz_name(viz) if viz is not None else None
    name = match_names(
        registration.full_name,
        fields.get("surname") or "",
        fields.get("given_names") or "",
        truncated=name_truncated,
        viz_name=printed_name,
    )
    checks["name"] = {**name.to_dict(), "viz_name": printed_name}
    if (finding := name.reason()) is not None:  # registration.name_mismatch / name_uncertain with evidence
        reasons.append(finding)

    document_birth = fields.get("birth_date")
    registered_birth = registration.birth_date.isoformat()
    birth_ok = document_birth == registered_birth
    checks["birth_date"] = {"registered": registered_birth, "document": document_birth, "match": birth_ok}
    if not birth_ok:
        reasons.append(
            Reason(
                ReasonCode.REGISTRATION_BIRTH_DATE_MISMATCH,
                {"registered": registered_birth, "document": document_birth},
            )
        )

    personal = fields.get("optional_data") or None
    personal_source = "mrz" if personal else None
    if personal is None and viz is not None:
        personal = viz.value("personal_number", VIZ_MIN_CONFIDENCE)
        personal_source = "viz" if personal else None
    checks["personal_number_source"] = personal_source
    if registration.id_number:
        ids = compare_id_numbers(registration.id_number, fields.get("document_number"), personal)
        checks["id_number"] = ids.to_dict()
        reasons.extend(ids.reasons)
    else:
        checks["id_number"] = {"registered": None, "matched": None}
    issuer = iso_country(fields.get("issuing_country"))
    shape = _PERSONAL_NUMBER_SHAPE.get(issuer or "")
    scheme_applies = shape is not None and personal is not None and bool(shape.match(personal))
    semantics = (
        check_personal_number(issuer, personal, _date(document_birth), fields.get("sex"))
        if scheme_applies
        else []
    )
    checks["personal_number"] = {
        "country": issuer,
        "number": personal,
        "scheme_applied": scheme_applies,
        "findings": [str(r.code) for r in semantics],
    }
    reasons.extend(semantics)

    document_sex = fields.get("sex")
    if registration.sex is not None:
        sex_ok = document_sex not in ("M", "F") or document_sex == registration.sex
        checks["sex"] = {"registered": registration.sex, "document": document_sex, "match": sex_ok}
        if not sex_ok:
            reasons.append(
                Reason(
                    ReasonCode.REGISTRATION_SEX_MISMATCH,
                    {"registered": registration.sex, "document": document_sex},
                )
            )
    if registration.country is not None:
        document_countries = {iso_country(fields.get("nationality")), issuer} - {None}
        country_ok = registration.country in document_countries
        checks["country"] = {
            "registered": registration.country,
            "document": sorted(document_countries),
            "match": country_ok,
        }
        if not country_ok:
            reasons.append(
                Reason(
                    ReasonCode.REGISTRATION_COUNTRY_MISMATCH,
                    {"registered": registration.country, "document": sorted(document_countries)},
                )
            )
    if registration.company_id is not None:
        company = check_company_id(registration.country or issuer, registration.company_id)
        checks["company_id"] = {"registered": registration.company_id, "valid": not company}
        reasons.extend(company)
    return RegistrationMatch(checks, tuple(reasons))
