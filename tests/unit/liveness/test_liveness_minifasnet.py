"""MiniFASNet passive liveness: upstream crop geometry, evidence, and bona fide above simulated attacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from liveness_helpers import liveness, main_face, photo

from benchmarks.liveness import print_attack, screen_replay
from kyc_engine.errors import ModelError
from kyc_engine.liveness.minifasnet import PassiveLiveness, crop_box, parse_model_name

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
