"""A small, seeded MRZ generator for the tests (builds lines with correct check digits)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from kyc_engine.mrz.checksum import check_digit

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
COUNTRIES = ("UTO", "D<<", "KAZ", "FRA", "GBR", "USA", "ALB", "KEN", "TZA", "NLD")
SURNAMES = ("ERIKSSON", "MUSTERMANN", "NURLANULY", "OKONJO<IWEALA", "DE<LA<CRUZ", "LI", "HOXHA", "MWANGI")
GIVEN = ("ANNA<MARIA", "ERIKA", "ARMAN", "NGOZI", "JUAN<CARLOS", "WEI", "ARBEN", "WANJIRU<GRACE")


def td3(
    number: str,
    birth: str,
    expiry: str,
    personal: str = "",
    *,
    name: str = "ERIKSSON<<ANNA<MARIA",
    country: str = "UTO",
    sex: str = "F",
    code: str = "P<",
) -> tuple[str, str]:
    """A TD3 (or, with code ``V<``, MRV-A-shaped) pair of lines; ``personal`` empty gives a ``<`` check digit."""
    line1 = (code + country + name).ljust(44, "<")[:44]
    pn = personal.ljust(14, "<")
    line2 = number.ljust(9, "<") + check_digit(number.ljust(9, "<")) + country + birth + check_digit(birth)
    line2 += sex + expiry + check_digit(expiry) + pn + (check_digit(pn) if personal else "<")
    return line1, line2 + check_digit(line2[0:10] + line2[13:20] + line2[21:43])


def td1(
    number: str,
    birth: str,
    expiry: str,
    optional: str = "",
    optional2: str = "",
    *,
    name: str = "ERIKSSON<<ANNA<MARIA",
    country: str = "UTO",
    sex: str = "F",
) -> tuple[str, str, str]:
    """TD1 lines; numbers over 9 characters use the ICAO long-number convention."""
    if len(number) > 9:
        line1 = "I<" + country + number[:9] + "<" + number[9:] + check_digit(number) + "<" + optional
    else:
        line1 = "I<" + country + number.ljust(9, "<") + check_digit(number.ljust(9, "<")) + optional
    line1 = line1.ljust(30, "<")[:30]
    body = (
        birth + check_digit(birth) + sex + expiry + check_digit(expiry) + country + optional2.ljust(11, "<")
    )
    line2 = body + check_digit(line1[5:30] + body[0:7] + body[8:15] + body[18:29])
    return line1, line2, name.ljust(30, "<")[:30]


def td2(
    number: str, birth: str, expiry: str, optional: str = "", *, name: str = "ERIKSSON<<ANNA<MARIA"
) -> tuple[str, str]:
    line1 = ("I<UTO" + name).ljust(36, "<")[:36]
    line2 = number.ljust(9, "<") + check_digit(number.ljust(9, "<")) + "UTO" + birth + check_digit(birth)
    line2 += "F" + expiry + check_digit(expiry) + optional.ljust(7, "<")
    return line1, line2 + check_digit(line2[0:10] + line2[13:20] + line2[21:35])


@dataclass(frozen=True)
class Sample:
    lines: tuple[str, ...]
    kind: str


def _date(rng: random.Random, y0: int, y1: int) -> str:
    return f"{rng.randint(y0, y1) % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _number(rng: random.Random) -> str:
    """Realistic document numbers: letter prefixes with digits, all digits, or a mixed German-style one."""
    style = rng.randrange(4)
    if style == 0:
        return rng.choice(LETTERS) + "".join(rng.choice(DIGITS) for _ in range(rng.randint(7, 8)))
    if style == 1:
        return "".join(rng.choice(LETTERS) for _ in range(2)) + "".join(rng.choice(DIGITS) for _ in range(7))
    if style == 2:
        return "".join(rng.choice(DIGITS) for _ in range(9))
    return "".join(rng.choice(LETTERS + DIGITS) for _ in range(9))


def random_sample(rng: random.Random) -> Sample:
    """A random valid TD3, TD1 (sometimes with a long number or a 12-digit IIN) or TD2 MRZ."""
    kind = rng.choice(("TD3", "TD3", "TD1", "TD2"))
    name = rng.choice(SURNAMES) + "<<" + rng.choice(GIVEN)
    country = rng.choice(COUNTRIES)
    birth, expiry = _date(rng, 1940, 2010), _date(rng, 2015, 2036)
    sex = rng.choice("MF<")
    if kind == "TD3":
        personal = rng.choice(("", "".join(rng.choice(DIGITS) for _ in range(rng.randint(6, 14)))))
        return Sample(td3(_number(rng), birth, expiry, personal, name=name, country=country, sex=sex), kind)
    if kind == "TD1":
        number = _number(rng) + ("".join(rng.choice(DIGITS) for _ in range(3)) if rng.random() < 0.15 else "")
        optional = (
            "".join(rng.choice(DIGITS) for _ in range(12)) if rng.random() < 0.5 and len(number) == 9 else ""
        )
        return Sample(td1(number, birth, expiry, optional, name=name, country=country, sex=sex), kind)
    return Sample(td2(_number(rng), birth, expiry, name=name), kind)
