"""MiniFASNet passive liveness: upstream crop geometry, evidence, and bona fide above simulated attacks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from liveness_helpers import liveness, main_face, photo

from benchmarks.liveness import print_attack, screen_replay
from kyc_engine.errors import ModelError
from kyc_engine.liveness.minifasnet import PassiveLiveness, crop_box, crop_geometry, parse_model_name

# full photographs (not the 112x112 crops), different people and sources
PHOTOS = ("madonna/madonna_01.jpg", "serena_williams/serena_williams_01.jpg",
          "keira_knightley/keira_knightley_02.jpg", "azure_family1_dad/azure_family1_dad_01.jpg")


def test_scale_and_size_come_from_the_file_name() -> None:
    assert parse_model_name("2.7_80x80_MiniFASNetV2.onnx") == (2.7, 80, 80)
    assert parse_model_name("/m/4_0_0_80x80_MiniFASNetV1SE.onnx") == (4.0, 80, 80)
    with pytest.raises(ModelError):
        parse_model_name("minifasnet.onnx")


def test_scale_is_clamped_so_the_crop_fits() -> None:
    # 100x80 image, 40x40 box: 2.7 would need 108 px; limited to (H-1)/h = 79/40
    (x0, y0, x1, y1), scale = crop_box((100, 80), (10, 10, 40, 40), 2.7)
    assert scale == pytest.approx(79 / 40)
    assert (x0, y0, x1, y1) == (0, 0, 79, 79)  # shifted right/down from x0 = 30 - 39.5 < 0, not shrunk


def test_crop_is_shifted_inside_not_shrunk() -> None:
    (x0, y0, x1, y1), scale = crop_box((200, 200), (170, 170, 20, 20), 2.7)
    assert scale == 2.7
    assert (x1, y1) == (199, 199) and (x0, y0) == (145, 145)  # 54 px kept, moved back by 8 px
    (x0, y0, x1, y1), _ = crop_box((640, 480), (300, 200, 40, 50), 2.7)
    assert (x0, y0, x1, y1) == (266, 157, 374, 292)  # centred, upstream's int() truncation


def test_large_faces_are_reduced_and_the_box_shortened_about_its_centre() -> None:
    factor, size, box = crop_geometry((1600, 1200), (600, 300, 400, 480), face_width=200, box_height=0.85)
    assert factor == 0.5 and size == (800, 600)
    assert box == pytest.approx((300, 168, 200, 204))  # height 480 -> 408, centre y 540 kept, then halved
    # a face narrower than face_width is never enlarged; None switches the reduction off
    assert crop_geometry((800, 600), (100, 100, 150, 180), face_width=200, box_height=1.0) == (
        1.0, (800, 600), (100, 100, 150, 180))
    factor, size, _ = crop_geometry((1600, 1200), (600, 300, 400, 480), face_width=None, box_height=1.0)
    assert (factor, size) == (1.0, (1600, 1200))


def test_manifest_sets_the_crop_and_thresholds(shared_models: Path) -> None:
    live = liveness(shared_models)
    assert (live.accept, live.reject, live.face_width, live.box_height) == (0.8, 0.15, 200.0, 0.85)
    with pytest.raises(ModelError):
        PassiveLiveness({}, face_width=0)


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ModelError):
        PassiveLiveness({}, accept=0.2, reject=0.5)


def test_result_carries_its_evidence(shared_models: Path, shared_faces: Path) -> None:
    img = photo(shared_faces, PHOTOS[0])
    face = main_face(shared_models, img)
    result = liveness(shared_models).check(img, face)
    assert set(result.probabilities) == {"minifasnet_v2", "minifasnet_v1se"}
    assert all(abs(sum(p) - 1) < 1e-5 for p in result.probabilities.values())
    fused = np.mean([p[1] for p in result.probabilities.values()])
    assert result.live_probability == pytest.approx(fused)
    assert result.models["minifasnet_v2"].startswith("4433e871")
    assert result.box == face.box and result.scales["minifasnet_v1se"] <= 4.0
    assert result.decision == "live" and result.codes == ()
    assert result.box_height == 0.85 and result.downscale == 1.0  # a 141 px face: not reduced


def test_an_enlarged_photo_scores_like_the_photo_itself(shared_models: Path, shared_faces: Path) -> None:
    """A selfie-sized enlargement (3x Lanczos, like samples.selfie) is reduced back before cropping, so its
    score stays near the photo's own; crops are reported in the enlarged image's pixels."""
    live = liveness(shared_models)
    for name in PHOTOS:
        img = photo(shared_faces, name)
        box = main_face(shared_models, img).box
        big = cv2.resize(img, None, fx=3, fy=3, interpolation=cv2.INTER_LANCZOS4)
        small, large = live.check(img, box), live.check(big, tuple(3 * v for v in box))
        assert large.downscale == pytest.approx(200 / (3 * box[2]))
        assert abs(large.live_probability - small.live_probability) < 0.05
        x0, y0, x1, y1 = large.crops["minifasnet_v1se"]
        assert 0 <= x0 < x1 <= big.shape[1] and 0 <= y0 < y1 <= big.shape[0]
        assert x1 - x0 > 2 * box[2]  # the crop spans the enlarged face, not the reduced one


def test_bona_fide_scores_above_print_and_screen_of_itself(shared_models: Path, shared_faces: Path) -> None:
    live = liveness(shared_models)
    rng = np.random.default_rng(3)
    bona, attacks = [], []
    for name in PHOTOS:
        img = photo(shared_faces, name)
        bona.append(live.check(img, main_face(shared_models, img)).live_probability)
        for make in (print_attack, screen_replay):
            fake = make(img, rng)
            attacks.append(live.check(fake, main_face(shared_models, fake)).live_probability)
    # measured (seed 3): bona fide mean 0.99, attacks mean 0.42 (3 of 8 attacks score above 0.8: MiniFASNet
    # only partly separates these simulations, see benchmarks/RESULTS.md); asserted with margin
    assert np.mean(bona) > 0.85
    assert np.mean(bona) - np.mean(attacks) > 0.3
    assert min(bona) > np.median(attacks)


def test_review_band_between_reject_and_accept(shared_models: Path, shared_faces: Path) -> None:
    base = liveness(shared_models)
    paths = {m.name: (shared_models / name, m.sha256) for m, name in zip(
        base.models, ("2.7_80x80_MiniFASNetV2.onnx", "4_0_0_80x80_MiniFASNetV1SE.onnx"), strict=True)}
    img = photo(shared_faces, PHOTOS[0])
    face = main_face(shared_models, img)
    p = base.check(img, face).live_probability  # 0.998 measured
    strict = PassiveLiveness(paths, accept=min(1.0, p + 0.001), reject=p - 0.5)
    assert strict.check(img, face).decision == "uncertain"
    assert strict.check(img, face).codes == ("liveness.uncertain",)
    assert PassiveLiveness(paths, accept=1.0, reject=1.0).check(img, face).decision == "spoof"


def test_composite_selfies_score_live_with_the_reduced_crop(shared_models: Path, shared_faces: Path) -> None:
    """Phone-sized composite selfies (samples.selfie: enlarged photo, sensor noise, JPEG) of the first 10
    selfie-grade photos: the reduced, shortened crop accepts more of them than upstream's crop as-is."""
    from samples.selfie import selfie, selfie_sources

    live = liveness(shared_models)
    upstream = PassiveLiveness(
        {m.name: (shared_models / f, m.sha256) for m, f in zip(
            live.models, ("2.7_80x80_MiniFASNetV2.onnx", "4_0_0_80x80_MiniFASNetV1SE.onnx"), strict=True)},
        face_width=None, box_height=1.0)  # fmt: skip
    names = sorted(p.relative_to(shared_faces).as_posix() for v in selfie_sources(shared_faces).values() for p in v)
    ours, theirs = [], []
    for name in names[:10]:
        img, meta = selfie(shared_faces / name, np.random.default_rng(5))
        img = cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, meta["jpeg_quality"]])[1], 1)
        face = main_face(shared_models, img)
        result = live.check(img, face)
        assert result.downscale < 1.0  # 300-500 px faces
        ours.append(result.live_probability)
        theirs.append(upstream.check(img, face).live_probability)
    # measured: 9/10 vs 8/10 accepted at 0.8, means 0.958 vs 0.893
    assert sum(p >= 0.8 for p in ours) >= 9
    assert np.mean(ours) - np.mean(theirs) > 0.03
