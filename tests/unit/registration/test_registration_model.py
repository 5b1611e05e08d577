"""Registration parsing: clean values in, InputError with pydantic-like detail out."""

from __future__ import annotations

import json
from datetime import date

import pytest

from kyc_engine.errors import InputError
from kyc_engine.registration import Registration, parse_registration

TODAY = date(2026, 11, 23)
GOOD = {
    "full_name": "  Әлия   Сейтқалиева ",
    "birth_date": "1990-05-01",
    "id_number": "900501 401 234",
    "country": "kaz",
    "sex": "f",
    "company_id": None,
}


def errors_of(data: object) -> list[dict[str, object]]:
    with pytest.raises(InputError) as info:
        parse_registration(data, today=TODAY)  # type: ignore[arg-type]
    assert info.value.code == "input.registration_invalid"
    assert info.value.http_status == 422
    return info.value.detail["errors"]


def test_valid_registration_is_cleaned() -> None:
    reg = parse_registration(json.dumps(GOOD).encode(), today=TODAY)
    assert isinstance(reg, Registration)
    assert reg.full_name == "Әлия Сейтқалиева"
    assert reg.birth_date == date(1990, 5, 1)
    assert (reg.country, reg.sex, reg.id_number, reg.company_id) == ("KAZ", "F", "900501 401 234", None)


def test_name_is_nfc_normalised() -> None:
    decomposed = "Mu\u0308ller Ju\u0308rgen"  # u + combining diaeresis
    reg = parse_registration({"full_name": decomposed, "birth_date": "1970-01-01"}, today=TODAY)
    assert reg.full_name == "Müller Jürgen"
    assert len(reg.full_name) == 13


def test_optional_fields_default_to_none_and_blank_is_none() -> None:
    reg = parse_registration(
        {"full_name": "Anna", "birth_date": "2000-02-29", "id_number": "  "}, today=TODAY
    )
    assert (reg.id_number, reg.country, reg.sex, reg.company_id) == (None, None, None, None)


@pytest.mark.parametrize(
    ("patch", "loc", "fragment"),
    [
        ({"full_name": "   "}, ["full_name"], "must not be empty"),
        ({"full_name": "123 456"}, ["full_name"], "must contain letters"),
        ({"birth_date": "2026-02-30"}, ["birth_date"], "not a calendar date"),
        ({"birth_date": "2027-01-01"}, ["birth_date"], "in the future"),
        ({"birth_date": "01.05.1990"}, ["birth_date"], "YYYY-MM-DD"),
        ({"country": "XYZ"}, ["country"], "not an ISO 3166-1 alpha-3"),
        ({"country": "KZ"}, ["country"], "not an ISO 3166-1 alpha-3"),
        ({"sex": "X"}, ["sex"], "'M' or 'F'"),
    ],
)
def test_field_errors(patch: dict[str, object], loc: list[str], fragment: str) -> None:
    errors = errors_of({**GOOD, **patch})
    assert len(errors) == 1
    assert errors[0]["loc"] == loc
    assert fragment in str(errors[0]["msg"])
    assert set(errors[0]) == {"type", "loc", "msg"}


def test_missing_name_and_extra_key_are_both_reported() -> None:
    data = {k: v for k, v in GOOD.items() if k != "full_name"} | {"email": "a@b.c"}
    errors = errors_of(data)
    assert {(e["type"], tuple(e["loc"])) for e in errors} == {
        ("missing", ("full_name",)),
        ("extra_forbidden", ("email",)),
    }


def test_birth_date_today_is_allowed_and_tomorrow_is_not() -> None:
    assert (
        parse_registration({"full_name": "A B", "birth_date": "2026-11-23"}, today=TODAY).birth_date == TODAY
    )
    errors_of({"full_name": "A B", "birth_date": "2026-11-24"})


def test_bad_json_and_non_object() -> None:
    assert errors_of(b"{not json")[0]["type"] == "json_invalid"
    assert errors_of("[1, 2]")[0]["type"] == "model_type"


def test_error_message_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        parse_registration({**GOOD, "sex": "Q"}, today=TODAY)
    assert info.value.to_dict()["message"].startswith("invalid registration: sex:")


def test_error_message_names_every_invalid_field() -> None:
    with pytest.raises(InputError) as info:
        parse_registration({"full_name": "", "birth_date": "2026-02-30", "country": "QQQ"}, today=TODAY)
    message = info.value.to_dict()["message"]
    assert all(f"{field}:" in message for field in ("full_name", "birth_date", "country")), message
    assert len(info.value.to_dict()["detail"]["errors"]) == 3


def test_overlong_name_is_rejected() -> None:
    errors = errors_of({**GOOD, "full_name": "A" * 201})
    assert errors[0]["loc"] == ["full_name"] and errors[0]["type"] == "string_too_long"
