"""The manifest entries proposed for the face stage parse, verify and configure the wrappers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyc_engine.detect.faces import FaceDetector
from kyc_engine.manifest import ModelRegistry
from kyc_engine.match.embedding import DlibEmbedder

ENTRIES = """
schema = 1

[models.yunet]
file = "face_detection_yunet_2023mar.onnx"
source = "model_dir"
sha256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
bytes = 232589
licence = "MIT (opencv_zoo, Shiqi Yu)"
role = "face detector, 5 landmarks"
required = true
score_threshold = 0.8

[models.dlib_shape_predictor_5]
file = "shape_predictor_5_face_landmarks.dat"
source = "wheel:face_recognition_models/models"
sha256 = "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
bytes = 9150489
licence = "CC0-1.0 (dlib-models, Davis King)"
role = "5-point landmarks aligning the ResNet chip (not the 68-point model: iBUG 300-W is non-commercial)"
required = true

[models.dlib_resnet_v1]
file = "dlib_face_recognition_resnet_model_v1.dat"
source = "wheel:face_recognition_models/models"
sha256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
bytes = 22466066
licence = "CC0-1.0 (dlib-models, Davis King)"
role = "128-d face embedding, Euclidean distance"
required = true
threshold = 0.55
review_band = 0.04
"""


def test_proposed_entries_configure_the_face_stage(tmp_path: Path, shared_models: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(ENTRIES, encoding="utf-8")
    registry = ModelRegistry.load(manifest, shared_models)
    detector = FaceDetector.from_registry(registry)
    assert detector.score_threshold == 0.8 and detector.model_sha256.startswith("8f2383e4")
    embedder = DlibEmbedder.from_registry(registry)
    assert (embedder.threshold, embedder.review_band) == (0.55, 0.04)  # the manifest wins over the defaults
    assert embedder.model_sha256["dlib_face_recognition_resnet_model_v1.dat"].startswith("55533b28")


def test_missing_yunet_is_a_model_error(tmp_path: Path) -> None:
    from kyc_engine.errors import ModelError

    with pytest.raises(ModelError):
        FaceDetector(tmp_path / "absent.onnx")
