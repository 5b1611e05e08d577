"""MRZ dates (YYMMDD) to ISO dates, with the century chosen relative to ``today``.

Century rule (documented choice, ICAO leaves it to the reader):

* birth date: the latest century that does not put the date after ``today`` (a birth is in the past);
* expiry date: the latest century that does not put it more than :data:`EXPIRY_HORIZON_YEARS` years after
  ``today``. Passports run at most ~10 years and some ID cards 20, so with a 50-year horizon an expiry reads
  up to 50 years ahead and up to 50 years back: ``961210`` read in 2026 is 1996-12-10, ``351231`` is 2035-12-31.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

EXPIRY_HORIZON_YEARS = 50
DateKind = Literal["birth", "expiry"]


@dataclass(frozen=True)
class DateReading:
    """A decoded date: ``value`` is ``YYYY-MM-DD`` or None; ``status`` says why it is None."""

    value: str | None
    status: Literal["ok", "unknown", "invalid"]


def _latest_year(yy: int, month: int, day: int, limit: date) -> int:
    """The latest year ending in ``yy`` with (year, month, day) not after ``limit``."""
    year = (limit.year // 100) * 100 + yy
    while (year, month, day) > (limit.year, limit.month, limit.day):
        year -= 100
    return year


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def resolve_date(yymmdd: str, *, kind: DateKind, today: date) -> DateReading:
    """Decode an MRZ date. ``<`` in place of digits means an unknown part (``status="unknown"``).

    >>> resolve_date("740812", kind="birth", today=date(2026, 1, 1))
    DateReading(value='1974-08-12', status='ok')
    """
    if len(yymmdd) != 6:
        return DateReading(None, "invalid")
    if "<" in yymmdd and all(c.isdigit() or c == "<" for c in yymmdd):
        return DateReading(None, "unknown")
    if not (yymmdd.isascii() and yymmdd.isdigit()):
        return DateReading(None, "invalid")
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    limit = today if kind == "birth" else _add_years(today, EXPIRY_HORIZON_YEARS)
    year = _latest_year(yy, month, day, limit)
    try:
        return DateReading(date(year, month, day).isoformat(), "ok")
    except ValueError:
        return DateReading(None, "invalid")
