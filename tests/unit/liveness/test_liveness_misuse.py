"""Selfie misuse: the same picture as the document, and a photographed ID card used as the selfie."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from liveness_helpers import main_face, photo

from kyc_engine.detect.document import DocumentDetector
from kyc_engine.liveness.misuse import selfie_misuse
from kyc_engine.liveness.phash import aligned_face, dhash, hamming, phash
from samples.documents import make_document
from samples.photograph import photograph

SELFIE = "serena_williams/serena_williams_01.jpg"
OTHER = "keira_knightley/keira_knightley_02.jpg"


def _resized_jpeg(img: np.ndarray, factor: float, quality: int) -> np.ndarray:
    small = cv2.resize(img, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return cv2.imdecode(cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)


@pytest.fixture(scope="module")
def card_photo() -> np.ndarray:
    rng = np.random.default_rng(11)
    doc, truth = make_document("kaz_id", rng)
    shot, _ = photograph(doc, rng, "clean", regions={"mrz": truth["mrz_box_doc"]})
    return shot


def test_hashes_of_identical_and_near_duplicate_images(shared_faces: Path) -> None:
    img = photo(shared_faces, SELFIE)
    copy = _resized_jpeg(img, 0.6, 70)
    assert hamming(phash(img), phash(img)) == 0 and hamming(dhash(img), dhash(img)) == 0
    assert hamming(phash(img), phash(copy)) <= 4 and hamming(dhash(img), dhash(copy)) <= 6
    other = photo(shared_faces, OTHER)
    assert hamming(phash(img), phash(other)) > 16


def test_near_duplicate_selfie_is_flagged_same_as_document(shared_models: Path, shared_faces: Path) -> None:
    img = photo(shared_faces, SELFIE)
    copy = _resized_jpeg(img, 0.5, 60)
    result = selfie_misuse(copy, img, document_detector=DocumentDetector(),
                           face_box=main_face(shared_models, copy), document_face_box=main_face(shared_models, img))
    assert result.same_image.whole.same and result.same_image.face is not None and result.same_image.face.same
    assert "selfie.same_as_document" in result.codes


def test_different_people_are_not_the_same_picture(shared_models: Path, shared_faces: Path) -> None:
    a, b = photo(shared_faces, SELFIE), photo(shared_faces, OTHER)
    result = selfie_misuse(a, b, document_detector=DocumentDetector(),
                           face_box=main_face(shared_models, a), document_face_box=main_face(shared_models, b))
    assert result.codes == ()
    assert result.same_image.face is not None and result.same_image.face.phash > result.same_image.face.threshold


def test_aligned_crops_cancel_scale(shared_models: Path, shared_faces: Path) -> None:
    img = photo(shared_faces, SELFIE)
    big = cv2.resize(img, None, fx=1.7, fy=1.7, interpolation=cv2.INTER_CUBIC)
    fa, fb = main_face(shared_models, img), main_face(shared_models, big)
    ca = aligned_face(img, fa.box)
    cb = aligned_face(big, fb.box)
    assert hamming(phash(ca), phash(cb)) <= 8


def test_photographed_id_card_as_selfie_is_flagged(shared_models: Path, card_photo: np.ndarray) -> None:
    face = main_face(shared_models, card_photo)
    result = selfie_misuse(card_photo, card_photo, document_detector=DocumentDetector(), face_box=face)
    assert "selfie.is_document" in result.codes
    assert result.document.found and result.document.encloses_face and result.document.quad is not None
    assert result.document.score >= result.document.threshold


def test_plain_selfie_is_not_flagged(shared_models: Path, shared_faces: Path, card_photo: np.ndarray) -> None:
    img = photo(shared_faces, SELFIE)
    result = selfie_misuse(img, card_photo, document_detector=DocumentDetector(),
                           face_box=main_face(shared_models, img), document_face_box=main_face(shared_models, card_photo))
    assert result.codes == ()
    assert not result.document.flagged and result.document.mrz_lines < 2
