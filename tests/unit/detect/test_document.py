"""DocumentDetector on generated phone photos: corners, orientation, kind, rectification, and no-finds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from detect_photos import corner_error, photo, synth_photo

from kyc_engine.detect.document import CANONICAL_SIZE, DocumentDetector, order_clockwise
from kyc_engine.detect.mrz_band import MrzLocator

SEEDS = range(7000, 7010)


@pytest.fixture(scope="module")
def detector() -> DocumentDetector:
    return DocumentDetector()


def test_corners_match_the_truth_in_the_documents_own_order(detector: DocumentDetector) -> None:
    errors = []
    for seed in SEEDS:
        p = photo(seed)
        det = detector.detect(p.bgr)
        assert det.found, (p.source, seed, det.score, det.method)
        assert det.quad is not None and det.quad.shape == (4, 2) and det.quad.dtype == np.float32
        assert det.score >= det.threshold and det.elapsed_ms > 0
        errors.append(corner_error(det.quad, p.quad))  # TL, TR, BR, BL of the document itself
    assert np.median(errors) < 4.0, errors
    assert np.mean(np.array(errors) < 15.0) >= 0.8, errors


def test_orientation_kind_and_rectified_page(detector: DocumentDetector) -> None:
    locator = MrzLocator(angles=(0.0,))
    checked = 0
    for seed in SEEDS:
        p = photo(seed)
        det = detector.detect(p.bgr)
        assert det.found and det.rectified is not None and det.quad is not None
        if corner_error(det.quad, p.quad) > 15.0:  # counted by the corner test; the rest is about good quads
            continue
        checked += 1
        assert det.orientation == "mrz_bottom" and det.kind == p.kind, (seed, det.orientation, det.kind)
        assert det.rectified.shape[1::-1] == CANONICAL_SIZE[p.kind]
        assert det.mrz_band is not None and det.mrz_band.line_count_estimate == len(p.lines)
        band = locator.locate(det.rectified)[0]  # upright page: the MRZ lies flat along the bottom
        assert abs(band.angle_deg) < 3.0
        assert band.box[:, 1].mean() > 0.7 * det.rectified.shape[0]
    assert checked >= 7


def test_upside_down_photo_keeps_the_documents_corner_order(detector: DocumentDetector) -> None:
    p = photo(SEEDS[3])
    h, w = p.bgr.shape[:2]
    det = detector.detect(np.ascontiguousarray(p.bgr[::-1, ::-1]))
    turned = np.array([w - 1, h - 1], np.float32) - p.quad
    assert det.found and det.quad is not None
    assert corner_error(det.quad, turned) < 15.0


def test_stand_in_synthetic_photos(detector: DocumentDetector) -> None:
    """The fallback generator in detect_photos works too (it is what runs when samples is absent)."""
    rng = np.random.default_rng(11)
    errors = []
    for i in range(6):
        p = synth_photo(rng, kind="ID1" if i % 2 else "TD3")
        det = detector.detect(p.bgr)
        errors.append(corner_error(det.quad, p.quad) if det.found and det.quad is not None else np.inf)
    assert np.median(errors) < 4.0, errors
    assert np.mean(np.array(errors) < 15.0) >= 4 / 6, errors


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1200, 1600, 3), np.uint8),
        np.full((600, 800, 3), 255, np.uint8),
        np.random.default_rng(0).integers(0, 256, (1200, 1600, 3), dtype=np.uint8),
        np.zeros((20, 30, 3), np.uint8),
        np.zeros((1, 1, 3), np.uint8),
    ],
    ids=["black", "white", "noise", "tiny", "one-pixel"],
)
def test_nothing_found_is_a_result_with_evidence(detector: DocumentDetector, image: np.ndarray) -> None:
    det = detector.detect(image)
    assert not det.found and det.quad is None and det.rectified is None and det.kind is None
    assert det.score < det.threshold and det.method and det.elapsed_ms >= 0


def test_grey_and_bgra_inputs_are_accepted(detector: DocumentDetector) -> None:
    p = photo(SEEDS[1])
    colour = detector.detect(p.bgr)
    bgra = detector.detect(cv2.cvtColor(p.bgr, cv2.COLOR_BGR2BGRA))
    assert colour.quad is not None and bgra.quad is not None
    np.testing.assert_allclose(bgra.quad, colour.quad, atol=0.5)
    grey = detector.detect(cv2.cvtColor(p.bgr, cv2.COLOR_BGR2GRAY))  # colour edges are lost
    assert grey.found and grey.quad is not None and corner_error(grey.quad, p.quad) < 30.0


def test_order_clockwise_starts_top_left() -> None:
    quad = np.array([[90, 10], [10, 50], [0, 0], [100, 60]], np.float32)
    assert order_clockwise(quad).tolist() == [[0, 0], [90, 10], [100, 60], [10, 50]]
    assert order_clockwise(np.stack([quad, quad])).shape == (2, 4, 2)
