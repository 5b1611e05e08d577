"""Compose machine-readable zones (ICAO 9303 parts 3-7) and the fields a parser should report.

Formats: TD1 (3x30), TD2 (2x36), TD3 (2x44), MRV-A (2x44) and MRV-B (2x36).
Positions in comments are 0-based, end-exclusive unless stated otherwise.

Example:
    >>> check_digit("L898902C3")
    '6'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

MrzFormat = Literal["TD1", "TD2", "TD3", "MRV-A", "MRV-B"]

LINE_LENGTHS: dict[str, tuple[int, int]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRV-A": (2, 44),
    "MRV-B": (2, 36),
}
DOC_TYPE: dict[str, str] = {"TD1": "TD1", "TD2": "TD2", "TD3": "TD3", "MRV-A": "TD3", "MRV-B": "TD2"}

_WEIGHTS = (7, 3, 1)

# ICAO 9303 part 3, section 6 (Cyrillic) plus the Kazakh letters.
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
    "Ә": "A", "Ғ": "G", "Қ": "K", "Ң": "N", "Ө": "O", "Ұ": "U", "Ү": "U", "Һ": "H", "І": "I",
}
# Latin letters that do not decompose with NFKD, ICAO 9303 part 3 table A.
_LATIN_SPECIAL = {
    "ß": "SS", "Æ": "AE", "Ø": "OE", "Œ": "OE", "Þ": "TH", "Ð": "D", "Ł": "L", "Đ": "D", "Ħ": "H",
    "I": "I", "İ": "I", "ı": "I",
}
# German-style options (Ä→AE ...); used only when the issuer asks for them.
_GERMAN = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA"}


def char_value(c: str) -> int:
    """Value of one MRZ character for check digits: '<'=0, digits face value, A=10 .. Z=35."""
    if c == "<":
        return 0
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {c!r}")


def check_digit(data: str) -> str:
    """ICAO 9303 check digit of ``data`` (weights 7, 3, 1 repeating; sum mod 10)."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def transliterate(text: str, german: bool = False) -> str:
    """Upper-case A-Z transliteration per ICAO 9303 part 3; separators become '<'.

    Apostrophes are dropped; spaces, hyphens and other separators become a single '<'.
    ``german=True`` writes Ä Ö Ü Å as AE OE UE AA (the option some issuers use).
    """
    out: list[str] = []
    for ch in text.upper():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif german and ch in _GERMAN:
            out.append(_GERMAN[ch])
        elif ch in _LATIN_SPECIAL:
            out.append(_LATIN_SPECIAL[ch])
        elif "A" <= ch <= "Z":
            out.append(ch)
        elif ch in "'’`ʼ":
            continue
        else:
            base = unicodedata.normalize("NFKD", ch)
            base = "".join(b for b in base if "A" <= b <= "Z")
            out.append(base if base else "<")
    s = re.sub("<+", "<", "".join(out))
    return s.strip("<")


def name_field(surname: str, given_names: str, width: int, german: bool = False) -> str:
    """Name field ``SURNAME<<GIVEN<NAMES`` truncated at ``width`` and padded with '<'."""
    primary = transliterate(surname, german)
    secondary = transliterate(given_names, german)
    text = primary + ("<<" + secondary if secondary else "")
    return text[:width].ljust(width, "<")


def parse_name(field: str) -> tuple[str, str]:
    """(surname, given_names) as a parser reports them: '<' runs become single spaces."""
    primary, _, secondary = field.partition("<<")

    def clean(s: str) -> str:
        return " ".join(p for p in s.split("<") if p)

    return clean(primary), clean(secondary)


def yymmdd(d: dt.date) -> str:
    """Date as YYMMDD."""
    return d.strftime("%y%m%d")


def _pad(s: str, n: int) -> str:
    if len(s) > n:
        raise ValueError(f"{s!r} longer than {n}")
    return s.ljust(n, "<")


@dataclass(frozen=True)
class MrzData:
    """What goes into a machine-readable zone. Names are in their VIZ script; they are
    transliterated here. ``sex`` is 'M', 'F' or '<'. ``optional`` is the main optional
    field (TD3: the personal number), ``optional2`` TD1 line 2 only."""

    fmt: MrzFormat
    document_code: str
    issuing: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth: dt.date
    sex: str
    expiry: dt.date
    optional: str = ""
    optional2: str = ""
    german: bool = False


def _docnum(number: str) -> tuple[str, str, str]:
    """(9-char field, check char, continuation for optional data) for a document number.

    Numbers longer than 9 characters (TD1/TD2 rule): the field holds the first 9, the check
    position holds '<', and the rest plus the check digit over the whole number opens the
    optional data.
    """
    if len(number) <= 9:
        field = _pad(number, 9)
        return field, check_digit(field), ""
    return number[:9], "<", number[9:] + check_digit(number)


def compose(m: MrzData) -> tuple[list[str], dict[str, str | None]]:
    """Return (MRZ lines, parser-view fields) for ``m``.

    Fields follow the ground-truth conventions in ``samples/README.md``: names with '<'
    runs as spaces, countries and optional data with '<' stripped, dates ISO, sex X for '<'.
    """
    code = _pad(m.document_code, 2)
    issuing = _pad(m.issuing, 3)
    nat = _pad(m.nationality, 3)
    birth = yymmdd(m.birth)
    expiry = yymmdd(m.expiry)
    dob = birth + check_digit(birth)
    exp = expiry + check_digit(expiry)
    opt2: str | None = None
    if m.fmt == "TD1":
        field, cd, cont = _docnum(m.document_number)
        # A '<' closes the continuation so a parser can find where the optional data starts.
        opt = _pad(cont + ("<" + m.optional if cont and m.optional else m.optional), 15)
        l1 = code + issuing + field + cd + opt
        o2 = _pad(m.optional2, 11)
        l2_head = dob + m.sex + exp + nat + o2
        composite = check_digit(l1[5:30] + l2_head[0:7] + l2_head[8:15] + l2_head[18:29])
        l2 = l2_head + composite
        name = name_field(m.surname, m.given_names, 30, m.german)
        lines = [l1, l2, name]
        optional = m.optional.strip("<")
        opt2 = m.optional2.strip("<")
    elif m.fmt in ("TD3", "TD2", "MRV-A", "MRV-B"):
        width = 44 if m.fmt in ("TD3", "MRV-A") else 36
        name = name_field(m.surname, m.given_names, width - 5, m.german)
        l1 = code + issuing + name
        if len(m.document_number) > 9:
            raise ValueError("long document numbers are only generated for TD1")
        field, cd, _ = _docnum(m.document_number)
        head = field + cd + nat + dob + m.sex + exp
        if m.fmt == "TD3":
            pn = _pad(m.optional, 14)
            pn_cd = check_digit(pn) if m.optional else "<"
            body = head + pn + pn_cd
            l2 = body + check_digit(body[0:10] + body[13:20] + body[21:43])
        elif m.fmt == "TD2":
            body = head + _pad(m.optional, 7)
            l2 = body + check_digit(body[0:10] + body[13:20] + body[21:35])
        elif m.fmt == "MRV-A":
            l2 = head + _pad(m.optional, 16)
        else:
            l2 = head + _pad(m.optional, 8)
        lines = [l1, l2]
        optional = m.optional.strip("<")
    else:
        raise ValueError(f"unknown format {m.fmt}")
    n_lines, width = LINE_LENGTHS[m.fmt]
    if len(lines) != n_lines or any(len(x) != width for x in lines):
        raise ValueError(f"bad line lengths for {m.fmt}: {lines}")
    surname, given = parse_name(lines[2] if m.fmt == "TD1" else lines[0][5:])
    fields: dict[str, str | None] = {
        "document_code": m.document_code.strip("<"),
        "issuing_country": m.issuing.strip("<"),
        "surname": surname,
        "given_names": given,
        "document_number": m.document_number,
        "nationality": m.nationality.strip("<"),
        "birth_date": m.birth.isoformat(),
        "sex": "X" if m.sex == "<" else m.sex,
        "expiry_date": m.expiry.isoformat(),
        "optional_data": optional,
        "optional_data_2": opt2,
    }
    return lines, fields
