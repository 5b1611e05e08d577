"""Spellings of a name token in MRZ letters, and variant keys that fold transliteration differences.

A name typed as ``Юлия``, ``Yuliya`` or ``Julia`` and an MRZ saying ``IULIIA`` should meet. Rather than one
table, each token gets a small set of candidate spellings (ICAO 9303 first, then older or informal ones),
and every spelling is reduced to a *variant key* by :func:`skeleton`, which folds the differences that
transliteration systems disagree on (IU/YU, IA/YA, KH/H, ZH/J, TS/C, SHCH/SCH/SH, Y/I, Q/K, AE/A, OE/O,
UE/U, doubled letters). Two tokens are variants of each other when their key sets intersect.

The first spelling of each Russian/Ukrainian/Belarusian/Serbian/Macedonian letter is the one in ICAO Doc
9303 Part 3, "Transliteration of Cyrillic characters" (checked against published extracts of that table:
Ж ZH, Х KH, Ц TS, Щ SHCH, Ъ IE, Ы Y, Ь omitted, Ю IU, Я IA, Й I, Ё E). For the Kazakh letters we use
Ә AE, Ғ G, Қ Q, Ң N, Ө OE, Ұ U, Ү UE, Һ H, І I as attributed to the same table; the extracts we could
read offline do not list them, so each also carries the spelling Kazakh documents and people use
(A, GH, K, NG, O, U), and the variant keys fold both ways anyway. Latin letters with diacritics follow
9303-3's recommendations (Ä AE, Ö OE, Ü UE, ß SS, Å AA, Ø OE, Æ AE) with the plain letter as the
alternative. Anything else falls back to ``anyascii``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

#: Cyrillic → spellings, ICAO 9303 first. Older passports and informal spellings follow.
CYRILLIC: dict[str, tuple[str, ...]] = {
    "А": ("A",),
    "Б": ("B",),
    "В": ("V", "W"),
    "Г": ("G", "H"),
    "Ґ": ("G",),
    "Д": ("D",),
    "Ђ": ("D", "DJ"),
    "Ѓ": ("G", "GJ"),
    "Е": ("E", "YE"),
    "Ё": ("E", "YO", "IO"),
    "Є": ("IE", "YE"),
    "Ж": ("ZH", "J"),
    "З": ("Z",),
    "Ѕ": ("DZ",),
    "И": ("I", "Y"),
    "І": ("I",),
    "Ї": ("I", "YI"),
    "Й": ("I", "Y", "J"),
    "Ј": ("J",),
    "К": ("K",),
    "Л": ("L",),
    "Љ": ("LJ",),
    "М": ("M",),
    "Н": ("N",),
    "Њ": ("NJ",),
    "О": ("O",),
    "П": ("P",),
    "Р": ("R",),
    "С": ("S",),
    "Т": ("T",),
    "Ћ": ("C",),
    "Ќ": ("K",),
    "У": ("U",),
    "Ў": ("U",),
    "Ф": ("F",),
    "Х": ("KH", "H"),
    "Ц": ("TS", "C"),
    "Ч": ("CH",),
    "Џ": ("DZ",),
    "Ш": ("SH",),
    "Щ": ("SHCH", "SCH"),
    "Ъ": ("IE", ""),
    "Ы": ("Y", "I"),
    "Ь": ("",),
    "Э": ("E",),
    "Ю": ("IU", "YU"),
    "Я": ("IA", "YA"),
    # Kazakh (ICAO 9303-3 additional Cyrillic letters), then the spellings Kazakh passports and people use
    "Ә": ("AE", "A"),
    "Ғ": ("G", "GH"),
    "Қ": ("Q", "K"),
    "Ң": ("N", "NG"),
    "Ө": ("OE", "O"),
    "Ұ": ("U",),
    "Ү": ("UE", "U"),
    "Һ": ("H",),
}

#: Latin letters whose MRZ spelling is ambiguous (ICAO recommendation first).
LATIN: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"),
    "Ö": ("OE", "O"),
    "Ü": ("UE", "U"),
    "ß": ("SS",),
    "Å": ("AA", "A"),
    "Ø": ("OE", "O"),
    "Æ": ("AE",),
    "Œ": ("OE",),
    "Ñ": ("N", "NG"),  # Spanish ñ and Kazakh Latin Ñ (= Ң)
    "Ğ": ("G", "GH"),
    "Ş": ("SH", "S"),  # Kazakh/Turkish ş; Romanian ș is "S" via anyascii
    "Ç": ("C", "CH"),  # Albanian ç → C in the MRZ; Turkish/Kazakh ç → CH
    "Ū": ("U",),
    "İ": ("I",),
    "Ë": ("E",),
}

_APOSTROPHES = "'’ʼ`´ʻ‘"
_SPLIT = re.compile(r"[^\w]+|_")
_MAX_SPELLINGS = 64
_PATRONYMIC = re.compile(r"(OVIC|EVIC|VNA|ICNA|ULI|KIZI|OGLI|OGLU|UULU)$")

# (pattern, replacement) applied in order by skeleton(); longest digraphs first.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        ("SHCH", "S"),
        ("TSCH", "C"),
        ("SCH", "S"),
        ("DZH", "J"),
        ("DJ", "J"),
        ("ZH", "J"),
        ("KH", "H"),
        ("GH", "G"),
        ("TCH", "C"),
        ("TS", "C"),
        ("TZ", "C"),
        ("CH", "C"),
        ("SH", "S"),
        ("PH", "F"),
        ("CK", "K"),
        ("X", "KS"),
        ("Q", "K"),
        ("W", "V"),
        ("Y", "I"),
        ("J(?=[^AEIOU]|$)", "I"),  # SERGEJ = SERGEI
        ("IEI(?=[AOU])", "I"),  # ICAO Ъ before Я/Ю: PODIEIACHEV = PODYACHEV
        ("(^|[AEIOU])IE", r"\1E"),  # YELENA/ELENA, SERGEYEV/SERGEEV
        ("([^AEIOU])IO(?=[^AEIOU])", r"\1E"),  # FYODOR/FEDOR, PYOTR/PETR (Ё)
        ("AE", "A"),
        ("OE", "O"),
        ("UE", "U"),
        ("(?<=[AEIOU])H$", ""),  # silent final h: ABDALLAH/ABDALLA, SARAH/SARA
        (r"(.)\1+", r"\1"),
    )
)


def tokens(text: str) -> list[str]:
    """Upper-case name tokens: NFC, apostrophes dropped (ICAO omits them), split on anything not a letter.

    >>> tokens("d'Artagnan  Anna-Maria<<ÇELA")
    ['DARTAGNAN', 'ANNA', 'MARIA', 'ÇELA']
    """
    text = unicodedata.normalize("NFC", text)
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    return [t.upper() for t in _SPLIT.split(text) if t and not t.isdigit()]


def is_mrz_ascii(token: str) -> bool:
    return token.isascii() and token.isalpha()


@lru_cache(maxsize=4096)
def spellings(token: str) -> tuple[str, ...]:
    """MRZ spellings of one upper-case token, ICAO 9303 first: ``ӘЛИЯ`` → ``('AELIIA', 'AELIYA', ..., 'ALIA')``."""
    options: list[tuple[str, ...]] = []
    for ch in token:
        if "A" <= ch <= "Z":
            options.append((ch,))
        elif ch in CYRILLIC:
            options.append(CYRILLIC[ch])
        elif ch in LATIN:
            options.append(LATIN[ch])
        else:
            plain = re.sub(r"[^A-Z]", "", anyascii(ch).upper())
            options.append((plain,))
    out: list[str] = []
    for combo in itertools.product(*options):
        word = "".join(combo)
        if word and word not in out:
            out.append(word)
        if len(out) >= _MAX_SPELLINGS:
            break
    return tuple(out)


@lru_cache(maxsize=8192)
def skeleton(spelling: str) -> str:
    """Variant key of an A-Z spelling: ``IULIIA``, ``YULIYA`` and ``YULIA`` all give ``IULIA``."""
    key = re.sub(r"[^A-Z]", "", spelling.upper())
    for pattern, repl in _FOLDS:
        key = pattern.sub(repl, key)
    return key


def loose(spelling: str) -> str:
    """A looser key that also folds plain O/U (Kazakh Ұ written U or O: NURSULTAN, NURSOLTAN).

    An ``OE``/``UE`` spelling stands for Ö/Ü, distinct vowels, so those are left alone (MOELLER ≠ MUELLER).
    """
    return skeleton(re.sub(r"O(?!E)", "U", spelling))


def keys(token: str) -> frozenset[str]:
    """All variant keys of a token (any script)."""
    return frozenset(skeleton(s) for s in spellings(token))


def is_patronymic(token: str) -> bool:
    """Russian/Kazakh/Turkic patronymic by its ending: IVANOVICH, PETROVNA, SERIKULY, NURLANQYZY, ALIYEV OGLU."""
    return any(_PATRONYMIC.search(k) for k in keys(token))
