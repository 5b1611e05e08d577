"""Quality gate on images generated at test time (plus shared/faces photos when present)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from kyc_engine.quality import (
    QualityThresholds,
    assess_image,
    assess_region,
    document_cut_off,
    measure_blur,
    measure_glare,
)
from kyc_engine.reasons import ReasonCode

FACES = Path(__file__).resolve().parents[4] / "shared" / "faces"
MRZ = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def document(w: int = 1600, h: int = 1200, paper: int = 228) -> tuple[np.ndarray, np.ndarray]:
    """A card with a portrait box, text and a two-line MRZ on a table. Returns (BGR, MRZ quad)."""
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(0, 4, (h, w, 3)) + (90, 110, 70), 0, 255).astype(np.uint8)
    x0, y0, x1, y1 = int(w * 0.1), int(h * 0.15), int(w * 0.9), int(h * 0.85)
    cv2.rectangle(img, (x0, y0), (x1, y1), (paper, paper, paper), -1)
    cw, ch, fs = x1 - x0, y1 - y0, (y1 - y0) / 600
    cv2.rectangle(
        img, (x0 + cw // 25, y0 + ch // 10), (x0 + cw * 3 // 10, y0 + ch * 13 // 20), (160, 170, 190), -1
    )
    thick = max(1, round(2 * fs))
    for i, text in enumerate(["PASSPORT", "Surname", "ERIKSSON", "Given names", "ANNA MARIA"]):
        org = (x0 + int(cw * 0.35), y0 + int(ch * 0.12) + i * int(ch * 0.09))
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, fs, (30, 30, 30), thick, cv2.LINE_AA)
    for i, line in enumerate(MRZ):
        org = (x0 + int(cw * 0.03), y0 + int(ch * 0.8) + i * int(ch * 0.09))
        cv2.putText(img, line, org, cv2.FONT_HERSHEY_SIMPLEX, fs * 0.95, (20, 20, 20), thick, cv2.LINE_AA)
    top, bottom = y0 + int(ch * 0.8) - int(ch * 0.06), y0 + int(ch * 0.89) + int(ch * 0.02)
    quad = np.array(
        [[x0 + cw * 0.02, top], [x1 - cw * 0.02, top], [x1 - cw * 0.02, bottom], [x0 + cw * 0.02, bottom]]
    )
    return img, quad


def codes(report: object) -> set[ReasonCode]:
    return {r.code for r in report.reasons}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def doc() -> tuple[np.ndarray, np.ndarray]:
    return document()


def test_sharp_document_passes(doc: tuple[np.ndarray, np.ndarray]) -> None:
    report = assess_image(doc[0])
    assert report.ok and report.reasons == ()
    assert set(report.metrics) == {"short_side_px", "mean_luminance", "blur_sigma_px"}
    assert report.metrics["blur_sigma_px"] is not None and report.metrics["blur_sigma_px"] < 1.0


@pytest.mark.parametrize("sigma", [3.0, 4.0])
def test_gaussian_blur_is_flagged_with_evidence(doc: tuple[np.ndarray, np.ndarray], sigma: float) -> None:
    report = assess_image(cv2.GaussianBlur(doc[0], (0, 0), sigma))
    assert codes(report) == {ReasonCode.QUALITY_BLUR}
    (reason,) = report.reasons
    assert reason.retryable and reason.detail["region"] == "image"
    assert reason.detail["value"] > reason.detail["threshold"] == QualityThresholds().blur_max_sigma_px


def test_blur_measure_is_scale_robust() -> None:
    # The same document at three sizes above the 1000 px working side: sharp always passes and the same
    # relative blur always fails. (Smaller images are measured in their own pixels, never enlarged.)
    for w, h in ((1200, 900), (1600, 1200), (3200, 2400)):
        img, _ = document(w, h)
        assert measure_blur(img).passed, (w, h)
        assert not measure_blur(cv2.GaussianBlur(img, (0, 0), 3.0 * w / 1600)).passed, (w, h)


def test_motion_blur_is_flagged(doc: tuple[np.ndarray, np.ndarray]) -> None:
    kernel = np.full((1, 15), 1 / 15, np.float32)  # 15 px horizontal shake
    assert not measure_blur(cv2.filter2D(doc[0], -1, kernel)).passed


def test_featureless_image_cannot_be_measured_and_fails() -> None:
    metric = measure_blur(np.full((800, 1000, 3), 128, np.uint8))
    assert metric.value is None and not metric.passed and metric.detail["edge_pixels"] == 0


@pytest.mark.skipif(not FACES.is_dir(), reason="shared/faces not available")
def test_real_photo_sharp_passes_and_blurred_fails() -> None:
    photo = cv2.imread(str(FACES / "elon_musk" / "elon_musk_02.jpg"))
    assert photo is not None
    assert measure_blur(photo).passed
    assert not measure_blur(cv2.GaussianBlur(photo, (0, 0), 2.5)).passed


def test_dark_image(doc: tuple[np.ndarray, np.ndarray]) -> None:
    report = assess_image((doc[0] * 0.15).astype(np.uint8))
    assert ReasonCode.QUALITY_DARK in codes(report)
    dark = next(r for r in report.reasons if r.code is ReasonCode.QUALITY_DARK)
    assert dark.detail["value"] < dark.detail["threshold"] == 30.0


def test_tiny_image() -> None:
    small, _ = document(320, 240)
    report = assess_image(small)
    assert ReasonCode.QUALITY_TOO_SMALL in codes(report)
    reason = next(r for r in report.reasons if r.code is ReasonCode.QUALITY_TOO_SMALL)
    assert (reason.detail["value"], reason.detail["width"], reason.detail["height"]) == (240.0, 320, 240)


def test_glare_blob_over_the_mrz(doc: tuple[np.ndarray, np.ndarray]) -> None:
    img, quad = doc
    assert assess_region(img, quad, "mrz").ok
    glared = img.copy()
    centre = quad.mean(axis=0).astype(int)
    cv2.circle(glared, (int(centre[0]), int(centre[1])), int(quad[2, 1] - quad[0, 1]), (255, 255, 255), -1)
    report = assess_region(glared, quad, "mrz")
    assert ReasonCode.QUALITY_GLARE in codes(report)
    reason = next(r for r in report.reasons if r.code is ReasonCode.QUALITY_GLARE)
    assert reason.detail["region"] == "mrz" and reason.detail["value"] > 0.05


def test_clipped_white_paper_with_readable_text_is_not_glare() -> None:
    img, quad = document(paper=255)  # over-exposed card: every paper pixel clipped, text intact
    metric = measure_glare(img, quad, "mrz")
    assert metric.detail["clipped_fraction"] > 0.5
    assert metric.passed, metric


def test_box_and_quad_regions_agree(doc: tuple[np.ndarray, np.ndarray]) -> None:
    img, quad = doc
    x, y = quad[0]
    box = (x, y, quad[2, 0] - x, quad[2, 1] - y)
    assert assess_region(img, box, "mrz").metrics == assess_region(img, quad, "mrz").metrics


def test_region_partly_outside_is_clipped_and_wholly_outside_raises(
    doc: tuple[np.ndarray, np.ndarray],
) -> None:
    img, _ = doc
    assert assess_region(img, (1500, 1100, 400, 300), "corner").region == "corner"
    with pytest.raises(ValueError):
        assess_region(img, (5000, 5000, 100, 100), "nowhere")
    with pytest.raises(ValueError):
        assess_region(img, [(0, 0), (1, 1)], "bad")


def test_thresholds_are_configurable(doc: tuple[np.ndarray, np.ndarray]) -> None:
    strict = QualityThresholds(blur_max_sigma_px=0.3, min_side_px=2000)
    assert codes(assess_image(doc[0], strict)) == {ReasonCode.QUALITY_BLUR, ReasonCode.QUALITY_TOO_SMALL}


def test_report_to_dict_is_json(doc: tuple[np.ndarray, np.ndarray]) -> None:
    img, quad = doc
    blurred = cv2.GaussianBlur(img, (0, 0), 4)
    for report in (assess_image(blurred), assess_region(blurred, quad, "mrz")):
        data = json.loads(json.dumps(report.to_dict()))
        assert data["ok"] is False and data["reasons"][0]["code"] == "quality.blur"
        assert {"value", "threshold", "region"} <= set(data["reasons"][0]["detail"])
        assert all({"name", "value", "threshold", "passed", "region"} <= set(c) for c in data["checks"])


def test_non_uint8_input_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        assess_image(np.zeros((600, 800, 3), np.float32))


class TestCutOff:
    SIZE = (1600, 1200)

    def test_document_inside_is_not_cut_off(self) -> None:
        assert document_cut_off([(100, 100), (1500, 120), (1490, 1100), (110, 1080)], self.SIZE) is None

    def test_document_crossing_the_left_border(self) -> None:
        reason = document_cut_off([(-80, 100), (900, 100), (900, 700), (-80, 700)], self.SIZE)
        assert reason is not None and reason.code is ReasonCode.QUALITY_CUT_OFF and reason.retryable
        assert reason.detail["sides"] == ["left"] and reason.detail["value"] == -80
        assert reason.detail["region"] == "document" and reason.detail["threshold"] == 2.0
        assert reason.detail["visible_fraction"] == pytest.approx(900 / 980, abs=1e-3)

    def test_touching_within_the_margin_counts(self) -> None:
        quad = [(100, 100), (1598, 100), (1598, 700), (100, 700)]
        assert document_cut_off(quad, self.SIZE) is not None
        assert document_cut_off(quad, self.SIZE, margin_px=0) is None

    def test_document_larger_than_the_photo(self) -> None:
        reason = document_cut_off([(-10, -10), (1700, -5), (1700, 1300), (-10, 1300)], self.SIZE)
        assert reason is not None and reason.detail["sides"] == ["left", "top", "right", "bottom"]


def test_histogram_percentile_equals_numpy() -> None:
    import numpy as np

    from kyc_engine.quality import _percentile_u8

    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 1000, 250_000):
        grey = rng.integers(0, 256, size, dtype=np.uint8).reshape(-1, 1)
        for q in (0, 1, 50, 95, 100):
            assert _percentile_u8(grey, q) == float(np.percentile(grey, q))
