"""ICAO 9303 MRZ layouts: line geometry, field spans, field alphabets and check-digit relations.

Positions are 0-based; a :class:`Span` is ``(line, start, end)`` with ``end`` exclusive, so the TD3 document
number is ``Span(1, 0, 9)`` and its check digit ``Span(1, 9, 10)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

#: What a field may hold. ``alpha``: letters and ``<``; ``numeric``: digits (``<`` only where ICAO allows an
#: unknown or empty value); ``alnum``: letters, digits and ``<``; ``name``: letters and ``<``; ``sex``: M, F, X, ``<``.
Alphabet = Literal["alpha", "numeric", "alnum", "name", "sex"]


class MrzFormat(StrEnum):
    """The five ICAO 9303 machine-readable-zone formats."""

    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRVA = "MRV-A"
    MRVB = "MRV-B"

    @property
    def doc_type(self) -> str:
        """Document size class: a visa sticker MRV-A is TD3-sized, MRV-B is TD2-sized."""
        return {MrzFormat.MRVA: "TD3", MrzFormat.MRVB: "TD2"}.get(self, self.value)

    @property
    def layout(self) -> Layout:
        """The geometry, fields and check relations of this format."""
        return LAYOUTS[self]


@dataclass(frozen=True)
class Span:
    """Characters ``start``..``end-1`` of line ``line`` (all 0-based)."""

    line: int
    start: int
    end: int

    def positions(self) -> list[tuple[int, int]]:
        """``(line, pos)`` of every character of the span."""
        return [(self.line, p) for p in range(self.start, self.end)]


@dataclass(frozen=True)
class FieldSpec:
    """One field: its name, where it is and what it may hold."""

    name: str
    span: Span
    alphabet: Alphabet


@dataclass(frozen=True)
class CheckSpec:
    """A check digit at ``digit`` over the concatenation of ``data`` spans."""

    name: str
    data: tuple[Span, ...]
    digit: Span


@dataclass(frozen=True)
class Layout:
    """Geometry and semantics of one format."""

    format: MrzFormat
    line_count: int
    line_length: int
    fields: tuple[FieldSpec, ...]
    checks: tuple[CheckSpec, ...]

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (``KeyError`` if this format has none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def alphabet_map(self) -> dict[tuple[int, int], Alphabet]:
        """``(line, pos)`` → alphabet, for every position of the zone."""
        return {pos: f.alphabet for f in self.fields for pos in f.span.positions()}

    @property
    def name_field(self) -> FieldSpec:
        """The primary/secondary identifier field."""
        return self.field("name")


def _f(name: str, line: int, start: int, end: int, alphabet: Alphabet) -> FieldSpec:
    return FieldSpec(name, Span(line, start, end), alphabet)


def _c(name: str, data: tuple[tuple[int, int, int], ...], digit: tuple[int, int]) -> CheckSpec:
    return CheckSpec(name, tuple(Span(*d) for d in data), Span(digit[0], digit[1], digit[1] + 1))


def _header(name_end: int) -> tuple[FieldSpec, ...]:
    return (
        _f("document_code", 0, 0, 2, "alpha"),
        _f("issuing_country", 0, 2, 5, "alpha"),
        _f("name", 0, 5, name_end, "name"),
    )


def _two_line(fmt: MrzFormat, length: int) -> Layout:
    """TD2, TD3 and the two visa formats share line 2 up to position 28."""
    visa = fmt in (MrzFormat.MRVA, MrzFormat.MRVB)
    line2 = [
        _f("document_number", 1, 0, 9, "alnum"),
        _f("document_number_check", 1, 9, 10, "numeric"),
        _f("nationality", 1, 10, 13, "alpha"),
        _f("birth_date", 1, 13, 19, "numeric"),
        _f("birth_date_check", 1, 19, 20, "numeric"),
        _f("sex", 1, 20, 21, "sex"),
        _f("expiry_date", 1, 21, 27, "numeric"),
        _f("expiry_date_check", 1, 27, 28, "numeric"),
    ]
    checks = [
        _c("document_number", ((1, 0, 9),), (1, 9)),
        _c("birth_date", ((1, 13, 19),), (1, 19)),
        _c("expiry_date", ((1, 21, 27),), (1, 27)),
    ]
    if visa:
        line2.append(_f("optional_data", 1, 28, length, "alnum"))
    elif fmt is MrzFormat.TD3:
        line2 += [
            _f("optional_data", 1, 28, 42, "alnum"),
            _f("optional_data_check", 1, 42, 43, "numeric"),
            _f("composite", 1, 43, 44, "numeric"),
        ]
        checks += [
            _c("optional_data", ((1, 28, 42),), (1, 42)),
            _c("composite", ((1, 0, 10), (1, 13, 20), (1, 21, 43)), (1, 43)),
        ]
    else:
        line2 += [_f("optional_data", 1, 28, 35, "alnum"), _f("composite", 1, 35, 36, "numeric")]
        checks.append(_c("composite", ((1, 0, 10), (1, 13, 20), (1, 21, 35)), (1, 35)))
    return Layout(fmt, 2, length, _header(length) + tuple(line2), tuple(checks))


def _td1() -> Layout:
    fields = (
        _f("document_code", 0, 0, 2, "alpha"),
        _f("issuing_country", 0, 2, 5, "alpha"),
        _f("document_number", 0, 5, 14, "alnum"),
        _f("document_number_check", 0, 14, 15, "numeric"),
        _f("optional_data", 0, 15, 30, "alnum"),
        _f("birth_date", 1, 0, 6, "numeric"),
        _f("birth_date_check", 1, 6, 7, "numeric"),
        _f("sex", 1, 7, 8, "sex"),
        _f("expiry_date", 1, 8, 14, "numeric"),
        _f("expiry_date_check", 1, 14, 15, "numeric"),
        _f("nationality", 1, 15, 18, "alpha"),
        _f("optional_data_2", 1, 18, 29, "alnum"),
        _f("composite", 1, 29, 30, "numeric"),
        _f("name", 2, 0, 30, "name"),
    )
    checks = (
        _c("document_number", ((0, 5, 14),), (0, 14)),
        _c("birth_date", ((1, 0, 6),), (1, 6)),
        _c("expiry_date", ((1, 8, 14),), (1, 14)),
        _c("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
    )
    return Layout(MrzFormat.TD1, 3, 30, fields, checks)


LAYOUTS: dict[MrzFormat, Layout] = {
    MrzFormat.TD1: _td1(),
    MrzFormat.TD2: _two_line(MrzFormat.TD2, 36),
    MrzFormat.TD3: _two_line(MrzFormat.TD3, 44),
    MrzFormat.MRVA: _two_line(MrzFormat.MRVA, 44),
    MrzFormat.MRVB: _two_line(MrzFormat.MRVB, 36),
}

#: (line count, line length) → the document format and the visa format of that geometry.
GEOMETRIES: dict[tuple[int, int], tuple[MrzFormat, MrzFormat | None]] = {
    (3, 30): (MrzFormat.TD1, None),
    (2, 36): (MrzFormat.TD2, MrzFormat.MRVB),
    (2, 44): (MrzFormat.TD3, MrzFormat.MRVA),
}


def detect_format(lines: list[str] | tuple[str, ...]) -> MrzFormat | None:
    """The format of exactly-sized ``lines``, or None. A leading ``V`` document code marks a visa."""
    geometry = GEOMETRIES.get((len(lines), len(lines[0]) if lines else 0))
    if geometry is None or any(len(line) != len(lines[0]) for line in lines):
        return None
    document, visa = geometry
    return visa if visa is not None and lines[0].startswith("V") else document
