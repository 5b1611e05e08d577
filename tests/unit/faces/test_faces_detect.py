"""FaceDetector on real photos from ../shared/faces (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from face_helpers import YUNET, detector, embedder, photo

from kyc_engine.detect.faces import FaceIssue, select_main_face
from kyc_engine.manifest import sha256_file
from kyc_engine.match.compare import embedding_distance

WILL = "will_smith/will_smith_01.jpg"


def test_normal_photo_one_face_with_evidence(shared_faces: Path, shared_models: Path) -> None:
    img = photo(shared_faces, WILL)
    found = detector(shared_models).detect(img)
    assert len(found.faces) == 1
    face = found.faces[0]
    x, y, w, h = face.box
    assert 0 <= x and 0 <= y and x + w <= img.shape[1] and y + h <= img.shape[0]
    (rx, ry), (lx, ly), _, (mrx, mry), _ = face.landmarks
    assert rx < lx and max(ry, ly) < mry  # upright: subject's right eye image-left, eyes above mouth
    assert face.score >= found.score_threshold == 0.8
    assert found.model_sha256 == sha256_file(shared_models / YUNET)
    assert found.image_size == (img.shape[1], img.shape[0]) and found.rotation == 0 and found.elapsed_ms > 0
    selection = select_main_face(found)
    assert selection.ok and selection.face == face and selection.eye_distance_px > 30


@pytest.mark.parametrize("kind", ["blank", "texture"])
def test_no_face_is_an_empty_result(shared_models: Path, kind: str) -> None:
    rng = np.random.default_rng(7)
    img: np.ndarray
    if kind == "blank":
        img = np.full((480, 640, 3), 128, np.uint8)
    else:
        img = cv2.GaussianBlur(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8), (5, 5), 0)
    found = detector(shared_models).detect(img)
    assert not found.found and found.faces == () and found.rotation == 0
    assert select_main_face(found).issues == (FaceIssue.NOT_FOUND,)


def test_collage_of_two_photos_flags_multiple(shared_faces: Path, shared_models: Path) -> None:
    a, b = photo(shared_faces, WILL), photo(shared_faces, "roger_federer/roger_federer_01.jpg")
    b = cv2.resize(b, (int(b.shape[1] * a.shape[0] / b.shape[0]), a.shape[0]))
    found = detector(shared_models).detect(np.hstack([a, b]))
    assert len(found.faces) >= 2
    selection = select_main_face(found)
    assert FaceIssue.MULTIPLE in selection.issues and selection.others >= 1


@pytest.mark.parametrize(("turn", "upright"), [(cv2.ROTATE_180, 180), (cv2.ROTATE_90_CLOCKWISE, 270)])
def test_turned_selfie_found_with_rotation(
    shared_faces: Path, shared_models: Path, turn: int, upright: int
) -> None:
    img = photo(shared_faces, WILL)
    det = detector(shared_models)
    straight, turned = det.detect(img), det.detect(cv2.rotate(img, turn))
    assert turned.found and turned.rotation == upright
    emb = embedder()
    a = emb.embed(img, straight.faces[0], straight.rotation)
    b = emb.embed(cv2.rotate(img, turn), turned.faces[0], turned.rotation)
    assert embedding_distance(a.vector, b.vector, "euclidean") < 0.1


def test_small_and_cut_off_faces_are_flagged(shared_faces: Path, shared_models: Path) -> None:
    img = photo(shared_faces, WILL)
    det = detector(shared_models)
    x, y, w, h = (int(v) for v in det.detect(img).faces[0].box)
    cut = det.detect(img[:, x + w // 3 :])  # the left third of the face is outside the frame
    assert cut.found and FaceIssue.CUT_OFF in select_main_face(cut).issues
    small = cv2.resize(img, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)
    tiny = det.detect(small)
    assert tiny.found and FaceIssue.TOO_SMALL in select_main_face(tiny).issues
    assert FaceIssue.TOO_SMALL not in select_main_face(tiny, min_eye_distance_px=5).issues
