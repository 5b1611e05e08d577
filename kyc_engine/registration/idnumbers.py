"""National ID-number semantics: Kazakh IIN, Albanian personal number (NID) and NIPT, registration vs document.

Everything here is a pure function of strings and dates. Findings are :class:`~kyc_engine.reasons.Reason`
objects whose ``detail`` holds the values compared, never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from stdnum.al import nipt as _nipt

from ..reasons import Reason, ReasonCode

Sex = Literal["M", "F"]

_IIN_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
#: 7th IIN digit → (century base, sex).
_IIN_CENTURY: dict[str, tuple[int, Sex]] = {
    "1": (1800, "M"),
    "2": (1800, "F"),
    "3": (1900, "M"),
    "4": (1900, "F"),
    "5": (2000, "M"),
    "6": (2000, "F"),
}
#: Albanian NID decade characters: index * 10 + 1800 (``0`` = 1800s, ``A`` = 1900s, ``J`` = 1990s, ``K`` = 2000s).
_AL_DECADES = "0123456789ABCDEFGHIJKLMNOPQRST"
#: Albanian NID/NIPT check alphabet: value 0 is ``W``, then ``A``=1 ... ``V``=22 (mod 23).
_AL_CHECK = "WABCDEFGHIJKLMNOPQRSTUV"
_AL_RE = re.compile(r"^[0-9A-T][0-9]{8}[A-W]$")
_SEPARATORS = re.compile(r"[\s\-./_]+")


@dataclass(frozen=True)
class PersonalNumberInfo:
    """A decoded personal number. ``valid`` is False with ``error`` saying why; other fields may be None."""

    kind: Literal["kz_iin", "al_nid"]
    number: str
    valid: bool
    birth_date: date | None = None
    sex: Sex | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def normalize_id(value: str) -> str:
    """Upper-case and drop spaces, dashes, dots, slashes and MRZ fillers: ``"kz 12-34<"`` → ``"KZ1234"``."""
    return _SEPARATORS.sub("", value).replace("<", "").upper()


def _iin_check(digits: str) -> int | None:
    """Check digit of the first 11 digits, or None when both passes give 10 (no valid IIN has that prefix)."""
    rem = sum(int(d) * w for d, w in zip(digits[:11], _IIN_W1, strict=True)) % 11
    if rem == 10:
        rem = sum(int(d) * w for d, w in zip(digits[:11], _IIN_W2, strict=True)) % 11
    return None if rem == 10 else rem


def iin_check_digit(first11: str) -> int | None:
    """The IIN check digit for 11 digits (two-pass mod 11), None when the prefix can have no valid IIN.

    >>> iin_check_digit("90050130123")
    8
    """
    if not re.fullmatch(r"\d{11}", first11):
        raise ValueError("an IIN prefix is 11 digits")
    return _iin_check(first11)


def decode_iin(number: str) -> PersonalNumberInfo:
    """Decode a Kazakh IIN (ЖСН/ИИН): ``YYMMDD`` + century/sex digit + 4-digit serial + check digit.

    Source: Government of Kazakhstan decree No. 565 (2003) and the OECD "Kazakhstan – TIN" sheet: the 7th
    digit is 1/2 for men/women born in the 1800s, 3/4 in the 1900s, 5/6 in the 2000s; the check digit is
    the weighted sum mod 11 with weights 1..11, and if that is 10 with weights 3..11,1,2; a second 10 means
    the number is not a valid IIN. python-stdnum 2.2 has no ``stdnum.kz``, so this is our implementation.

    >>> decode_iin("900501301238").birth_date
    datetime.date(1990, 5, 1)
    """
    num = normalize_id(number)
    if not re.fullmatch(r"\d{12}", num):
        return PersonalNumberInfo("kz_iin", num, False, error="an IIN is 12 digits")
    century = _IIN_CENTURY.get(num[6])
    sex = century[1] if century else None
    birth: date | None = None
    if century is not None:
        try:
            birth = date(century[0] + int(num[:2]), int(num[2:4]), int(num[4:6]))
        except ValueError:
            birth = None
    expected = _iin_check(num)
    if century is None:
        return PersonalNumberInfo("kz_iin", num, False, error=f"7th digit {num[6]} is not 1-6")
    if birth is None:
        return PersonalNumberInfo("kz_iin", num, False, sex=sex, error=f"{num[:6]} is not a date (YYMMDD)")
    if expected is None:
        return PersonalNumberInfo(
            "kz_iin", num, False, birth, sex, error="no check digit exists (both passes give 10)"
        )
    if expected != int(num[11]):
        return PersonalNumberInfo(
            "kz_iin", num, False, birth, sex, error=f"check digit {num[11]} should be {expected}"
        )
    return PersonalNumberInfo("kz_iin", num, True, birth, sex, extra={"serial": num[7:11]})


def _al_check_letter(first9: str) -> str:
    total = 0
    for i, ch in enumerate(first9):
        value = int(ch) if ch.isdigit() else _AL_CHECK.index(ch)
        total += max(i, 1) * value
    return _AL_CHECK[total % 23]


def decode_al_nid(number: str) -> PersonalNumberInfo:
    """Decode an Albanian personal number (Numri Personal / NID), e.g. ``J00101999W``: born 1990-01-01, male.

    Layout: decade character (``0``-``9`` = 1800s..1890s, ``A`` = 1900s ... ``J`` = 1990s, ``K`` = 2000s),
    year digit, month (01-12 men, 51-62 women; 31-42 / 81-92 foreign residents), day, 3-digit serial, check
    letter. No official description of the check letter is published (python-stdnum's ``al.nipt`` says
    "algorithm unknown"); we use the one documented by the open-source ``nidx`` project (dedal-io/nidx,
    ``albania`` module): weights 1,1,2,...,8 on the first nine characters (letters valued by their place in
    ``WABCDEFGHIJKLMNOPQRSTUV``), sum mod 23 indexes that same alphabet. It reproduces the check letters of
    both NIPT examples in python-stdnum's documentation (``J91402501L``, ``K22218003V``).
    """
    num = normalize_id(number)
    if not _AL_RE.match(num):
        return PersonalNumberInfo(
            "al_nid", num, False, error="expected a letter or digit, 8 digits, a letter"
        )
    year = 1800 + 10 * _AL_DECADES.index(num[0]) + int(num[1])
    code = int(num[2:4])
    offsets = {0: ("M", True), 30: ("M", False), 50: ("F", True), 80: ("F", False)}
    offset = next((o for o in offsets if 1 <= code - o <= 12), None)
    if offset is None:
        return PersonalNumberInfo(
            "al_nid", num, False, error=f"month code {num[2:4]} is not 01-12/31-42/51-62/81-92"
        )
    sex: Sex = "M" if offsets[offset][0] == "M" else "F"
    try:
        birth = date(year, code - offset, int(num[4:6]))
    except ValueError:
        return PersonalNumberInfo("al_nid", num, False, sex=sex, error=f"{num[:6]} is not a date")
    extra = {"national": offsets[offset][1], "serial": num[6:9]}
    expected = _al_check_letter(num[:9])
    if expected != num[9]:
        return PersonalNumberInfo(
            "al_nid", num, False, birth, sex, error=f"check letter {num[9]} should be {expected}", extra=extra
        )
    return PersonalNumberInfo("al_nid", num, True, birth, sex, extra=extra)


def is_valid_nipt(number: str) -> bool:
    """Albanian NIPT/NUIS (company tax number), format per ``stdnum.al.nipt`` (``L`` + 8 digits + letter)."""
    return bool(_nipt.is_valid(number))


def check_company_id(country: str | None, company_id: str | None) -> list[Reason]:
    """``registration.company_id_invalid`` when an Albanian company id is not a valid NIPT; else no finding.

    Only Albania (``ALB``) has a validator today; other countries' ids are not judged.
    """
    if not company_id or country != "ALB":
        return []
    if is_valid_nipt(company_id):
        return []
    return [
        Reason(
            ReasonCode.REGISTRATION_COMPANY_ID_INVALID,
            {"country": country, "company_id": company_id, "scheme": "al_nipt"},
        )
    ]


@dataclass(frozen=True)
class IdNumberMatch:
    """Registered ID number vs the document's numbers. ``matched_field`` names which one agreed."""

    registered: str
    matched: bool
    matched_field: Literal["document_number", "personal_number"] | None
    compared: dict[str, str | None]
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "registered": self.registered,
            "matched": self.matched,
            "matched_field": self.matched_field,
            "compared": self.compared,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def compare_id_numbers(
    registered: str, document_number: str | None, personal_number: str | None
) -> IdNumberMatch:
    """Compare after normalisation (case, spaces, dashes, fillers); a match on either number is enough.

    >>> compare_id_numbers("900501 301 238", "N1234567", "900501301238").matched_field
    'personal_number'
    """
    reg = normalize_id(registered)
    compared = {
        "registered": reg,
        "document_number": normalize_id(document_number) if document_number else None,
        "personal_number": normalize_id(personal_number) if personal_number else None,
    }
    for name in ("personal_number", "document_number"):
        if reg and compared[name] == reg:
            return IdNumberMatch(reg, True, name, compared)
    reason = Reason(ReasonCode.REGISTRATION_ID_NUMBER_MISMATCH, dict(compared))
    return IdNumberMatch(reg, False, None, compared, (reason,))


def decode_personal_number(country: str | None, number: str) -> PersonalNumberInfo | None:
    """Decode ``number`` with the scheme of ``country`` (``KAZ`` → IIN, ``ALB`` → NID); None for others."""
    if country == "KAZ":
        return decode_iin(number)
    if country == "ALB":
        return decode_al_nid(number)
    return None


def check_personal_number(
    country: str | None, number: str | None, birth_date: date | None, sex: str | None
) -> list[Reason]:
    """Cross-check a Kazakh IIN / Albanian NID against the MRZ birth date and sex.

    Returns ``id_number.invalid`` (with the decoder's error), ``id_number.birth_date_mismatch`` and/or
    ``id_number.sex_mismatch``; an empty list when everything agrees or the country has no known scheme.
    An MRZ sex of ``X``/``<`` or a missing birth date is not compared.
    """
    if not number:
        return []
    info = decode_personal_number(country, number)
    if info is None:
        return []
    base = {"country": country, "number": info.number, "scheme": info.kind}
    findings: list[Reason] = []
    if not info.valid:
        findings.append(Reason(ReasonCode.ID_NUMBER_INVALID, {**base, "error": info.error}))
    if info.birth_date is not None and birth_date is not None and info.birth_date != birth_date:
        findings.append(
            Reason(
                ReasonCode.ID_NUMBER_BIRTH_DATE_MISMATCH,
                {**base, "from_number": info.birth_date.isoformat(), "document": birth_date.isoformat()},
            )
        )
    if info.sex is not None and sex in ("M", "F") and info.sex != sex:
        findings.append(
            Reason(ReasonCode.ID_NUMBER_SEX_MISMATCH, {**base, "from_number": info.sex, "document": sex})
        )
    return findings
