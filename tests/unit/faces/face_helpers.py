"""Shared builders for the face tests: models are built once per test session and reused."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from kyc_engine.detect.faces import FaceDetector
from kyc_engine.manifest import sha256_file
from kyc_engine.match.embedding import DlibEmbedder

YUNET = "face_detection_yunet_2023mar.onnx"


@lru_cache(maxsize=2)
def detector(models: Path) -> FaceDetector:
    path = models / YUNET
    return FaceDetector(path, model_sha256=sha256_file(path))


@lru_cache(maxsize=1)
def embedder() -> DlibEmbedder:
    return DlibEmbedder()


def photo(faces: Path, name: str) -> np.ndarray:
    img = cv2.imread(str(faces / name), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(faces / name)
    return img


def printed_portrait(bgr: np.ndarray, box: tuple[float, float, float, float], side: int = 120) -> np.ndarray:
    """Head crop shrunk to ``side`` px, greyscale, JPEG quality 50: a small printed ID portrait."""
    x, y, w, h = box
    cx, cy, s = x + w / 2, y + h / 2, max(w, h)
    crop = bgr[int(max(0, cy - s)) : int(cy + s), int(max(0, cx - 0.8 * s)) : int(cx + 0.8 * s)]
    f = side / max(crop.shape[:2])
    grey = cv2.cvtColor(cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    ok, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 50])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
