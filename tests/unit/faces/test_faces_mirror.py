"""Mirror-averaged descriptors for the document side of a face comparison, on real photos (../shared/faces)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from face_helpers import detector, embedder, photo, printed_portrait

from kyc_engine.detect.faces import select_main_face
from kyc_engine.face_stage import FaceStage
from kyc_engine.manifest import ModelRegistry
from kyc_engine.match.compare import compare
from kyc_engine.match.embedding import FaceEmbedding
from kyc_engine.settings import Settings


def _chip(faces: Path, models: Path, name: str) -> np.ndarray:
    img = photo(faces, name)
    found = detector(models).detect(img)
    assert found.found, name
    return embedder().chip(img, found.faces[0], found.rotation)


def _stage(models: Path) -> FaceStage:
    settings = Settings(model_dir=models)
    return FaceStage.from_registry(ModelRegistry.load(settings.manifest_path, settings.model_dir, ("faces",)))


def test_mirror_average_is_the_mean_of_both_views(shared_faces: Path, shared_models: Path) -> None:
    chip = _chip(shared_faces, shared_models, "will_smith/will_smith_01.jpg")
    emb = embedder()
    plain, averaged = emb.embed_chips([chip, chip], [False, True])
    (alone,) = emb.embed_chips([chip])
    (mirrored,) = emb.embed_chips([np.ascontiguousarray(chip[:, ::-1])])
    assert not plain.mirror_averaged and averaged.mirror_averaged
    np.testing.assert_allclose(plain.vector, alone.vector, atol=1e-6)  # the flag of one chip leaves the other
    np.testing.assert_allclose(averaged.vector, (alone.vector + mirrored.vector) / 2, atol=1e-6)
    assert 0.0 < float(np.linalg.norm(averaged.vector - plain.vector)) < 0.2  # a small, real change
    with pytest.raises(ValueError, match="one flag per chip"):
        emb.embed_chips([chip, chip], [True])


def test_face_stage_averages_the_document_side_only(shared_faces: Path, shared_models: Path) -> None:
    """The manifest turns it on; the selfie's descriptor stays the plain one the 1:N gallery stores."""
    stage = _stage(shared_models)
    assert stage.mirror_average_b
    selfie = photo(shared_faces, "serena_williams/serena_williams_01.jpg")
    document = photo(shared_faces, "halle_berry/halle_berry_01.jpg")
    report = stage.compare(selfie, document)
    assert report.comparison is not None and report.comparison.decision == "no_match"
    face = select_main_face(detector(shared_models).detect(selfie)).face
    assert face is not None
    plain = embedder().embed(selfie, face)
    np.testing.assert_allclose(report.embeddings["a"].vector, plain.vector, atol=1e-6)
    assert not report.embeddings["a"].mirror_averaged and report.embeddings["b"].mirror_averaged
    mismatch = next(r for r in report.reasons if str(r.code) == "face.mismatch")
    assert mismatch.detail["mirror_averaged_b"] is True and mismatch.detail["model"] == "dlib_resnet_v1+sp5"
    assert report.to_dict()["mirror_averaged_b"] is True
    # the default: plain descriptors on both sides
    off = FaceStage(stage.detector, stage.embedder, portrait=stage.portrait)
    assert not off.compare(selfie, document).embeddings["b"].mirror_averaged


@pytest.mark.parametrize("person", ["elon_musk", "bryce_dallas_howard"])
def test_mirror_average_brings_a_printed_portrait_closer(
    shared_faces: Path, shared_models: Path, person: str
) -> None:
    """A small grey JPEG portrait vs the same person's other photos: averaged, the mean distance drops and the
    portrait still does not match another person."""
    det, emb = detector(shared_models), embedder()
    img = photo(shared_faces, f"{person}/{person}_01.jpg")
    portrait = printed_portrait(img, det.detect(img).faces[0].box, side=120)
    found = det.detect(portrait)
    plain, averaged = emb.embed_chips([emb.chip(portrait, found.faces[0], found.rotation)] * 2, [False, True])

    def embed(name: str) -> FaceEmbedding:
        other = photo(shared_faces, name)
        return emb.embed(other, det.detect(other).faces[0])

    others = [embed(f"{person}/{person}_0{i}.jpg").vector for i in (2, 3, 4, 5)]
    before = np.mean([np.linalg.norm(plain.vector - v) for v in others])
    after = np.mean([np.linalg.norm(averaged.vector - v) for v in others])
    assert after < before
    stranger = embed("serena_williams/serena_williams_01.jpg")
    assert compare(stranger, averaged, emb.threshold, emb.review_band).decision == "no_match"
