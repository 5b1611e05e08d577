"""Pure logic: the similarity mapping, decisions, calibration metrics and rotation geometry (no models)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kyc_engine.detect.faces import Face, FaceDetection, FaceIssue, from_rotated, select_main_face, to_rotated
from kyc_engine.match.calibration import auc, choose_threshold, roc_curve, tar_at_far
from kyc_engine.match.compare import compare, similarity_from_distance
from kyc_engine.match.embedding import FaceEmbedding


def emb(v: list[float], model: str = "m") -> FaceEmbedding:
    return FaceEmbedding(np.array(v, np.float32), model, "euclidean")


@pytest.mark.parametrize(
    ("d", "decision"),
    [(0.40, "match"), (0.529, "match"), (0.55, "uncertain"), (0.59, "uncertain"), (0.61, "no_match")],
)
def test_decision_regions(d: float, decision: str) -> None:
    result = compare(emb([0, 0]), emb([d, 0]), threshold=0.56, review_band=0.03)
    assert result.decision == decision and result.distance == pytest.approx(d, abs=1e-6)


def test_similarity_is_monotonic_and_half_at_threshold() -> None:
    assert similarity_from_distance(0.0, 0.56) == 1.0
    assert similarity_from_distance(0.56, 0.56) == pytest.approx(0.5)
    assert similarity_from_distance(5.0, 0.56) == 0.0
    sims = [similarity_from_distance(d, 0.56) for d in np.linspace(0, 1.2, 50)]
    assert all(a >= b for a, b in zip(sims, sims[1:], strict=False))
    assert compare(emb([0]), emb([0.1]), 0.5, 0.05).similarity_band == pytest.approx(0.05)


def test_models_must_agree() -> None:
    with pytest.raises(ValueError):
        compare(emb([0, 0], "a"), emb([0, 0], "b"), 0.5, 0.03)


def test_calibration_metrics() -> None:
    gen, imp = np.array([0.1, 0.2, 0.3, math.inf]), np.array([0.25, 0.5, 0.6, 0.7])
    assert auc(gen, imp) == pytest.approx((4 + 4 + 3 + 0) / 16)  # 0.3 > 0.25; inf loses to all
    assert tar_at_far(gen, imp, 0.0) == (0.5, 0.25)
    assert tar_at_far(gen, imp, 0.25) == (0.75, 0.5)
    assert choose_threshold(gen, imp, far=0.25) == 0.5
    far, tar = roc_curve(gen, imp)
    assert far[0] == 0.0 and tar[-1] == 0.75 and far[-1] == 1.0


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_round_trip(rotation: int) -> None:
    p = (10.5, 20.25)
    assert from_rotated(to_rotated(p, (300, 200), rotation), (300, 200), rotation) == pytest.approx(p)


def face(x: float, y: float, w: float, h: float, score: float = 0.95) -> Face:
    eyes = ((x + 0.3 * w, y + 0.4 * h), (x + 0.7 * w, y + 0.4 * h))
    rest = ((x + 0.5 * w, y + 0.6 * h), (x + 0.35 * w, y + 0.8 * h), (x + 0.65 * w, y + 0.8 * h))
    return Face((x, y, w, h), (*eyes, *rest), score)


def detection(*faces: Face, size: tuple[int, int] = (640, 480)) -> FaceDetection:
    return FaceDetection(faces, 0.8, "yunet", "0" * 64, size, 0, False, 1.0)


def test_main_face_flags() -> None:
    assert select_main_face(detection(face(200, 100, 200, 240))).issues == ()
    both = select_main_face(detection(face(200, 100, 200, 240), face(10, 10, 150, 160)))
    assert both.issues == (FaceIssue.MULTIPLE,) and both.others == 1
    background = select_main_face(detection(face(200, 100, 200, 240), face(10, 10, 60, 70)))
    assert background.issues == ()  # a small face far behind is not a second applicant
    weak = select_main_face(detection(face(200, 100, 200, 240), face(10, 10, 150, 160, score=0.5)))
    assert weak.issues == ()
    assert FaceIssue.TOO_SMALL in select_main_face(detection(face(300, 200, 60, 70))).issues
    assert FaceIssue.CUT_OFF in select_main_face(detection(face(500, 100, 200, 240))).issues
    odd = Face((200, 100, 200, 240), ((150, 150), (320, 150), (300, 200), (260, 280), (330, 280)), 0.95)
    assert FaceIssue.EYES_NOT_VISIBLE in select_main_face(detection(odd)).issues
