"""Embedding and 1:1 decisions on real photos from ../shared/faces, under the calibrated threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from face_helpers import detector, embedder, photo, printed_portrait

from kyc_engine.match.compare import compare
from kyc_engine.match.embedding import FaceEmbedding, SFaceEmbedder


def embed(faces: Path, models: Path, name: str) -> FaceEmbedding:
    img = photo(faces, name)
    found = detector(models).detect(img)
    assert found.found, name
    return embedder().embed(img, found.faces[0], found.rotation)


def test_embedding_has_model_identity(shared_faces: Path, shared_models: Path) -> None:
    emb = embed(shared_faces, shared_models, "will_smith/will_smith_01.jpg")
    assert emb.vector.shape == (128,) and emb.vector.dtype == np.float32 and np.isfinite(emb.vector).all()
    assert emb.metric == "euclidean" and emb.model == "dlib_resnet_v1+sp5"
    assert set(emb.model_sha256) == {
        "shape_predictor_5_face_landmarks.dat",
        "dlib_face_recognition_resnet_model_v1.dat",
    }
    assert all(len(h) == 64 for h in emb.model_sha256.values())


@pytest.mark.parametrize(
    ("a", "b"),
    [("will_smith/will_smith_01.jpg", "will_smith/will_smith_03.jpg"),
     ("barack_obama/barack_obama_01.jpg", "barack_obama/barack_obama_02.jpg")],  # a 112×112 crop pair
)  # fmt: skip
def test_genuine_pair_matches(shared_faces: Path, shared_models: Path, a: str, b: str) -> None:
    emb = embedder()
    result = compare(embed(shared_faces, shared_models, a), embed(shared_faces, shared_models, b),
                     emb.threshold, emb.review_band)  # fmt: skip
    assert result.decision == "match" and result.similarity > 0.5
    assert result.threshold == emb.threshold and result.similarity_threshold == 0.5


def test_impostor_pair_does_not_match(shared_faces: Path, shared_models: Path) -> None:
    emb = embedder()
    a = embed(shared_faces, shared_models, "serena_williams/serena_williams_01.jpg")
    b = embed(shared_faces, shared_models, "halle_berry/halle_berry_01.jpg")
    result = compare(a, b, emb.threshold, emb.review_band)
    assert result.decision == "no_match" and result.similarity < 0.5


def test_grey_low_res_printed_portrait_still_embeds(shared_faces: Path, shared_models: Path) -> None:
    img = photo(shared_faces, "will_smith/will_smith_01.jpg")
    det, emb = detector(shared_models), embedder()
    original = det.detect(img)
    portrait = printed_portrait(img, original.faces[0].box, side=120)
    assert portrait.ndim == 2 and max(portrait.shape) == 120
    found = det.detect(portrait)
    assert found.found
    small = emb.embed(portrait, found.faces[0], found.rotation)
    assert small.vector.shape == (128,) and np.isfinite(small.vector).all()
    other = embed(shared_faces, shared_models, "will_smith/will_smith_03.jpg")
    assert compare(small, other, emb.threshold, emb.review_band).decision != "no_match"


def test_sface_is_optional(shared_faces: Path, shared_models: Path) -> None:
    if not SFaceEmbedder.available(shared_models):
        pytest.skip(f"{SFaceEmbedder.FILE} is not in {shared_models} (not distributed; optional)")
    sface = SFaceEmbedder(shared_models / SFaceEmbedder.FILE)
    img = photo(shared_faces, "will_smith/will_smith_01.jpg")
    found = detector(shared_models).detect(img)
    emb = sface.embed(img, found.faces[0], found.rotation)
    assert emb.vector.shape == (128,) and emb.metric == "cosine"
