"""The MRZ stage's second chances: a TD1 zone whose third line was missed, a confirmation that OCR
spoiled with a stray glyph, an OCR alternative that keeps the check digits resolved by a second reading. Real engine, real generated photos (items of the benchmark set, seed 20261123)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from kyc_engine.engine import Engine
from kyc_engine.imageio import load_image
from kyc_engine.mrz import OcrLine, parse_mrz
from kyc_engine.mrz.crops import grown as _grown
from kyc_engine.mrz_stage import MrzStage, _td1_partial, _Timer
from kyc_engine.settings import Settings
from samples.generate import make_item
from samples.photograph import encode_jpeg
from tests.conftest import SHARED_FACES, require_shared

LINE1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
LINE2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(Settings(today=date(2026, 11, 23)), stages=("mrz",))


def _photo(index: int) -> tuple[bytes, dict[str, object]]:
    # the benchmark set's items print faces from ../shared; without it they are other photos
    require_shared(SHARED_FACES)
    _, photo, truth, quality = make_item(20261123 + index)
    return encode_jpeg(photo, quality), truth


@pytest.mark.slow
def test_a_td1_zone_read_as_two_lines_is_read_again_as_three(engine: Engine) -> None:
    # item 177: the locator saw two of the three lines, so the page was taken for a TD2/TD3 one and
    # every first crop held two lines of TD1 length
    data, truth = _photo(177)
    report = engine.read_mrz(load_image(data, max_bytes=50_000_000, max_pixels=60_000_000))
    assert report.valid, report.to_dict()["reasons"]
    assert list(report.result.lines) == truth["mrz_lines"]  # type: ignore[union-attr]
    assert report.attempts > 8  # found by the retry crops, after the eight first readings


@pytest.mark.slow
def test_a_reading_with_a_stray_glyph_confirms_a_late_valid_one(engine: Engine) -> None:
    # item 94: the grey and sharp readings hold a stray 'O' ("0ODNK" for "0DNK"), the adaptive one is
    # valid but third: it needs a second reading, which the stray-glyph readings give
    data, truth = _photo(94)
    report = engine.read_mrz(load_image(data, max_bytes=50_000_000, max_pixels=60_000_000))
    assert report.valid, report.to_dict()["reasons"]
    assert list(report.result.lines) == truth["mrz_lines"]  # type: ignore[union-attr]


def test_cross_check_accepts_stray_glyphs_but_not_substitutions(engine: Engine) -> None:
    today = date(2010, 1, 1)
    best = parse_mrz([LINE1, LINE2], today=today)
    blank = np.full((60, 600), 255, np.uint8)  # any reading the check makes itself finds nothing
    failed = parse_mrz([LINE1, LINE2[:10] + "O" + LINE2[10:]], today=today)
    stray = [OcrLine(LINE1), OcrLine(LINE2[:10] + "O" + LINE2[10:])]
    ok = engine.mrz._cross_check(
        best, {"grey": failed}, "adaptive", blank, _Timer(), confirm=True, raw={"grey": stray}
    )
    assert ok.valid
    swapped = [OcrLine(LINE1), OcrLine(LINE2.replace("L898", "L8S8"))]
    refused = engine.mrz._cross_check(
        best, {"grey": failed}, "adaptive", blank, _Timer(), confirm=True, raw={"grey": swapped}
    )
    assert not refused.valid and "no second reading of the MRZ confirms it" in refused.warnings
    # the reading being confirmed cannot confirm itself
    alone = engine.mrz._cross_check(
        best, {"grey": failed}, "grey", blank, _Timer(), confirm=True, raw={"grey": stray}
    )
    assert not alone.valid


def test_td1_partial_and_grown_band() -> None:
    two = [OcrLine("8211217M2907022TZA<<<<<<<<<<<9"), OcrLine("MREMA<<JUMA<<<<<<<<<<<<<<<<<<<")]
    assert _td1_partial([two])
    assert not _td1_partial([two, [*two, OcrLine("IDTZA553565519<4420<8489123<<<")]])
    assert not _td1_partial([[OcrLine(LINE1), OcrLine(LINE2)]])
    from kyc_engine.detect.mrz_band import MrzBand

    box = np.array([[10, 100], [410, 100], [410, 140], [10, 140]], np.float32)
    band = MrzBand(box, 0.0, 2, 0.9, 14.0, np.zeros((300, 500), np.uint8))
    grown = _grown(band)
    assert grown.line_count_estimate == 3
    assert grown.box[0][1] < 100 - 20 and grown.box[3][1] > 140 + 20  # about a line pitch each way
    assert grown.box[0][0] == pytest.approx(10) and grown.box[1][0] == pytest.approx(410)


@pytest.mark.slow
def test_an_ocr_alternative_in_the_sex_is_resolved_by_a_second_reading(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # item 169: the first (grey) reading is right and valid, but lists F (0.30) as an alternative to the
    # sex M, which no check digit covers; the sharpened reading reads the same lines without that doubt
    data, truth = _photo(169)
    image = load_image(data, max_bytes=50_000_000, max_pixels=60_000_000)
    report = engine.read_mrz(image)
    assert report.valid, report.to_dict()["reasons"]
    assert list(report.result.lines) == truth["mrz_lines"]  # type: ignore[union-attr]
    assert any("resolved by the sharp reading" in w for w in report.result.warnings)  # type: ignore[union-attr]
    # without the second look the ambiguity stands and the MRZ is not reported valid
    monkeypatch.setattr(MrzStage, "_second_look", lambda self, best, ambiguous, *a: ambiguous)
    refused = engine.read_mrz(image)
    assert not refused.valid
    assert any("both pass the check digits" in w for w in refused.result.warnings)  # type: ignore[union-attr]


def test_a_second_look_needs_the_same_lines_without_the_doubt(engine: Engine) -> None:
    today = date(2010, 1, 1)
    best = parse_mrz([LINE1, LINE2], today=today)
    ambiguous = replace(best, valid=False)
    blank = np.full((60, 600), 255, np.uint8)
    line2 = OcrLine(LINE2, tuple(0.99 for _ in LINE2), tuple(() for _ in LINE2))
    doubt = tuple(((("M", 0.4),) if i == 20 else ()) for i in range(len(LINE2)))
    doubtful = OcrLine(LINE2, tuple(0.99 for _ in LINE2), doubt)  # F or M at the sex: both pass
    line1 = OcrLine(LINE1, tuple(0.99 for _ in LINE1), tuple(() for _ in LINE1))
    clean = engine.mrz._second_look(
        best, ambiguous, "grey", {"sharp": best}, {"sharp": [line1, line2]}, blank, _Timer()
    )
    assert clean.valid and "OCR alternatives resolved by the sharp reading" in clean.warnings
    still = engine.mrz._second_look(
        best, ambiguous, "grey", {"sharp": best}, {"sharp": [line1, doubtful]}, blank, _Timer()
    )
    assert still is ambiguous  # the other reading has the same doubt (the blank adaptive one reads nothing)
    other = parse_mrz([LINE1.replace("ANNA", "ANNE"), LINE2], today=today)
    differs = engine.mrz._second_look(
        best, ambiguous, "grey", {"sharp": other}, {"sharp": [line1, line2]}, blank, _Timer()
    )
    assert differs is ambiguous
