"""Checks of a read document against the policy limits and against the registration data.

Pure functions of the MRZ fields, the registration and a date: every finding is a
:class:`~kyc_engine.reasons.Reason` whose ``detail`` holds the values compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .policy import PolicyLimits
from .reasons import Reason, ReasonCode
from .registration.idnumbers import check_company_id, check_personal_number, compare_id_numbers
from .registration.model import Registration
from .registration.names import match_names

#: ICAO codes that differ from ISO 3166 alpha-3 (Germany is ``D`` in an MRZ).
_ICAO_TO_ISO = {"D": "DEU"}
#: The shape a national personal number must have before its scheme is applied: the optional-data field of
#: a passport may hold something else (a file number), which is not evidence of a forged number.
_PERSONAL_NUMBER_SHAPE = {"KAZ": re.compile(r"^\d{12}$"), "ALB": re.compile(r"^[0-9A-Z]\d{8}[A-Z]$")}


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
    registration: Registration, fields: dict[str, Any], *, name_truncated: bool = False
) -> RegistrationMatch:
    """Name, birth date, ID number (with national semantics), sex, country and company id."""
    reasons: list[Reason] = []
    checks: dict[str, Any] = {}

    name = match_names(
        registration.full_name,
        fields.get("surname") or "",
        fields.get("given_names") or "",
        truncated=name_truncated,
    )
    checks["name"] = name.to_dict()
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
