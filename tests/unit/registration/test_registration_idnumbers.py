"""ID-number semantics: Kazakh IIN, Albanian NID and NIPT, registration vs document numbers."""

from __future__ import annotations

import random
from datetime import date

import pytest

from kyc_engine.reasons import ReasonCode
from kyc_engine.registration import (
    check_company_id,
    check_personal_number,
    compare_id_numbers,
    decode_al_nid,
    decode_iin,
    iin_check_digit,
    is_valid_nipt,
)


def reference_iin_check(first11: str) -> int | None:
    """Written out independently of the module: weights 1..11, then 3..11,1,2; 10 twice = no IIN."""
    digits = [int(c) for c in first11]
    rem = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if rem == 10:
        rem = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], strict=True)) % 11
    return None if rem == 10 else rem


# 9*1 + 5*4 + 1*6 + 3*7 + 1*9 + 2*10 + 3*11 = 118; 118 mod 11 = 8
IIN_MAN_1990 = "900501301238"
# pass 1: 186 mod 11 = 10; pass 2: 170 mod 11 = 5
IIN_WOMAN_1985_PASS2 = "850415401805"


def test_iin_decodes_birth_date_and_sex() -> None:
    info = decode_iin(IIN_MAN_1990)
    assert info.valid and info.error is None
    assert (info.birth_date, info.sex, info.extra["serial"]) == (date(1990, 5, 1), "M", "0123")


def test_iin_second_pass_weights() -> None:
    assert iin_check_digit(IIN_WOMAN_1985_PASS2[:11]) == 5
    info = decode_iin(IIN_WOMAN_1985_PASS2)
    assert info.valid
    assert (info.birth_date, info.sex) == (date(1985, 4, 15), "F")


def test_iin_published_example_2000s_woman() -> None:
    info = decode_iin("061211600012")  # the example of the kz-iin-validator project
    assert info.valid and (info.birth_date, info.sex) == (date(2006, 12, 11), "F")


def test_iin_normalises_separators() -> None:
    assert decode_iin("900501 301-238").valid


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("900501301237", "check digit 7 should be 8"),
        ("90050130123", "12 digits"),
        ("900501701238", "7th digit 7"),
        ("900231301238", "not a date"),
        ("900501300220", "both passes give 10"),
    ],
)
def test_iin_invalid(number: str, error: str) -> None:
    info = decode_iin(number)
    assert not info.valid
    assert error in (info.error or "")


def test_iin_check_digit_agrees_with_reference_on_random_prefixes() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        prefix = "".join(rng.choice("0123456789") for _ in range(11))
        assert iin_check_digit(prefix) == reference_iin_check(prefix)


def test_iin_agrees_with_stdnum_when_available() -> None:
    iin = pytest.importorskip("stdnum.kz.iin")  # python-stdnum 2.2 has no stdnum.kz yet
    rng = random.Random(3)
    for _ in range(500):
        prefix = "900501" + rng.choice("123456") + "".join(rng.choice("0123456789") for _ in range(4))
        check = iin_check_digit(prefix)
        if check is not None:
            assert iin.is_valid(prefix + str(check)) == decode_iin(prefix + str(check)).valid


@pytest.mark.parametrize(
    ("number", "birth", "sex", "national"),
    [
        ("J00101999W", date(1990, 1, 1), "M", True),
        ("J56212034H", date(1995, 12, 12), "F", True),  # 10+5+12+6+4+10+0+21+32 = 100; 100 mod 23 = 8 → H
        ("I83101777Q", date(1988, 1, 1), "M", False),
        ("H41231456F", date(1974, 12, 31), "M", True),
        ("j00101999w", date(1990, 1, 1), "M", True),
    ],
)
def test_albanian_nid_decode(number: str, birth: date, sex: str, national: bool) -> None:
    info = decode_al_nid(number)
    assert info.valid, info.error
    assert (info.birth_date, info.sex, info.extra["national"]) == (birth, sex, national)


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("J00101999A", "check letter A should be W"),
        ("J01301999W", "month code 13"),
        ("J90229001A", "not a date"),  # 1999 is not a leap year
        ("Z00101999W", "expected"),
        ("J0010199W", "expected"),
    ],
)
def test_albanian_nid_invalid(number: str, error: str) -> None:
    info = decode_al_nid(number)
    assert not info.valid
    assert error in (info.error or "")


def test_nipt() -> None:
    assert is_valid_nipt("J91402501L")
    assert is_valid_nipt("AL K 22218003 V")
    assert not is_valid_nipt("Z22218003V")
    assert not is_valid_nipt("J9140250")
    assert check_company_id("ALB", "K22218003V") == []
    (reason,) = check_company_id("ALB", "Z22218003V")
    assert reason.code is ReasonCode.REGISTRATION_COMPANY_ID_INVALID
    assert reason.detail["company_id"] == "Z22218003V"
    assert check_company_id("KAZ", "anything") == []


def test_compare_id_numbers_normalises_format() -> None:
    m = compare_id_numbers(" 900501-301 238 ", "N12345678", "900501301238<<")
    assert m.matched and m.matched_field == "personal_number" and m.reasons == ()
    m = compare_id_numbers("n1234 5678", "N12345678", None)
    assert m.matched and m.matched_field == "document_number"


def test_compare_id_numbers_mismatch_carries_evidence() -> None:
    m = compare_id_numbers("900501301239", "N12345678", "900501301238")
    assert not m.matched and m.matched_field is None
    (reason,) = m.reasons
    assert reason.code is ReasonCode.REGISTRATION_ID_NUMBER_MISMATCH
    assert reason.detail == {
        "registered": "900501301239",
        "document_number": "N12345678",
        "personal_number": "900501301238",
    }
    assert m.to_dict()["reasons"][0]["code"] == "registration.id_number_mismatch"


def test_check_personal_number_agreeing() -> None:
    assert check_personal_number("KAZ", IIN_MAN_1990, date(1990, 5, 1), "M") == []
    assert check_personal_number("ALB", "J00101999W", date(1990, 1, 1), "M") == []
    assert check_personal_number("ALB", "J00101999W", None, "<") == []
    assert check_personal_number("DEU", "123", date(1990, 1, 1), "M") == []


def test_check_personal_number_mismatches() -> None:
    found = check_personal_number("KAZ", IIN_MAN_1990, date(1990, 5, 2), "F")
    assert [r.code for r in found] == [
        ReasonCode.ID_NUMBER_BIRTH_DATE_MISMATCH,
        ReasonCode.ID_NUMBER_SEX_MISMATCH,
    ]
    assert found[0].detail["from_number"] == "1990-05-01" and found[0].detail["document"] == "1990-05-02"
    assert found[1].detail["from_number"] == "M" and found[1].detail["document"] == "F"
    found = check_personal_number("ALB", "J56212034H", date(1995, 12, 12), "M")
    assert [r.code for r in found] == [ReasonCode.ID_NUMBER_SEX_MISMATCH]


def test_check_personal_number_invalid() -> None:
    found = check_personal_number("KAZ", "900501301237", date(1990, 5, 1), "M")
    assert [r.code for r in found] == [ReasonCode.ID_NUMBER_INVALID]
    assert "check digit" in found[0].detail["error"]
    found = check_personal_number("ALB", "J00101999X", date(1990, 1, 1), "M")
    assert [r.code for r in found] == [ReasonCode.ID_NUMBER_INVALID]
