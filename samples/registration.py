"""What an applicant types into a registration form: names in natural case, other spellings.

Names on the documents are upper case in their VIZ script (Cyrillic for Kazakh and Russian
holders). People type them in natural case, sometimes in another script or spelling; these
helpers produce those forms. All randomness comes from the caller's generator.

Example:
    >>> natural_case("KASTRIOTI-SKËNDERBEU")
    'Kastrioti-Skënderbeu'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np

from samples.identities import Holder
from samples.mrz_text import transliterate

REGISTRATION_KEYS = ("full_name", "birth_date", "id_number", "country", "sex", "company_id")
"""Keys of ``<id>_registration.json``, in this order."""

_PARTICLES = {"VON", "DER", "DE", "LA", "LOS", "DEL", "DOS", "DA", "Y", "E", "VAN"}
_ISO3 = {"D": "DEU"}  # ICAO uses 'D' for Germany; forms use ISO 3166 alpha-3

# Older Russian-style romanisation (BGN/PCGN-like, pre-2013 passports): YU, YA, Y, KH, TS.
_OLD_LATIN = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "YO", "Ж": "ZH", "З": "Z", "И": "I",
    "Й": "Y", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
    "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ъ": "", "Ы": "Y", "Ь": "",
    "Э": "E", "Ю": "YU", "Я": "YA", "Ә": "A", "Ғ": "G", "Қ": "K", "Ң": "N", "Ө": "O", "Ұ": "U", "Ү": "U",
    "Һ": "H", "І": "I",
}
# Kazakh Latin alphabet (2021 style: Q, Ä, Ö, Ü, Ū, Ğ, Ñ, Ş, Ç, J for Ж).
_KAZ_LATIN = {
    "А": "A", "Ә": "Ä", "Б": "B", "В": "V", "Г": "G", "Ғ": "Ğ", "Д": "D", "Е": "E", "Ё": "IO", "Ж": "J",
    "З": "Z", "И": "I", "Й": "I", "К": "K", "Қ": "Q", "Л": "L", "М": "M", "Н": "N", "Ң": "Ñ", "О": "O",
    "Ө": "Ö", "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U", "Ұ": "Ū", "Ү": "Ü", "Ф": "F", "Х": "H",
    "Һ": "H", "Ц": "C", "Ч": "Ç", "Ш": "Ş", "Щ": "ŞŞ", "Ъ": "", "Ы": "Y", "І": "I", "Ь": "", "Э": "E",
    "Ю": "IU", "Я": "IA",
}
# Kazakh letters written with their Russian look-alikes, as in Russian-language paperwork.
_KAZ_TO_RUS = str.maketrans("ӘҒҚҢӨҰҮҺІ", "АГКНОУУХИ")
_GERMAN = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Ø": "OE", "Æ": "AE"}
_ASCII_SPECIAL = {"ß": "SS", "Ł": "L", "Ø": "O", "Đ": "D", "Þ": "TH", "Ð": "D", "Æ": "AE", "Œ": "OE", "I": "I"}


def is_cyrillic(text: str) -> bool:
    """True when ``text`` contains a Cyrillic letter."""
    return any("\u0400" <= c <= "\u04ff" for c in text)


def _cap_word(word: str, turkish: bool) -> str:
    if turkish:  # dotted and dotless i survive lower-casing only with the Turkish rule
        rest = word[1:].replace("I", "ı").replace("İ", "i").lower()
        return word[0] + rest
    return word[:1].upper() + word[1:].lower()


def natural_case(text: str, turkish: bool = False) -> str:
    """Upper-case VIZ text in natural case: 'O'CONNOR' -> "O'Connor", 'VON DER HEYDT' -> 'von der Heydt'."""
    out: list[str] = []
    for i, word in enumerate(text.split(" ")):
        if i > 0 and word in _PARTICLES:
            out.append(word.lower())
            continue
        parts = re.split(r"([-'’])", word)
        out.append("".join(p if p in "-'’" else _cap_word(p, turkish) for p in parts))
    return " ".join(out)


def _map_chars(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in text.upper())


def ascii_fold(text: str) -> str:
    """Diacritics dropped ('ÇELA' -> 'CELA', 'WEIß' -> 'WEISS'); Cyrillic is left alone."""
    out = []
    for c in text.upper():
        if c in _ASCII_SPECIAL:
            out.append(_ASCII_SPECIAL[c])
        elif is_cyrillic(c):
            out.append(c)
        else:
            out.append("".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b)))
    return "".join(out)


def icao_latin(text: str) -> str:
    """ICAO 9303 transliteration with spaces and hyphens kept (as the MRZ spells the name)."""
    return " ".join("-".join(transliterate(p).replace("<", " ") for p in w.split("-")) for w in text.split(" "))


def _order(given: str, surname: str, patronymic: str, surname_first: bool) -> str:
    parts = [surname, given, patronymic] if surname_first else [given, patronymic, surname]
    return " ".join(p for p in parts if p)


def genuine_name(holder: Holder, rng: np.random.Generator) -> tuple[str, str]:
    """The holder's name as they would type it: (full_name, form).

    Forms: ``viz`` (VIZ spelling in natural case, given names first), ``icao_latin`` (Cyrillic
    names romanised as in the MRZ), ``viz_patronymic`` (Kazakh, with the patronymic),
    ``icao_latin_patronymic``.
    """
    turkish = holder.country == "TUR"
    g, s, p = holder.given_names, holder.surname, holder.patronymic
    if not is_cyrillic(g + s):
        return natural_case(_order(g, s, "", False), turkish), "viz"
    r = rng.random()
    if p and r < 0.2:
        return natural_case(_order(g, s, p, False)), "viz_patronymic"
    if p and r < 0.3:
        return natural_case(_order(icao_latin(g), icao_latin(s), icao_latin(p), False)), "icao_latin_patronymic"
    if r < 0.6:
        return natural_case(_order(g, s, "", False)), "viz"
    return natural_case(_order(icao_latin(g), icao_latin(s), "", False)), "icao_latin"


def _variants(holder: Holder) -> dict[str, str]:
    """Other spellings of the holder's name that still name the same person."""
    turkish = holder.country == "TUR"
    g, s, p = holder.given_names, holder.surname, holder.patronymic
    out: dict[str, str] = {}
    if is_cyrillic(g + s):
        out["latin_old_romanisation"] = natural_case(_order(_map_chars(g, _OLD_LATIN), _map_chars(s, _OLD_LATIN), "",
                                                            False))
        out["latin_surname_first"] = natural_case(_order(icao_latin(g), icao_latin(s), "", True))
        out["latin_upper_surname_first"] = _order(icao_latin(g), icao_latin(s), "", True)
        out["cyrillic_surname_first"] = natural_case(_order(g, s, p, True))
        if p:
            out["kazakh_latin"] = natural_case(_order(_map_chars(g, _KAZ_LATIN), _map_chars(s, _KAZ_LATIN), "", False))
            out["kazakh_latin_patronymic"] = natural_case(
                _order(_map_chars(g, _KAZ_LATIN), _map_chars(s, _KAZ_LATIN), _map_chars(p, _KAZ_LATIN), False))
            out["cyrillic_russian_letters"] = natural_case(_order(g.translate(_KAZ_TO_RUS), s.translate(_KAZ_TO_RUS),
                                                                  p.translate(_KAZ_TO_RUS), True))
            out["latin_patronymic_surname_first"] = natural_case(_order(icao_latin(g), icao_latin(s), icao_latin(p),
                                                                        True))
        return out
    out["surname_first"] = natural_case(_order(g, s, "", True), turkish)
    out["upper_case"] = _order(g, s, "", False)
    if ascii_fold(g + s) != g + s:
        out["ascii_no_diacritics"] = natural_case(_order(ascii_fold(g), ascii_fold(s), "", False))
        out["ascii_surname_first"] = _order(ascii_fold(g), ascii_fold(s), "", True)
    if any(c in _GERMAN for c in g + s):
        out["umlaut_spelled_out"] = natural_case(_order(_map_chars(g, _GERMAN), _map_chars(s, _GERMAN), "", False))
    if "-" in s:
        out["hyphen_as_space"] = natural_case(_order(g, s.replace("-", " "), "", False), turkish)
    return out


def variant_name(holder: Holder, rng: np.random.Generator) -> tuple[str, str]:
    """The holder's name in another script, spelling or order: (full_name, variant)."""
    g, s = holder.given_names, holder.surname
    usual = {natural_case(_order(g, s, "", False)).casefold(),
             natural_case(_order(icao_latin(g), icao_latin(s), "", False)).casefold()}
    options = {k: v for k, v in _variants(holder).items() if v.casefold() not in usual}
    # The distinctive spellings first when they exist; order-only variants otherwise.
    strong = [k for k in options if k not in ("surname_first", "upper_case", "latin_upper_surname_first")]
    keys = sorted(strong if strong and rng.random() < 0.9 else options)
    key = keys[int(rng.integers(0, len(keys)))]
    return options[key], key


def id_number(truth: dict[str, Any], rng: np.random.Generator, force: str | None = None) -> tuple[str, str]:
    """(id_number, kind) as typed: the national number where the document carries one in its
    MRZ, else the document number. Kinds: ``iin`` (kaz_id, 85 %), ``personal_number`` (alb_id,
    alb_passport, 70 %), ``nin`` (uga_id with a NIN in the optional data, 60 %),
    ``document_number`` (the rest, ken_id, tza_id and passport always; long TD1 numbers whole).
    ``force="document_number"`` always picks that."""
    fields, holder, layout = truth["fields"], truth["holder"], truth["layout"]
    doc = str(fields["document_number"])
    optional = str(fields.get("optional_data") or "")
    if force == "document_number":
        return doc, "document_number"
    if layout == "kaz_id" and holder.get("iin") == optional and rng.random() < 0.85:
        return optional, "iin"
    if layout in ("alb_id", "alb_passport") and holder.get("personal_number") == optional and rng.random() < 0.7:
        return optional, "personal_number"
    if layout == "uga_id" and re.fullmatch(r"C[MF]\d{7}[A-Z]{5}", optional) and rng.random() < 0.6:
        return optional, "nin"
    return doc, "document_number"


def registration(truth: dict[str, Any], full_name: str | None, id_num: str | None,
                 birth: dt.date | None = None) -> dict[str, Any]:
    """The registration JSON for a document ``truth``; ``birth`` overrides the holder's date.
    ``company_id`` stays null: these are private applicants."""
    holder = truth["holder"]
    country = str(truth["fields"]["issuing_country"])
    sex = holder["sex"] if holder["sex"] in ("M", "F") else None
    values = {
        "full_name": full_name,
        "birth_date": (birth.isoformat() if birth else holder["birth_date"]),
        "id_number": id_num,
        "country": _ISO3.get(country, country),
        "sex": sex,
        "company_id": None,  # a private applicant; the engine reads it as a national company number
    }
    return {k: values[k] for k in REGISTRATION_KEYS}
