"""Readings the check digits cannot confirm must not be reported valid (real engine, real parser)."""

from __future__ import annotations

from datetime import date

import pytest

from kyc_engine.engine import Engine
from kyc_engine.mrz.ocrline import OcrLine
from kyc_engine.mrz.parse import parse_mrz
from kyc_engine.settings import Settings

LINE1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
LINE2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TODAY = date(2010, 1, 1)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(Settings(today=TODAY), stages=("mrz",))


def ocr(text: str, alternatives: dict[int, tuple[tuple[str, float], ...]] | None = None) -> OcrLine:
    alts = tuple((alternatives or {}).get(i, ()) for i in range(len(text)))
    return OcrLine(text, tuple(0.99 for _ in text), alts)


def test_specimen_reading_stays_valid(engine: Engine) -> None:
    result = parse_mrz([LINE1, LINE2], today=TODAY)
    assert result.valid
    checked = engine.mrz._ambiguity_check(result, [ocr(LINE1), ocr(LINE2)])
    assert checked.valid


def test_confident_alternative_that_also_passes_makes_it_ambiguous(engine: Engine) -> None:
    result = parse_mrz([LINE1, LINE2], today=TODAY)
    # 'S' (28) and '8' differ by 20: the document number check digit cannot tell them apart
    checked = engine.mrz._ambiguity_check(result, [ocr(LINE1), ocr(LINE2, {1: (("S", 0.4),)})])
    assert not checked.valid
    assert "both pass the check digits" in checked.warnings[-1]
    weak = engine.mrz._ambiguity_check(result, [ocr(LINE1), ocr(LINE2, {1: (("S", 0.05),)})])
    assert weak.valid
    # an alternative that breaks the check digit is no rival
    other = engine.mrz._ambiguity_check(result, [ocr(LINE1), ocr(LINE2, {1: (("B", 0.6),)})])
    assert other.valid


def test_national_format_repairs_a_check_blind_letter() -> None:
    from kyc_engine.mrz.checksum import check_digit
    from kyc_engine.mrz.national import apply_national_format

    line1 = (
        "IDALB4745305758J4610533SM<<<<<"  # true personal number J46105338M: 'S' and '8' share a check value
    )
    line2 = "9411058F2803043ALB<<<<<<<<<<<"
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3 = "GJONI<<ENKELEJDA<BORA<<<<<<<<<"
    read = parse_mrz([line1, line2, line3], today=TODAY)
    assert read.valid and read.fields["optional_data"] == "J4610533SM"
    fixed = apply_national_format(read, today=TODAY)
    assert fixed.valid and fixed.fields["optional_data"] == "J46105338M"
    assert [(r.line, r.pos, r.from_char, r.to_char) for r in fixed.repairs] == [(0, 23, "S", "8")]
    other = parse_mrz([line1.replace("ALB", "UTO"), line2.replace("ALB", "UTO"), line3], today=TODAY)
    assert apply_national_format(other, today=TODAY) is other


def test_an_alternative_giving_an_unknown_country_is_no_rival(engine: Engine) -> None:
    result = parse_mrz([LINE1, LINE2], today=TODAY)
    # nationality 'UTO' -> 'UDO' keeps every check digit (none covers the nationality) but is no country
    checked = engine.mrz._ambiguity_check(result, [ocr(LINE1), ocr(LINE2, {11: (("D", 0.6),)})])
    assert checked.valid
    # an alternative document kind that ICAO does not know ('L' for 'P') is no rival either
    checked = engine.mrz._ambiguity_check(result, [ocr(LINE1, {0: (("L", 0.7),)}), ocr(LINE2)])
    assert checked.valid


def test_only_a_settled_reading_skips_the_second_reading() -> None:
    from kyc_engine.mrz_stage import _settled

    result = parse_mrz([LINE1, LINE2], today=TODAY)
    assert _settled(result, [ocr(LINE1), ocr(LINE2)])
    assert not _settled(result, [ocr(LINE1), ocr(LINE2, {5: (("S", 0.06),)})])  # an alternative
    unsure = OcrLine(
        LINE2, tuple(0.9 if i == 3 else 0.99 for i in range(len(LINE2))), tuple(() for _ in LINE2)
    )
    assert not _settled(result, [ocr(LINE1), unsure])  # a character under 0.95
    assert not _settled(result, [ocr(LINE1), OcrLine(LINE2)])  # no evidence
    assert not _settled(result, [ocr(LINE1)])  # a line that OCR did not read as reported


def test_a_late_reading_needs_a_second_valid_reading(engine: Engine) -> None:
    import numpy as np

    from kyc_engine.mrz_stage import _Timer

    result = parse_mrz([LINE1, LINE2], today=TODAY)
    blank = np.full((60, 600), 255, np.uint8)  # every other reading of this crop finds no text
    late = engine.mrz._cross_check(result, {}, "grey", blank, _Timer(), confirm=True)
    assert not late.valid and "no second reading of the MRZ confirms it" in late.warnings
    early = engine.mrz._cross_check(result, {}, "grey", blank, _Timer(), confirm=False)
    assert early.valid
    # a second valid reading that disagrees on the document number rejects even an early reading
    other = parse_mrz([LINE1, LINE2.replace("L898902C3", "L898902C3".replace("8", "S", 1))], today=TODAY)
    assert other.valid and other.fields["document_number"] != result.fields["document_number"]
    rejected = engine.mrz._cross_check(result, {"sharp": other}, "grey", blank, _Timer(), confirm=False)
    assert not rejected.valid and "disagree on document_number" in rejected.warnings[-1]


def test_doubt_only_counts_where_no_check_digit_looks() -> None:
    from kyc_engine.mrz_stage import _doubt_unchecked

    result = parse_mrz([LINE1, LINE2], today=TODAY)

    def unsure_at(text: str, pos: int) -> OcrLine:
        return OcrLine(
            text, tuple(0.6 if i == pos else 0.99 for i in range(len(text))), tuple(() for _ in text)
        )

    assert not _doubt_unchecked(result, [ocr(LINE1), ocr(LINE2)])
    assert not _doubt_unchecked(result, [ocr(LINE1), unsure_at(LINE2, 3)])  # document number: checked
    assert not _doubt_unchecked(result, [unsure_at(LINE1, 8), ocr(LINE2)])  # the name: flagged apart
    assert _doubt_unchecked(result, [ocr(LINE1), unsure_at(LINE2, 11)])  # nationality: no check digit
    assert _doubt_unchecked(result, [ocr(LINE1), unsure_at(LINE2, 20)])  # sex: no check digit
    assert _doubt_unchecked(result, [unsure_at(LINE1, 3), ocr(LINE2)])  # issuing state
