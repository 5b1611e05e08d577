"""Models for the liveness tests, built once per test session from the real manifest and ../shared/models."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from kyc_engine.detect.faces import Face, FaceDetector, select_main_face
from kyc_engine.liveness.minifasnet import PassiveLiveness
from kyc_engine.manifest import ModelRegistry

MANIFEST = Path(__file__).resolve().parents[3] / "models" / "manifest.toml"


@lru_cache(maxsize=1)
def registry(models: Path) -> ModelRegistry:
    return ModelRegistry.load(MANIFEST, models, stages=("liveness",))


@lru_cache(maxsize=1)
def detector(models: Path) -> FaceDetector:
    return FaceDetector.from_registry(registry(models))


@lru_cache(maxsize=1)
def liveness(models: Path) -> PassiveLiveness:
    return PassiveLiveness.from_registry(registry(models))


def main_face(models: Path, img: np.ndarray) -> Face:
    face = select_main_face(detector(models).detect(img)).face
    if face is None:
        raise AssertionError("no face found in a test image")
    return face


def photo(faces: Path, name: str) -> np.ndarray:
    img = cv2.imread(str(faces / name), cv2.IMREAD_COLOR)
    if img is None:
        raise AssertionError(f"cannot read {name}")
    return img
