"""Static description of each specimen layout: format, size, titles, labels and colours."""

from __future__ import annotations

from dataclasses import dataclass, field

from samples.mrz_text import MrzFormat

BGR = tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    """One document design. Sizes in pixels; ``px_per_mm`` ties them to ICAO millimetres."""

    name: str
    fmt: MrzFormat
    size: tuple[int, int]
    px_per_mm: float
    country: str | None  # None: drawn at random per document
    title: str
    subtitle: str
    labels: dict[str, str]
    bg: tuple[BGR, BGR]
    ink: BGR  # guilloche
    accent: BGR
    gray_portrait: bool = False
    ghost: bool = False
    codes: tuple[str, ...] = ("ID",)
    extra: dict[str, str] = field(default_factory=dict)


_EN = {
    "surname": "Surname", "given": "Given names", "birth": "Date of birth", "sex": "Sex",
    "nationality": "Nationality", "number": "Document no.", "expiry": "Date of expiry",
    "personal": "Personal no.", "patronymic": "Patronymic", "issue": "Date of issue",
}


def _bi(local: dict[str, str]) -> dict[str, str]:
    """Bilingual labels 'LOCAL / English'; keys missing in ``local`` stay English only."""
    return {k: (f"{local[k]} / {v}" if k in local else v) for k, v in _EN.items()}


LAYOUTS: dict[str, Layout] = {
    "kaz_id": Layout(
        "kaz_id", "TD1", (1012, 638), 11.82, "KAZ", "ҚАЗАҚСТАН РЕСПУБЛИКАСЫ",
        "ЖЕКЕ КУӘЛІК / IDENTITY CARD",
        _bi({"surname": "ТЕГІ", "given": "АТЫ", "patronymic": "ӘКЕСІНІҢ АТЫ", "birth": "ТУҒАН КҮНІ",
             "sex": "ЖЫНЫСЫ", "nationality": "АЗАМАТТЫҒЫ", "number": "ҚҰЖАТ НӨМІРІ",
             "expiry": "ЖАРАМДЫЛЫҚ МЕРЗІМІ", "personal": "ЖСН"}),
        ((246, 232, 205), (205, 236, 246)), (180, 140, 60), (150, 100, 20), gray_portrait=True, ghost=True),
    "alb_id": Layout(
        "alb_id", "TD1", (1012, 638), 11.82, "ALB", "REPUBLIKA E SHQIPËRISË", "LETËRNJOFTIM / IDENTITY CARD",
        _bi({"surname": "MBIEMRI", "given": "EMRI", "birth": "DATËLINDJA", "sex": "GJINIA",
             "nationality": "SHTETËSIA", "number": "NR. I DOKUMENTIT", "expiry": "DATA E SKADIMIT",
             "personal": "NR. PERSONAL"}),
        ((228, 230, 248), (240, 244, 244)), (80, 60, 170), (40, 30, 150), gray_portrait=True, ghost=True),
    "alb_passport": Layout(
        "alb_passport", "TD3", (1250, 880), 10.0, "ALB", "REPUBLIKA E SHQIPËRISË / REPUBLIC OF ALBANIA",
        "PASAPORTË / PASSPORT",
        _bi({"surname": "MBIEMRI", "given": "EMRI", "birth": "DATËLINDJA", "sex": "GJINIA",
             "nationality": "SHTETËSIA", "number": "NR. I PASAPORTËS", "expiry": "DATA E SKADIMIT",
             "personal": "NR. PERSONAL", "issue": "DATA E LËSHIMIT"}),
        ((222, 226, 240), (236, 240, 232)), (90, 70, 160), (40, 30, 130), ghost=True, codes=("P<",)),
    "ken_id": Layout(
        "ken_id", "TD1", (1012, 638), 11.82, "KEN", "REPUBLIC OF KENYA", "JAMHURI YA KENYA · NATIONAL ID CARD",
        _bi({}), ((214, 236, 214), (236, 242, 230)), (60, 130, 40), (30, 90, 20)),
    "tza_id": Layout(
        "tza_id", "TD1", (1012, 638), 11.82, "TZA", "JAMHURI YA MUUNGANO WA TANZANIA",
        "KITAMBULISHO CHA TAIFA / NATIONAL ID",
        _bi({"surname": "JINA LA UKOO", "given": "MAJINA", "birth": "TAREHE YA KUZALIWA", "sex": "JINSIA",
             "nationality": "URAIA", "number": "NAMBA", "expiry": "TAREHE YA KUISHA"}),
        ((236, 226, 200), (200, 240, 240)), (150, 120, 30), (120, 90, 10)),
    "uga_id": Layout(
        "uga_id", "TD1", (1012, 638), 11.82, "UGA", "REPUBLIC OF UGANDA", "NATIONAL IDENTITY CARD",
        {**_EN, "personal": "NIN"}, ((200, 236, 246), (226, 226, 240)), (40, 120, 180), (20, 20, 150),
        ghost=True),
    "passport": Layout(
        "passport", "TD3", (1250, 880), 10.0, None, "", "PASSPORT / PASSEPORT / PASAPORTE", dict(_EN),
        ((232, 232, 222), (214, 232, 240)), (130, 110, 90), (90, 60, 40), ghost=True, codes=("P<",)),
    "td2_id": Layout(
        "td2_id", "TD2", (1050, 740), 10.0, None, "", "IDENTITY CARD / CARTE D'IDENTITÉ", dict(_EN),
        ((240, 226, 226), (226, 240, 236)), (150, 100, 110), (110, 60, 70), codes=("ID", "I<", "IR")),
    "visa_a": Layout(
        "visa_a", "MRV-A", (1200, 800), 10.0, None, "", "VISA",
        {**_EN, "number": "Visa no.", "expiry": "Valid until", "issue": "Valid from", "personal": "Entries"},
        ((214, 236, 222), (236, 232, 214)), (90, 140, 90), (50, 100, 50), codes=("V<", "VC")),
    "visa_b": Layout(
        "visa_b", "MRV-B", (1050, 740), 10.0, None, "", "VISA",
        {**_EN, "number": "Visa no.", "expiry": "Valid until", "issue": "Valid from", "personal": "Entries"},
        ((220, 228, 244), (240, 232, 220)), (140, 100, 80), (100, 60, 40), codes=("V<", "VD")),
}
"""All layouts by their ``layout`` key."""

COUNTRY_NAMES: dict[str, str] = {
    "KAZ": "REPUBLIC OF KAZAKHSTAN", "RUS": "RUSSIAN FEDERATION", "UKR": "UKRAINE", "ALB": "REPUBLIC OF ALBANIA",
    "KEN": "REPUBLIC OF KENYA", "TZA": "UNITED REPUBLIC OF TANZANIA", "UGA": "REPUBLIC OF UGANDA",
    "D": "BUNDESREPUBLIK DEUTSCHLAND", "AUT": "REPUBLIK ÖSTERREICH", "FRA": "RÉPUBLIQUE FRANÇAISE",
    "BEL": "ROYAUME DE BELGIQUE", "ESP": "REINO DE ESPAÑA", "MEX": "ESTADOS UNIDOS MEXICANOS",
    "ARG": "REPÚBLICA ARGENTINA", "COL": "REPÚBLICA DE COLOMBIA", "SWE": "KONUNGARIKET SVERIGE",
    "NOR": "KONGERIKET NORGE", "DNK": "KONGERIGET DANMARK", "ISL": "ÍSLAND", "POL": "RZECZPOSPOLITA POLSKA",
    "TUR": "TÜRKİYE CUMHURİYETİ", "PRT": "REPÚBLICA PORTUGUESA", "BRA": "REPÚBLICA FEDERATIVA DO BRASIL",
    "VNM": "SOCIALIST REPUBLIC OF VIET NAM", "IND": "REPUBLIC OF INDIA", "CHN": "PEOPLE'S REPUBLIC OF CHINA",
    "JPN": "JAPAN", "KOR": "REPUBLIC OF KOREA", "EGY": "ARAB REPUBLIC OF EGYPT", "MAR": "KINGDOM OF MOROCCO",
    "JOR": "HASHEMITE KINGDOM OF JORDAN", "ARE": "UNITED ARAB EMIRATES", "NGA": "FEDERAL REPUBLIC OF NIGERIA",
    "GHA": "REPUBLIC OF GHANA", "GBR": "UNITED KINGDOM", "USA": "UNITED STATES OF AMERICA", "CAN": "CANADA",
    "AUS": "AUSTRALIA", "IRL": "IRELAND", "NZL": "NEW ZEALAND",
}

CITIES: dict[str, list[str]] = {
    "KAZ": ["АЛМАТЫ", "АСТАНА", "ШЫМКЕНТ", "ҚАРАҒАНДЫ", "АҚТӨБЕ", "ТАРАЗ", "ӨСКЕМЕН", "ҚЫЗЫЛОРДА"],
    "ALB": ["TIRANË", "DURRËS", "SHKODËR", "VLORË", "ELBASAN", "KORÇË", "GJIROKASTËR"],
    "KEN": ["NAIROBI", "MOMBASA", "KISUMU", "NAKURU", "ELDORET"],
    "TZA": ["DAR ES SALAAM", "DODOMA", "ARUSHA", "MWANZA", "MBEYA"],
    "UGA": ["KAMPALA", "GULU", "MBARARA", "JINJA", "LIRA"],
    "D": ["MÜNCHEN", "KÖLN", "BERLIN", "DÜSSELDORF"], "FRA": ["PARIS", "LYON", "ORLÉANS"],
    "ESP": ["MADRID", "SEVILLA", "A CORUÑA"], "POL": ["KRAKÓW", "ŁÓDŹ", "WROCŁAW"],
    "TUR": ["İSTANBUL", "ANKARA", "İZMİR"], "RUS": ["МОСКВА", "САНКТ-ПЕТЕРБУРГ"],
}
"""Places of birth for the VIZ; other countries print the country name."""
