"""National MRZ variants whose optional data has a known alphabet, used to repair check-blind misreads.

Check digits cannot tell ``S`` from ``8`` or ``G`` from ``6`` (their ICAO values differ by a multiple of 10).
Where a national format says a position holds a digit, a look-alike letter there is mapped to its digit
and reported as a repair; the MRZ is then parsed again, so every check digit is verified on the result.

- Kazakhstan (``ID`` + ``KAZ``, TD1): line 1 positions 15-26 hold the 12-digit IIN.
- Albania (``ID`` + ``ALB``, TD1): line 1 positions 15-24 hold the personal number, a letter, 8 digits
  and a letter (e.g. ``J46105338M``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from .formats import MrzFormat
from .parse import MrzResult, Repair, parse_mrz

#: (issuing country, line, first position, pattern): "9" = digit, "A" = letter, "?" = either.
NATIONAL_FIELDS: dict[str, tuple[int, int, str]] = {
    "KAZ": (0, 15, "999999999999"),
    "ALB": (0, 15, "A99999999A"),
}
TO_DIGIT = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "8",
    "B": "8",
    "G": "6",
    "T": "7",
}
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"}


def apply_national_format(result: MrzResult, *, today: date) -> MrzResult:
    """Repair optional-data characters against a known national pattern; keep the fix only if still valid."""
    if result.format is not MrzFormat.TD1 or not result.valid:
        return result
    spec = NATIONAL_FIELDS.get(result.fields.get("issuing_country") or "")
    if spec is None or not (result.fields.get("document_code") or "").startswith("I"):
        return result
    line_no, start, pattern = spec
    line = list(result.lines[line_no])
    repairs = []
    for offset, kind in enumerate(pattern):
        pos = start + offset
        char = line[pos]
        table = (
            TO_DIGIT
            if kind == "9" and not char.isdigit()
            else TO_LETTER
            if kind == "A" and char.isdigit()
            else {}
        )
        if char in table:
            line[pos] = table[char]
            repairs.append(Repair(line_no, pos, char, table[char], "alphabet"))
    if not repairs:
        return result
    lines = list(result.lines)
    lines[line_no] = "".join(line)
    fixed = parse_mrz(lines, today=today)
    if not fixed.valid:
        return result
    return replace(
        fixed,
        repairs=(*result.repairs, *repairs),
        name_confidence=result.name_confidence,
        name_truncated=result.name_truncated,
        warnings=(
            *result.warnings,
            f"repaired to the {result.fields['issuing_country']} national number format",
        ),
    )
