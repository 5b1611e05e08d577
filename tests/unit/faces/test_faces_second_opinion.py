"""The optional second face model (SFace) in the face stage: how it settles dlib's decision, and that the
stage loads it from the manifest and reports its evidence.

SFace itself cannot be obtained here (../shared/models/README.md), so the wiring is exercised with a small
stand-in ONNX network of SFace's shape (112×112 BGR in, 128 numbers out: a fixed random projection of an
8×8 average pool). OpenCV runs it through the same ``FaceRecognizerSF`` calls as the real file; what it
says about faces means nothing, so the tests choose thresholds that make it firm one way or the other.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from face_helpers import detector, embedder, photo
from rich.console import Console

from kyc_engine.errors import ModelError
from kyc_engine.face_stage import FaceStage
from kyc_engine.manifest import ModelRegistry, sha256_file
from kyc_engine.match.embedding import DlibEmbedder, SFaceEmbedder
from kyc_engine.match.second_opinion import CONTRADICTED_BY_SECOND, SETTLED_BY_SECOND, how_settled, settle
from kyc_engine.reasons import ReasonCode
from kyc_engine.render import print_face_report
from kyc_engine.settings import get_settings

A, B = "will_smith/will_smith_01.jpg", "will_smith/will_smith_03.jpg"


@pytest.mark.parametrize(
    ("primary", "second", "final", "why"),
    [
        ("uncertain", "match", "match", SETTLED_BY_SECOND),
        ("uncertain", "no_match", "uncertain", None),  # never rejects on its own
        ("uncertain", "uncertain", "uncertain", None),
        ("match", "no_match", "uncertain", CONTRADICTED_BY_SECOND),
        ("no_match", "match", "uncertain", CONTRADICTED_BY_SECOND),
        ("match", "uncertain", "match", None),  # abstains in its own band
        ("no_match", "uncertain", "no_match", None),
        ("match", "match", "match", None),
        ("no_match", "no_match", "no_match", None),
        ("no_match", None, "no_match", None),
        ("uncertain", None, "uncertain", None),
    ],
)
def test_settle(primary: str, second: str | None, final: str, why: str | None) -> None:
    assert settle(primary, second) == final  # type: ignore[arg-type]
    assert how_settled(primary, second) == why  # type: ignore[arg-type]


def stand_in_sface(path: Path) -> Path:
    """An ONNX file with SFace's input and output shapes (see the module docstring)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(7).standard_normal((3 * 14 * 14, 128)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("AveragePool", ["data"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
            helper.make_node("Reshape", ["pooled", "shape"], ["flat"]),
            helper.make_node("MatMul", ["flat", "weights"], ["fc1"]),
        ],
        "stand_in_sface",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("fc1", TensorProto.FLOAT, [1, 128])],
        [numpy_helper.from_array(np.array([1, -1], np.int64), "shape"), numpy_helper.from_array(weights, "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def stage_with(models: Path, second: SFaceEmbedder, *, dlib_threshold: float, dlib_band: float) -> FaceStage:
    primary = DlibEmbedder(threshold=dlib_threshold, review_band=dlib_band)
    return FaceStage(detector(models), primary, second=second)


def dlib_distance(faces: Path, models: Path) -> float:
    stage = FaceStage(detector(models), embedder())
    report = stage.compare(photo(faces, A), photo(faces, B))
    assert report.comparison is not None and report.second_opinion is None
    return report.comparison.distance


def test_second_model_settles_dlibs_review_band(shared_faces: Path, shared_models: Path, tmp_path: Path) -> None:
    d = dlib_distance(shared_faces, shared_models)
    second = SFaceEmbedder(stand_in_sface(tmp_path / SFaceEmbedder.FILE), threshold=1.9, review_band=0.0)
    stage = stage_with(shared_models, second, dlib_threshold=d, dlib_band=0.03)  # d sits in dlib's band
    report = stage.compare(photo(shared_faces, A), photo(shared_faces, B))
    assert report.comparison is not None and report.comparison.decision == "uncertain"
    assert report.second_opinion is not None and report.second_opinion.decision == "match"
    assert report.decision == "match" and report.match
    assert not [r for r in report.reasons if str(r.code).startswith("face.")]
    out = report.to_dict()
    assert out["decision"] == "match" and out["second_opinion"]["model"] == "sface_2021dec"
    assert out["second_opinion"]["distance_threshold"] == 1.9 and out["second_opinion"]["metric"] == "cosine"
    assert out["timings_ms"]["embed_second"] > 0
    console = Console(record=True, width=200)
    print_face_report(out, console)
    shown = console.export_text()
    assert shown.startswith("MATCH") and "second model: match, distance" in shown and "sface_2021dec" in shown


def test_second_model_contradicting_sends_a_match_to_review(
    shared_faces: Path, shared_models: Path, tmp_path: Path
) -> None:
    second = SFaceEmbedder(stand_in_sface(tmp_path / SFaceEmbedder.FILE), threshold=1e-6, review_band=0.0)
    stage = stage_with(shared_models, second, dlib_threshold=0.56, dlib_band=0.03)
    report = stage.compare(photo(shared_faces, A), photo(shared_faces, B))
    assert report.comparison is not None and report.comparison.decision == "match"
    assert report.second_opinion is not None and report.second_opinion.decision == "no_match"
    assert report.decision == "uncertain" and not report.match
    (reason,) = [r for r in report.reasons if str(r.code).startswith("face.")]
    assert reason.code == ReasonCode.FACE_UNCERTAIN
    assert reason.detail["settled"] == CONTRADICTED_BY_SECOND
    assert reason.detail["second_opinion"]["decision"] == "no_match"
    assert reason.detail["distance"] < 0.53  # dlib's own evidence stays in the detail
    assert "dlib_resnet_v1+sp5 matches but sface_2021dec says the opposite" in reason.reviewer_message


def _model_dir_with(shared_models: Path, tmp_path: Path, sface: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    for f in shared_models.iterdir():
        if f.suffix == ".onnx":
            (folder / f.name).symlink_to(f)
    shutil.copy(sface, folder / SFaceEmbedder.FILE)
    return folder


def test_stage_loads_the_second_model_from_the_manifest_when_its_file_is_there(
    shared_models: Path, tmp_path: Path
) -> None:
    fake = stand_in_sface(tmp_path / "stand_in.onnx")
    model_dir = _model_dir_with(shared_models, tmp_path, fake)
    manifest = get_settings().manifest_path.read_text()
    real_sha = "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"
    assert real_sha in manifest

    # the published manifest: a file that is not the published SFace stops the start with a clear code
    with pytest.raises(ModelError) as raised:
        ModelRegistry.load(get_settings().manifest_path, model_dir)
    assert raised.value.code == "model.hash_mismatch"

    # a manifest naming this file: the stage loads it with the manifest's threshold and band
    edited = tmp_path / "manifest.toml"
    edited.write_text(manifest.replace(real_sha, sha256_file(fake)))
    registry = ModelRegistry.load(edited, model_dir, stages=("faces",))
    stage = FaceStage.from_registry(registry)
    assert stage.second is not None and stage.second.model == "sface_2021dec"
    extra = registry.get("sface").spec.extra or {}
    assert (stage.second.threshold, stage.second.review_band) == (extra["threshold"], extra["review_band"])


def test_stage_runs_on_dlib_alone_without_the_file(shared_models: Path) -> None:
    registry = ModelRegistry.load(get_settings().manifest_path, shared_models, stages=("faces",))
    if registry.get("sface").available:
        pytest.skip("SFace is present in this model directory")
    assert FaceStage.from_registry(registry).second is None
