from __future__ import annotations

import json
from datetime import date

import pytest
from mrz_specimens import MRVA, MRVB, TD1, TD2, TD3, TODAY

from kyc_engine.mrz.checksum import check_digit
from kyc_engine.mrz.dates import resolve_date
from kyc_engine.mrz.formats import MrzFormat
from kyc_engine.mrz.parse import FIELD_NAMES, parse_mrz

ANNA = {"surname": "ERIKSSON", "given_names": "ANNA MARIA", "issuing_country": "UTO", "sex": "F"}


@pytest.mark.parametrize(
    ("lines", "fmt", "number", "optional"),
    [
        (TD3, MrzFormat.TD3, "L898902C3", "ZE184226B"),
        (TD1, MrzFormat.TD1, "D23145890", ""),
        (TD2, MrzFormat.TD2, "D23145890", ""),
        (MRVA, MrzFormat.MRVA, "L8988901C", "6ZE184226B"),
        (MRVB, MrzFormat.MRVB, "L8988901C", ""),
    ],
)
def test_specimens_parse_valid(lines: tuple[str, ...], fmt: MrzFormat, number: str, optional: str) -> None:
    r = parse_mrz(lines, today=TODAY)
    assert r.valid and r.format is fmt and r.repairs == () and r.warnings == ()
    assert set(r.fields) == set(FIELD_NAMES)
    assert {k: r.fields[k] for k in ANNA} == ANNA
    assert r.fields["document_number"] == number
    assert r.fields["optional_data"] == optional
    assert r.fields["optional_data_2"] == ("" if fmt is MrzFormat.TD1 else None)
    assert not r.name_truncated and r.name_confidence == 1.0
    visa = fmt in (MrzFormat.MRVA, MrzFormat.MRVB)
    assert r.checks["composite"] == ("absent" if visa else "valid")
    assert r.fields["document_code"] == ("V" if visa else lines[0][0])


def test_td3_fields_dates_and_json_shape() -> None:
    r = parse_mrz(TD3, today=TODAY)
    assert r.fields["birth_date"] == "1974-08-12" and r.fields["expiry_date"] == "2012-04-15"
    assert r.checks == dict.fromkeys(
        ["document_number", "birth_date", "expiry_date", "optional_data", "composite"], "valid"
    )
    d = json.loads(json.dumps(r.to_dict()))
    assert list(d) == [
        "lines",
        "valid",
        "doc_type",
        "format",
        "fields",
        "checks",
        "repairs",
        "name_confidence",
        "name_truncated",
    ]
    assert d["doc_type"] == "TD3" and d["format"] == "TD3" and d["lines"] == list(TD3)
    assert parse_mrz(MRVA, today=TODAY).to_dict()["doc_type"] == "TD3"
    assert parse_mrz(MRVB, today=TODAY).to_dict()["format"] == "MRV-B"
    assert parse_mrz(MRVA, today=TODAY).fields["expiry_date"] == "1996-12-10"


def test_td3_empty_personal_number_is_absent() -> None:
    line2 = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<"
    for digit in "<0":
        body = line2[:42] + digit
        lines = (TD3[0], body + check_digit(body[0:10] + body[13:20] + body[21:43]))
        r = parse_mrz(lines, today=TODAY)
        assert r.valid and r.checks["optional_data"] == "absent" and r.fields["optional_data"] == ""


@pytest.mark.parametrize(
    ("line", "pos"), [(1, 0), (1, 9), (1, 15), (1, 19), (1, 24), (1, 27), (1, 30), (1, 42), (1, 43)]
)
def test_any_changed_protected_digit_is_invalid(line: int, pos: int) -> None:
    lines = list(TD3)
    old = lines[line][pos]
    new = "7" if old != "7" else "3"
    lines[line] = lines[line][:pos] + new + lines[line][pos + 1 :]
    r = parse_mrz(lines, today=TODAY)
    assert not r.valid
    assert "invalid" in r.checks.values()


def test_not_an_mrz() -> None:
    r = parse_mrz(["HELLO", "WORLD"], today=TODAY)
    assert r.format is None and not r.valid and r.fields["surname"] is None and r.warnings
    r = parse_mrz([TD3[0], TD3[1].lower()], today=TODAY)
    assert r.format is None and not r.valid


def _td1(
    line1_body: str, birth: str, expiry: str, name: str, nat: str = "KAZ", sex: str = "M", opt2: str = ""
) -> tuple[str, str, str]:
    line1 = line1_body.ljust(30, "<")
    b = birth + check_digit(birth) + sex + expiry + check_digit(expiry) + nat + opt2.ljust(11, "<")
    line2 = b + check_digit(line1[5:30] + b[0:7] + b[8:15] + b[18:29])
    return line1, line2, name.ljust(30, "<")


def test_kazakh_id_card_with_iin() -> None:
    number = "045923718"
    iin = "930214300518"  # 12-digit individual identification number in the optional data
    lines = _td1("IDKAZ" + number + check_digit(number) + iin, "930214", "320101", "ZHAKSYBEKOV<<ARMAN")
    r = parse_mrz(lines, today=TODAY)
    assert r.valid, r.warnings
    assert r.fields["optional_data"] == iin and r.fields["document_code"] == "ID"
    assert r.fields["nationality"] == "KAZ" and r.fields["birth_date"] == "1993-02-14"
    assert r.fields["expiry_date"] == "2032-01-01" and r.fields["sex"] == "M"


def test_td1_long_document_number() -> None:
    number = "D23145890734"
    cont = number[9:] + check_digit(number)
    lines = _td1(
        "I<UTO" + number[:9] + "<" + cont + "<AB12",
        "740812",
        "320415",
        "ERIKSSON<<ANNA<MARIA",
        nat="UTO",
        sex="F",
    )
    r = parse_mrz(lines, today=TODAY)
    assert r.valid and r.checks["document_number"] == "valid"
    assert r.fields["document_number"] == number and r.fields["optional_data"] == "AB12"
    bad = (lines[0][:15] + cont[:-1] + str((int(cont[-1]) + 1) % 10) + lines[0][19:], *lines[1:])
    assert not parse_mrz(bad, today=TODAY).valid


def test_truncated_name_and_german_code() -> None:
    name = "MUSTERMANN<<ERIKA<ALEXANDRA<KATHARINA<LUISE"[:39]
    line2 = "C01X00T478D<<6408125F3208140<<<<<<<<<<<<<<<"
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    r = parse_mrz(("P<D<<" + name, line2), today=TODAY)
    assert r.valid, r.warnings
    assert r.name_truncated and r.fields["given_names"] == "ERIKA ALEXANDRA KATHARINA L"
    assert r.fields["issuing_country"] == "D" and r.fields["nationality"] == "D"
    assert r.fields["sex"] == "F" and r.checks["optional_data"] == "absent"


def test_sex_filler_is_x() -> None:
    line2 = TD3[1][:20] + "<" + TD3[1][21:]
    r = parse_mrz((TD3[0], line2), today=TODAY)
    assert r.fields["sex"] == "X" and r.valid


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("740812", "birth", "1974-08-12"),
        ("260116", "birth", "1926-01-16"),  # one day after today → previous century
        ("260115", "birth", "2026-01-15"),
        ("120415", "expiry", "2012-04-15"),
        ("351231", "expiry", "2035-12-31"),
        ("961210", "expiry", "1996-12-10"),
        ("000229", "birth", "2000-02-29"),
    ],
)
def test_century_rule(raw: str, kind: str, expected: str) -> None:
    assert resolve_date(raw, kind=kind, today=TODAY).value == expected  # type: ignore[arg-type]


def test_unknown_and_impossible_dates() -> None:
    assert resolve_date("7408<<", kind="birth", today=TODAY).status == "unknown"
    assert resolve_date("741308", kind="birth", today=TODAY).status == "invalid"
    assert resolve_date("010229", kind="birth", today=date(2026, 1, 1)).status == "invalid"
    body = TD3[1][:13] + "7408<<" + check_digit("7408<<") + TD3[1][20:43]
    r = parse_mrz((TD3[0], body + check_digit(body[0:10] + body[13:20] + body[21:43])), today=TODAY)
    assert r.fields["birth_date"] is None and any("birth_date" in w for w in r.warnings) and r.valid
    body = TD3[1][:13] + "741308" + check_digit("741308") + TD3[1][20:43]
    r = parse_mrz((TD3[0], body + check_digit(body[0:10] + body[13:20] + body[21:43])), today=TODAY)
    assert r.fields["birth_date"] is None and not r.valid and r.checks["birth_date"] == "valid"
