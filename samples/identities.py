"""Random document holders: names per culture, birth dates, national identity numbers.

All randomness comes from the caller's ``numpy.random.Generator``. Dates are relative to
the fixed :data:`AS_OF` so that sets are reproducible on any day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from samples.mrz_text import transliterate

AS_OF = dt.date(2026, 11, 1)
"""Reference "today" for ages and expiry (fixed so output does not depend on the clock)."""

# Culture -> male given, female given, surnames (male form, female form).
_POOLS: dict[str, dict[str, list]] = {
    "kazakh": {
        "m": ["ӘЛИХАН", "ҚАНАТ", "ЕРЛАН", "НҰРСҰЛТАН", "ҒАЛЫМ", "ДӘУРЕН", "БОЛАТ", "ДАНИЯР", "ӨМІРЗАҚ",
              "АЙБЫН", "ЕРЖАН", "ТІЛЕУБЕРДІ", "ШЫҢҒЫС", "ЖАНДОС"],
        "f": ["АЙГЕРІМ", "ӘСЕЛ", "ЖАНАР", "ШЫНАР", "ҮМІТ", "ЖҰЛДЫЗ", "ГҮЛНАР", "ДИНАРА", "ӘЙГЕРІМ",
              "ҚАРЛЫҒАШ", "САЛТАНАТ", "НҰРГҮЛ", "ЖАНСАЯ"],
        "s": [("ЖҰМАБЕКОВ", "ЖҰМАБЕКОВА"), ("ҚАСЫМОВ", "ҚАСЫМОВА"), ("ТӨЛЕГЕНОВ", "ТӨЛЕГЕНОВА"),
              ("СӘРСЕНБАЕВ", "СӘРСЕНБАЕВА"), ("ОМАРОВ", "ОМАРОВА"), ("ҒАБДУЛЛИН", "ҒАБДУЛЛИНА"),
              ("БАЙМҰХАМЕДОВ", "БАЙМҰХАМЕДОВА"), ("НҰРПЕЙІСОВ", "НҰРПЕЙІСОВА"), ("ӘБДІҚАДЫРОВ", "ӘБДІҚАДЫРОВА"),
              ("ЖАҚСЫЛЫҚОВ", "ЖАҚСЫЛЫҚОВА"), ("ҚҰДАЙБЕРГЕНОВ", "ҚҰДАЙБЕРГЕНОВА"), ("ЩЕРБАКОВ", "ЩЕРБАКОВА"),
              ("ЮСУПОВ", "ЮСУПОВА"), ("ӘМІРХАНҰЛЫ", "ӘМІРХАНҚЫЗЫ"), ("ЕСЕНҒАЗИЕВ", "ЕСЕНҒАЗИЕВА")],
    },
    "russian": {
        "m": ["АЛЕКСАНДР", "ДМИТРИЙ", "СЕРГЕЙ", "ЮРИЙ", "АРТЁМ", "ВЯЧЕСЛАВ", "ФЁДОР"],
        "f": ["ЕКАТЕРИНА", "ЮЛИЯ", "НАТАЛЬЯ", "КСЕНИЯ", "ЛЮДМИЛА", "ТАТЬЯНА", "ЯНА"],
        "s": [("ЩЕГЛОВ", "ЩЕГЛОВА"), ("ХРУЩЁВ", "ХРУЩЁВА"), ("ЦВЕТКОВ", "ЦВЕТКОВА"), ("ЧЕРНЫШЕВСКИЙ", "ЧЕРНЫШЕВСКАЯ"),
              ("КУЗНЕЦОВ", "КУЗНЕЦОВА"), ("ВОРОБЬЁВ", "ВОРОБЬЁВА"), ("ПОДЪЯЧЕВ", "ПОДЪЯЧЕВА")],
    },
    "albanian": {
        "m": ["ARBËR", "ERJON", "DRITËRO", "GËZIM", "LULZIM", "BESNIK", "ËNDRI", "FATMIR", "KLEJDI", "SHKËLQIM"],
        "f": ["ELIRA", "BLERINA", "ENKELEJDA", "FLUTURA", "MIMOZA", "XHENETA", "BORA", "RUDINA", "LUMTURIE"],
        "s": ["HOXHA", "SHEHU", "ÇELA", "DUKA", "LLESHI", "GJONI", "KRASNIQI", "BERISHA", "MUÇAJ", "ÇOBANI",
              "DËRVISHI", "KASTRIOTI-SKËNDERBEU", "ZOGAJ", "PRENGA", "XHAFERRI"],
    },
    "kenyan": {
        "m": ["BRIAN KIPLAGAT", "JOSEPH", "DANIEL OTIENO", "KIPRUTO", "EMMANUEL", "PETER KAMAU", "ODHIAMBO"],
        "f": ["WANJIRU", "FAITH", "GRACE AUMA", "MERCY", "CHEPKOECH", "NJERI", "BEATRICE ACHIENG"],
        "s": ["OCHIENG", "WANJIKU", "KAMAU", "OTIENO", "MWANGI", "KIPCHOGE", "NJOROGE", "KIMANI", "ONYANGO",
              "CHERUIYOT", "WAFULA", "MUTUA", "ODHIAMBO-OKOTH"],
    },
    "tanzanian": {
        "m": ["BARAKA", "JUMA", "HAMISI", "AMANI", "SALUM RASHIDI", "GODFREY", "MUSSA"],
        "f": ["NEEMA", "ZAWADI", "REHEMA", "UPENDO", "MWANAIDI", "HALIMA", "FURAHA"],
        "s": ["MWAKYUSA", "KIKWETE", "NYERERE", "MSUYA", "MASSAWE", "MREMA", "SHIRIMA", "MWAKALINGA",
              "KILIMANJARO", "LYIMO", "MWAMBAPA"],
    },
    "ugandan": {
        "m": ["MUGISHA", "KIZZA", "WASSWA", "OPIO", "SSEBUNYA", "TUMWESIGYE", "OKELLO JAMES"],
        "f": ["NALWANGA", "AKELLO", "BABIRYE", "NAMBI", "NAKATO", "KOBUSINGYE", "AYEBARE"],
        "s": ["MUSOKE", "NAKATO", "OKELLO", "SSEMPIJJA", "NAMUBIRU", "KATUMBA", "NABIRYE", "TUMUSIIME",
              "SSEKANDI", "MUWANGUZI", "BYARUHANGA"],
    },
    "german": {
        "m": ["JÜRGEN", "GÜNTER", "SÖREN", "KLAUS", "MAXIMILIAN", "LUKAS", "KARL-HEINZ"],
        "f": ["ANNA-LENA", "BÄRBEL", "MARIE LUISE", "JÖRDIS", "SABINE", "HANNELORE"],
        "s": ["MÜLLER", "SCHRÖDER", "WEIß", "BÄCKER", "KÖHLER", "SCHMIDT", "HOFFMANN", "VON DER HEYDT",
              "GROßMANN-LÜDENSCHEID"],
    },
    "french": {
        "m": ["JEAN-BAPTISTE", "THÉO", "FRANÇOIS", "LOÏC", "JÉRÔME"],
        "f": ["HÉLÈNE", "FRANÇOISE", "MAËLLE", "JOSÉPHINE", "CLÉMENCE"],
        "s": ["LEFÈVRE", "DUBOIS", "GIRAUD", "D'ARTAGNAN", "LEBŒUF", "MOREAU", "DE LA MOTTE-FÉNELON"],
    },
    "spanish": {
        "m": ["JOSÉ ANTONIO", "ÁLVARO", "IÑAKI", "JUAN PABLO", "FRANCISCO JAVIER"],
        "f": ["MARÍA DEL CARMEN", "MARÍA GUADALUPE ESPERANZA", "LUCÍA", "ANA BELÉN", "MARÍA DE LOS ÁNGELES"],
        "s": ["GARCÍA LÓPEZ", "DE LA FUENTE RODRÍGUEZ", "MARTÍNEZ DE LA ROSA", "FERNÁNDEZ", "MUÑOZ",
              "PÉREZ DE GUZMÁN Y SANTIBÁÑEZ"],
    },
    "nordic": {
        "m": ["BJÖRN", "SØREN", "OLAF", "MIKKEL", "ÅKE"],
        "f": ["ÅSA", "INGRID", "LINNÉA", "SIGRÍÐUR", "ASTRID"],
        "s": ["ÅSTRÖM", "LINDQVIST", "SØRENSEN", "BJØRNSTAD", "JOHANSSON", "ÞÓRSDÓTTIR"],
    },
    "polish": {
        "m": ["ŁUKASZ", "KRZYSZTOF", "WOJCIECH", "GRZEGORZ"],
        "f": ["MAŁGORZATA", "AGNIESZKA", "KATARZYNA", "ŻANETA"],
        "s": [("WOJCIECHOWSKI", "WOJCIECHOWSKA"), ("ŁUKASIEWICZ", "ŁUKASIEWICZ"),
              ("BRZĘCZYSZCZYKIEWICZ", "BRZĘCZYSZCZYKIEWICZ"), ("KOWALSKI", "KOWALSKA"), ("ŻÓŁKIEWSKI", "ŻÓŁKIEWSKA")],
    },
    "turkish": {
        "m": ["MEHMET", "ÇAĞRI", "İSMAİL", "OĞUZHAN", "ŞÜKRÜ"],
        "f": ["AYŞE", "GÜLŞEN", "İPEK", "ÖZLEM", "ŞEYMA"],
        "s": ["YILDIRIM", "ÖZTÜRK", "ŞAHİN", "ÇELİK", "AKSOY", "KARAAĞAÇLI"],
    },
    "portuguese": {
        "m": ["JOÃO PEDRO", "SEBASTIÃO", "LUÍS MIGUEL", "ANTÔNIO CARLOS"],
        "f": ["ANA LUÍSA", "MARIA DA CONCEIÇÃO", "CONCEIÇÃO", "LETÍCIA"],
        "s": ["GONÇALVES", "DOS SANTOS SILVA", "PEREIRA DA COSTA", "ASSUNÇÃO", "BRAGANÇA E ALBUQUERQUE"],
    },
    "vietnamese": {
        "m": ["VĂN ĐỨC", "MINH TUẤN", "QUỐC BẢO"],
        "f": ["THỊ HƯƠNG", "NGỌC ÁNH", "THU TRANG"],
        "s": ["NGUYỄN", "TRẦN", "LÊ", "PHẠM", "HOÀNG"],
    },
    "indian": {
        "m": ["RAJESH KUMAR", "ANANTHAPADMANABHAN", "ARJUN", "VIKRAM SINGH"],
        "f": ["PRIYA", "LAKSHMI NARAYANI", "ANANYA", "SUBBULAKSHMI"],
        "s": ["SHARMA", "VENKATARAMANAN", "KRISHNAMURTHY", "PATEL", "CHATTOPADHYAY", "REDDY"],
    },
    "east_asian": {
        "m": ["XIAOMING", "JIANGUO", "KENJI", "MIN JUN", "HIROSHI"],
        "f": ["MEILING", "HARUKA", "SEO YEON", "YUKI", "XIAOYAN"],
        "s": ["WANG", "ZHANG", "OUYANG", "TAKAHASHI", "YAMAMOTO", "KIM", "PARK"],
    },
    "arabic": {
        "m": ["MOHAMED", "ABDULLAH", "YOUSSEF", "ABD EL RAHMAN"],
        "f": ["FATIMA ZAHRA", "NOUR EL HOUDA", "AMINA", "MARYAM"],
        "s": ["AL-SAYED", "ABDEL RAHMAN", "EL MANSOURI", "BEN ALI", "AL-HASHIMI"],
    },
    "nigerian": {
        "m": ["CHUKWUEMEKA", "OLUWADAMILARE", "BABATUNDE", "IFEANYICHUKWU"],
        "f": ["NGOZI", "FOLASADE", "OLUWASEUN", "CHIAMAKA"],
        "s": ["OKONKWO", "ADEYEMI", "OLUWASEGUN", "NWACHUKWU", "OGUNLEYE-ADEBAYO"],
    },
    "english": {
        "m": ["JAMES", "WILLIAM HENRY", "OLIVER", "CHRISTOPHER JOHN"],
        "f": ["ELIZABETH ANNE", "MARY-KATE", "CHARLOTTE", "SOPHIE"],
        "s": ["SMITH", "O'CONNOR", "FITZGERALD-WORTHINGTON", "MACDONALD", "ST. JOHN"],
    },
}

COUNTRY_CULTURE: dict[str, str] = {
    "KAZ": "kazakh", "RUS": "russian", "UKR": "russian", "ALB": "albanian", "KEN": "kenyan", "TZA": "tanzanian",
    "UGA": "ugandan", "D": "german", "AUT": "german", "FRA": "french", "BEL": "french", "ESP": "spanish",
    "MEX": "spanish", "ARG": "spanish", "COL": "spanish", "SWE": "nordic", "NOR": "nordic", "DNK": "nordic",
    "ISL": "nordic", "POL": "polish", "TUR": "turkish", "PRT": "portuguese", "BRA": "portuguese",
    "VNM": "vietnamese", "IND": "indian", "CHN": "east_asian", "JPN": "east_asian", "KOR": "east_asian",
    "EGY": "arabic", "MAR": "arabic", "JOR": "arabic", "ARE": "arabic", "NGA": "nigerian", "GHA": "nigerian",
    "GBR": "english", "USA": "english", "CAN": "english", "AUS": "english", "IRL": "english", "NZL": "english",
}
"""ICAO issuing-state codes (Germany is 'D') mapped to a name culture."""

PASSPORT_COUNTRIES: list[str] = sorted(COUNTRY_CULTURE)


@dataclass(frozen=True)
class Holder:
    """A document holder. Names are in the script printed in the VIZ."""

    surname: str
    given_names: str
    patronymic: str
    birth: dt.date
    sex: str  # 'M', 'F' or '<' (unspecified)
    country: str
    iin: str | None = None
    personal_number: str | None = None

    @property
    def full_name_latin(self) -> str:
        """Given names then surname, transliterated, not truncated, words separated by spaces."""
        words = transliterate(self.given_names) + "<" + transliterate(self.surname)
        return " ".join(w for w in words.split("<") if w)


def iin_check_digit(first11: str) -> int | None:
    """Kazakh IIN check digit (weights 1..11 mod 11, then 3..11,1,2); None if invalid."""
    digits = [int(c) for c in first11]
    for weights in (range(1, 12), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
        r = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if r != 10:
            return r
    return None


def make_iin(birth: dt.date, sex: str, rng: np.random.Generator) -> str:
    """A valid 12-digit IIN: YYMMDD, century/sex digit, 4-digit serial, check digit."""
    female = sex == "F"
    century = (5 if birth.year >= 2000 else 3) + (1 if female else 0)
    while True:
        head = birth.strftime("%y%m%d") + str(century) + f"{int(rng.integers(0, 10000)):04d}"
        cd = iin_check_digit(head)
        if cd is not None:
            return head + str(cd)


def make_albanian_personal_number(birth: dt.date, sex: str, rng: np.random.Generator) -> str:
    """Albanian personal number, 10 chars: decade letter (A=1900s .. J=1990s, K=2000s), year digit,
    month (+50 for women), day, 3-digit serial, check letter.

    The real check-letter algorithm is not public; a weighted sum mod 23 stands in for it.
    """
    decade = chr(ord("A") + (birth.year - 1900) // 10)
    month = birth.month + (50 if sex == "F" else 0)
    body = f"{decade}{birth.year % 10}{month:02d}{birth.day:02d}{int(rng.integers(0, 1000)):03d}"
    total = sum((i + 1) * (ord(c) - 48 if c.isdigit() else ord(c) - 55) for i, c in enumerate(body))
    return body + chr(ord("A") + total % 23)


def random_birth(rng: np.random.Generator) -> dt.date:
    """Adult birth date, 1945-2007; about a fifth in the 2000s."""
    year = int(rng.integers(2000, 2008)) if rng.random() < 0.2 else int(rng.integers(1945, 2000))
    return dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))


def random_expiry(rng: np.random.Generator, p_expired: float = 0.2) -> dt.date:
    """Expiry relative to :data:`AS_OF`: expired (up to 5 years ago) or up to 10 years ahead."""
    if rng.random() < p_expired:
        return AS_OF - dt.timedelta(days=int(rng.integers(1, 5 * 365)))
    return AS_OF + dt.timedelta(days=int(rng.integers(1, 10 * 365)))


def _pick(rng: np.random.Generator, items: list) -> object:
    return items[int(rng.integers(0, len(items)))]


def random_holder(country: str, rng: np.random.Generator, culture: str | None = None) -> Holder:
    """A random holder of ``country``; Kazakh holders get an IIN, Albanians a personal number."""
    pool = _POOLS[culture or COUNTRY_CULTURE.get(country, "english")]
    r = rng.random()
    sex = "<" if r < 0.03 else ("F" if r < 0.52 else "M")
    form = "f" if sex == "F" else ("m" if sex == "M" else ("f" if rng.random() < 0.5 else "m"))
    surname = _pick(rng, pool["s"])
    if isinstance(surname, tuple):
        surname = surname[1] if form == "f" else surname[0]
    given = str(_pick(rng, pool[form]))
    if rng.random() < 0.15:  # a second given name: makes long names that get truncated
        second = str(_pick(rng, pool[form]))
        if second != given:
            given = f"{given} {second}"
    patronymic = ""
    if pool is _POOLS["kazakh"]:
        father = str(_pick(rng, _POOLS["kazakh"]["m"]))
        patronymic = father + ("ҚЫЗЫ" if form == "f" else "ҰЛЫ")
    birth = random_birth(rng)
    iin = make_iin(birth, "F" if form == "f" else "M", rng) if country == "KAZ" else None
    pn = make_albanian_personal_number(birth, sex, rng) if country == "ALB" else None
    return Holder(str(surname), given, patronymic, birth, sex, country, iin, pn)
