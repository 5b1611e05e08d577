"""Sharpness of the document portrait and the low-quality review band, on real photos (../shared/faces)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from face_helpers import detector, embedder, photo

from kyc_engine.detect.face_quality import chip_sharpness
from kyc_engine.detect.faces import select_main_face
from kyc_engine.face_stage import FaceStage, PortraitPolicy
from kyc_engine.manifest import ModelRegistry
from kyc_engine.settings import Settings


def test_blur_lowers_chip_sharpness(shared_faces: Path, shared_models: Path) -> None:
    img = photo(shared_faces, "will_smith/will_smith_01.jpg")
    face = select_main_face(detector(shared_models).detect(img)).face
    assert face is not None
    sharp = chip_sharpness(embedder().chip(img, face))
    blurred_img = cv2.GaussianBlur(img, (0, 0), 4.0)
    blurred = chip_sharpness(embedder().chip(blurred_img, face))
    settings = Settings(model_dir=shared_models)
    registry = ModelRegistry.load(settings.manifest_path, settings.model_dir, ("faces",))
    limit = float((registry.get("dlib_resnet_v1").spec.extra or {})["portrait_sharpness_min"])
    assert sharp > limit > blurred  # the manifest's limit separates a sharp photo from a 4 px blur
    assert blurred < 0.5 * sharp


def test_portrait_policy_band() -> None:
    policy = PortraitPolicy(sharpness_min=6.0, review_max_distance=0.64)
    assert policy.doubtful(3.0, 0.60)
    assert not policy.doubtful(3.0, 0.70)  # far off: still another person
    assert not policy.doubtful(20.0, 0.60)  # sharp portrait: the mismatch stands
    assert not PortraitPolicy().doubtful(0.0, 0.0)  # defaults mark nothing


def test_face_stage_reads_the_limits_from_the_manifest(shared_models: Path) -> None:
    settings = Settings(model_dir=shared_models)
    registry = ModelRegistry.load(settings.manifest_path, settings.model_dir, ("faces",))
    stage = FaceStage.from_registry(registry)
    extra = registry.get("dlib_resnet_v1").spec.extra or {}
    assert stage.portrait.sharpness_min == pytest.approx(float(extra["portrait_sharpness_min"]))
    assert stage.portrait.review_max_distance == pytest.approx(float(extra["portrait_review_max_distance"]))
    # the review band lies beyond the no-match line: it only softens mismatches, never makes a match
    assert stage.portrait.review_max_distance > stage.embedder.threshold + stage.embedder.review_band


def test_mismatch_detail_carries_the_portrait_evidence(shared_faces: Path, shared_models: Path) -> None:
    """Another person: the mismatch carries the portrait's sharpness; it is marked low_quality_portrait
    exactly when the portrait is blurred and the distance inside the band (a far-off face never is)."""
    settings = Settings(model_dir=shared_models)
    registry = ModelRegistry.load(settings.manifest_path, settings.model_dir, ("faces",))
    stage = FaceStage.from_registry(registry)
    selfie = photo(shared_faces, "serena_williams/serena_williams_01.jpg")
    other = photo(shared_faces, "will_smith/will_smith_01.jpg")
    for document in (other, cv2.GaussianBlur(other, (0, 0), 4.0)):
        report = stage.compare(selfie, document)
        assert report.comparison is not None and report.comparison.decision == "no_match"
        assert report.sharpness_b is not None
        mismatch = next(r for r in report.reasons if str(r.code) == "face.mismatch")
        assert mismatch.detail["sharpness_b"] == round(report.sharpness_b, 2)
        expected = stage.portrait.doubtful(report.sharpness_b, report.comparison.distance)
        assert bool(mismatch.detail.get("low_quality_portrait")) is expected
    assert report.sharpness_b < stage.portrait.sharpness_min  # the blurred copy is below the limit


def test_mismatch_detail_counts_other_faces_in_the_selfie(shared_faces: Path, shared_models: Path) -> None:
    """Two people side by side in the selfie, a third on the document: the mismatch says the selfie held
    another face of comparable size (the policy then asks for a selfie alone); one person alone: it does not."""
    settings = Settings(model_dir=shared_models)
    stage = FaceStage.from_registry(ModelRegistry.load(settings.manifest_path, settings.model_dir, ("faces",)))
    left = photo(shared_faces, "serena_williams/serena_williams_01.jpg")
    right = cv2.resize(photo(shared_faces, "elon_musk/elon_musk_01.jpg"), (left.shape[1], left.shape[0]))
    document = photo(shared_faces, "will_smith/will_smith_01.jpg")
    pair = stage.compare(cv2.hconcat([left, right]), document)
    alone = stage.compare(left, document)
    for report, others in ((pair, 1), (alone, None)):
        mismatch = next(r for r in report.reasons if str(r.code) == "face.mismatch")
        assert mismatch.detail.get("other_faces_a") == others
    assert "face.multiple" in {str(r.code) for r in pair.reasons}
