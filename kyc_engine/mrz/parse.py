"""Exact MRZ parsing (no repair) and the :class:`MrzResult` evidence record shared with :mod:`.repair`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .checksum import check_digit
from .dates import resolve_date
from .formats import CheckSpec, Layout, MrzFormat, detect_format
from .names import split_name

CheckStatus = Literal["valid", "invalid", "absent"]
FIELD_NAMES = (
    "document_code",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
)
_MRZ_LINE = re.compile(r"[A-Z0-9<]*")


@dataclass(frozen=True)
class Repair:
    """One character changed by the reader: ``line`` and ``pos`` are 0-based in the reported lines.

    ``to_char`` is empty for a glyph deleted to fix a line's length (a filler, or a data glyph OCR read in
    the place of another, :func:`~.lengths.crowded`), ``from_char`` for a filler inserted;
    ``kind`` says why: ``alphabet`` (wrong character class), ``check`` (chosen by check digits),
    ``name`` (filler lookalike in the name) or ``length``.
    """

    line: int
    pos: int
    from_char: str
    to_char: str
    kind: Literal["alphabet", "check", "name", "length"] = "check"

    @property
    def drops_data(self) -> bool:
        """A data glyph (not a filler) deleted to fix a line's length: OCR read a glyph too many."""
        return self.kind == "length" and self.from_char not in ("", "<")

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "pos": self.pos, "from": self.from_char, "to": self.to_char}


@dataclass(frozen=True)
class MrzResult:
    """Everything the reader concluded, with its evidence. ``valid`` is never True if a check digit fails."""

    lines: tuple[str, ...]
    format: MrzFormat | None
    fields: dict[str, str | None]
    checks: dict[str, CheckStatus]
    valid: bool
    repairs: tuple[Repair, ...] = ()
    name_confidence: float = 1.0
    name_truncated: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def doc_type(self) -> str | None:
        """``TD1``/``TD2``/``TD3`` (visas map to their size class), or None if no format was recognised."""
        return self.format.doc_type if self.format is not None else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report: lines, valid, doc_type, format, fields, checks, repairs, name evidence."""
        return {
            "lines": list(self.lines),
            "valid": self.valid,
            "doc_type": self.doc_type,
            "format": self.format.value if self.format is not None else None,
            "fields": dict(self.fields),
            "checks": dict(self.checks),
            "repairs": [r.to_dict() for r in self.repairs],
            "name_confidence": self.name_confidence,
            "name_truncated": self.name_truncated,
        }


def empty_result(lines: Sequence[str], warning: str) -> MrzResult:
    """A result for lines that are not a recognisable MRZ."""
    return MrzResult(
        lines=tuple(lines),
        format=None,
        fields=dict.fromkeys(FIELD_NAMES),
        checks={},
        valid=False,
        name_confidence=0.0,
        warnings=(warning,),
    )


def parse_mrz(lines: Sequence[str], *, today: date) -> MrzResult:
    """Parse exactly-read MRZ lines (no repair). ``today`` resolves the century of two-digit years.

    >>> r = parse_mrz(["P<UTOERIKSSON<<ANNA<MARIA" + "<" * 19,
    ...                "L898902C36UTO7408122F1204159ZE184226B<<<<<10"], today=date(2026, 1, 1))
    >>> r.valid, r.fields["document_number"], r.fields["birth_date"]
    (True, 'L898902C3', '1974-08-12')
    """
    lines = tuple(lines)
    fmt = detect_format(lines)
    if fmt is None:
        return empty_result(lines, "lines do not have an MRZ geometry (2x44, 2x36 or 3x30)")
    if not all(_MRZ_LINE.fullmatch(line) for line in lines):
        return empty_result(lines, "characters outside A-Z 0-9 <")
    return assemble(lines, fmt, today=today)


def _text(lines: tuple[str, ...], spec: CheckSpec) -> tuple[str, str]:
    data = "".join(lines[s.line][s.start : s.end] for s in spec.data)
    return data, lines[spec.digit.line][spec.digit.start]


def _status(data: str, digit: str) -> CheckStatus:
    return "valid" if digit.isdigit() and check_digit(data) == digit else "invalid"


def td1_long_number(line1: str) -> tuple[str, str, int] | None:
    """TD1 document numbers over 9 characters (ICAO 9303-5): ``(number, check digit, end of continuation)``.

    Position 14 holds ``<``; the number goes on in the optional data up to and including its check digit.
    Returns None when line 1 does not use that convention; the check digit is ``""`` when it is missing.
    """
    if line1[14] != "<" or "<" in line1[5:14]:
        return None
    end = line1.find("<", 15)
    end = 30 if end < 0 else end
    cont = line1[15:end]
    return line1[5:14] + cont[:-1], cont[-1:], end


def _strip(s: str) -> str:
    return s.strip("<")


def assemble(
    lines: tuple[str, ...],
    fmt: MrzFormat,
    *,
    today: date,
    repairs: tuple[Repair, ...] = (),
    name_confidence: float = 1.0,
    warnings: tuple[str, ...] = (),
) -> MrzResult:
    """Read fields and checks from correctly-sized, valid-alphabet ``lines`` of format ``fmt``."""
    layout: Layout = fmt.layout
    notes = list(warnings)

    def raw(name: str) -> str:
        s = layout.field(name).span
        return lines[s.line][s.start : s.end]

    checks: dict[str, CheckStatus] = {}
    for spec in layout.checks:
        data, digit = _text(lines, spec)
        if spec.name == "optional_data" and not data.strip("<") and digit in "<0":
            checks[spec.name] = "absent"
        else:
            checks[spec.name] = _status(data, digit)
    checks.setdefault("composite", "absent")

    number = raw("document_number").replace("<", "")
    optional = raw("optional_data")
    if fmt is MrzFormat.TD1:
        long = td1_long_number(lines[0])
        if long is not None:
            number, digit, end = long
            checks["document_number"] = _status(number, digit) if digit else "invalid"
            optional = lines[0][end:30]
            notes.append("document_number: long number continued in optional data")
    name = split_name(raw("name"))
    fields: dict[str, str | None] = {
        "document_code": _strip(raw("document_code")),
        "issuing_country": _strip(raw("issuing_country")),
        "surname": name.surname,
        "given_names": name.given_names,
        "document_number": number,
        "nationality": _strip(raw("nationality")),
        "birth_date": None,
        "sex": {"M": "M", "F": "F", "<": "X", "X": "X"}.get(raw("sex")),
        "expiry_date": None,
        "optional_data": _strip(optional),
        "optional_data_2": _strip(raw("optional_data_2")) if fmt is MrzFormat.TD1 else None,
    }
    if fields["sex"] is None:
        notes.append(f"sex: unexpected character {raw('sex')!r}")
    dates_ok = True
    for key, kind in (("birth_date", "birth"), ("expiry_date", "expiry")):
        reading = resolve_date(raw(key), kind=kind, today=today)  # type: ignore[arg-type]
        fields[key] = reading.value
        if reading.status == "unknown":
            notes.append(f"{key}: unknown day, month or year ({raw(key)})")
        elif reading.status == "invalid":
            dates_ok = False
            notes.append(f"{key}: not a calendar date ({raw(key)})")
    # no check digit covers the sex: a character that is no sex code is a misreading nothing else can catch
    valid = dates_ok and fields["sex"] is not None and all(s != "invalid" for s in checks.values())
    if not valid:
        failed = [k for k, s in checks.items() if s == "invalid"]
        if failed:
            notes.append("check digits disagree: " + ", ".join(failed))
    return MrzResult(
        lines=lines,
        format=fmt,
        fields=fields,
        checks=checks,
        valid=valid,
        repairs=repairs,
        name_confidence=name_confidence,
        name_truncated=name.truncated,
        warnings=tuple(notes),
    )
