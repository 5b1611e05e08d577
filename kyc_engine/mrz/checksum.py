"""ICAO 9303 check digits: character values and the 7-3-1 weighted sum modulo 10."""

from __future__ import annotations

WEIGHTS = (7, 3, 1)


def char_value(c: str) -> int:
    """Value of one MRZ character: ``'<'`` = 0, ``'0'``-``'9'`` = 0-9, ``'A'``-``'Z'`` = 10-35.

    >>> char_value("<"), char_value("7"), char_value("Z")
    (0, 7, 35)

    Raises ``ValueError`` for anything outside ``A-Z0-9<``.
    """
    if len(c) == 1:
        if c == "<":
            return 0
        if "0" <= c <= "9":
            return ord(c) - 48
        if "A" <= c <= "Z":
            return ord(c) - 55
    raise ValueError(f"not an MRZ character: {c!r}")


def weighted_sum(data: str) -> int:
    """The 7-3-1 weighted sum of ``data`` (not yet reduced modulo 10)."""
    return sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(data))


def check_digit(data: str) -> str:
    """The check digit ('0'-'9') of ``data``: weights 7, 3, 1 repeating, sum modulo 10.

    >>> check_digit("L898902C3")
    '6'
    """
    return str(weighted_sum(data) % 10)
