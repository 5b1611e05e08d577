"""What the applicant typed at registration, validated once at the edge.

``parse_registration`` accepts the JSON body (bytes, str or an already decoded dict) and either returns a
frozen :class:`Registration` or raises :class:`~kyc_engine.errors.InputError` with code
``input.registration_invalid`` and ``detail = {"errors": [{"type", "loc", "msg"}, ...]}`` (pydantic's shape).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ..errors import InputError
from ..mrz.countries import COUNTRY_CODES

INPUT_CODE = "input.registration_invalid"
MAX_NAME_LENGTH = 200
MAX_ID_LENGTH = 40
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Registration(BaseModel):
    """Registration data. ``full_name`` is NFC-normalised with single spaces; ``country`` is ISO 3166 alpha-3.

    Example: ``Registration(full_name="Әлия Серікқызы", birth_date=date(1990, 5, 1), country="KAZ")``.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    full_name: str = Field(max_length=MAX_NAME_LENGTH)
    birth_date: date
    id_number: str | None = Field(default=None, max_length=MAX_ID_LENGTH)
    country: str | None = None
    sex: Literal["M", "F"] | None = None
    company_id: str | None = Field(default=None, max_length=MAX_ID_LENGTH)

    @field_validator("full_name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(unicodedata.normalize("NFC", value).split())
        if not value:
            raise ValueError("full_name must not be empty")
        if not any(ch.isalpha() for ch in value):
            raise ValueError("full_name must contain letters")
        return value

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date(cls, value: Any, info: ValidationInfo) -> date:
        if isinstance(value, date):
            parsed = value
        elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
            try:
                parsed = date.fromisoformat(value.strip())
            except ValueError as exc:  # 2026-02-30
                raise ValueError(f"birth_date {value.strip()!r} is not a calendar date") from exc
        else:
            raise ValueError("birth_date must be a string YYYY-MM-DD")
        today = (info.context or {}).get("today") or date.today()
        if parsed > today:
            raise ValueError(f"birth_date {parsed.isoformat()} is in the future")
        return parsed

    @field_validator("id_number", "company_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value  # pydantic reports the type error
        code = value.strip().upper()
        if code not in COUNTRY_CODES:
            raise ValueError(f"country {value.strip()!r} is not an ISO 3166-1 alpha-3 (or ICAO) code")
        return code

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper() or None
        return value


def _error(kind: str, loc: tuple[str | int, ...], msg: str) -> dict[str, Any]:
    return {"type": kind, "loc": list(loc), "msg": msg}


def _raise(errors: list[dict[str, Any]]) -> NoReturn:
    """One error for every problem found, each named in the message: the applicant fixes them all at once."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors]
    raise InputError(f"invalid registration: {'; '.join(parts)}", code=INPUT_CODE, detail={"errors": errors})


def parse_registration(data: bytes | str | dict[str, Any], *, today: date | None = None) -> Registration:
    """Validate registration JSON; ``today`` (default: the local date) bounds the birth date.

    >>> parse_registration('{"full_name": " Anna  Müller ", "birth_date": "1990-05-01"}').full_name
    'Anna Müller'
    """
    obj: Any = data
    if isinstance(data, bytes | str):
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            _raise([_error("json_invalid", (), f"not valid JSON: {exc}")])
    if not isinstance(obj, dict):
        _raise([_error("model_type", (), "registration must be a JSON object")])
    try:
        return Registration.model_validate(obj, context={"today": today or date.today()})
    except ValidationError as exc:
        errors = [
            _error(err["type"], tuple(err["loc"]), err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        ]
        _raise(errors)
