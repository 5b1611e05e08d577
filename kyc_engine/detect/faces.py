"""Face detection with YuNet (``cv2.FaceDetectorYN``), plus choice of the main face and its flags.

Coordinates: every box and landmark is in pixels of the image passed to :meth:`FaceDetector.detect`
(x right, y down, origin top-left). When the face was only found after turning the image,
``FaceDetection.rotation`` says by how many degrees clockwise the input must be turned to stand the
face upright; :func:`upright_crop` does that for the aligner.

Example::

    detector = FaceDetector.from_registry(registry)      # once, at engine start
    found = detector.detect(bgr)                          # FaceDetection, never None
    selection = select_main_face(found)                   # main face + issues (face.multiple, ...)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import cv2
import numpy as np

from kyc_engine.errors import InputError, ModelError

if TYPE_CHECKING:
    from kyc_engine.manifest import ModelRegistry

__all__ = [
    "Face",
    "FaceDetection",
    "FaceDetector",
    "FaceIssue",
    "FaceSelection",
    "Rotation",
    "select_main_face",
    "upright_crop",
]

log = logging.getLogger(__name__)

Rotation = Literal[0, 90, 180, 270]
Point = tuple[float, float]
Box = tuple[float, float, float, float]

_CV2_ROTATE: Final = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
#: Order in which turned images are tried when nothing is found upright (phones store 90/270 most).
_ROTATIONS: Final[tuple[Rotation, ...]] = (90, 270, 180)
#: Side of the face crop (face ≈ half of it) on which the orientation check runs.
_ORIENT_SIZE: Final = 192


@dataclass(frozen=True)
class Face:
    """One detected face, in input-image pixels.

    ``box`` is ``(x, y, w, h)``; ``landmarks`` are YuNet's five points in the order
    right eye, left eye, nose tip, right mouth corner, left mouth corner (the *subject's* right,
    i.e. image-left on an upright face). ``score`` is YuNet's confidence in 0..1.
    """

    box: Box
    landmarks: tuple[Point, Point, Point, Point, Point]
    score: float

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]

    @property
    def center(self) -> Point:
        x, y, w, h = self.box
        return (x + w / 2, y + h / 2)

    @property
    def eye_distance(self) -> float:
        """Distance between the two eye landmarks, pixels."""
        (rx, ry), (lx, ly) = self.landmarks[0], self.landmarks[1]
        return math.hypot(lx - rx, ly - ry)


@dataclass(frozen=True)
class FaceDetection:
    """Everything one :meth:`FaceDetector.detect` call found, with its evidence.

    ``faces`` is sorted main-face first (see :func:`select_main_face`); empty when none was found.
    ``image_size`` is the input's ``(width, height)``; ``rotation`` the clockwise turn that found the
    faces (0 when upright); ``padded`` whether a border had to be added (tight crops).
    """

    faces: tuple[Face, ...]
    score_threshold: float
    model: str
    model_sha256: str
    image_size: tuple[int, int]
    rotation: Rotation
    padded: bool
    elapsed_ms: float

    @property
    def found(self) -> bool:
        return bool(self.faces)


class FaceIssue(StrEnum):
    """Problems with the main face; the values are the engine's reason codes."""

    NOT_FOUND = "face.not_found"
    MULTIPLE = "face.multiple"
    TOO_SMALL = "face.too_small"
    CUT_OFF = "face.cut_off"
    EYES_NOT_VISIBLE = "face.eyes_not_visible"


@dataclass(frozen=True)
class FaceSelection:
    """The main face (None only when nothing was found) and the issues found with it.

    ``others`` counts further faces above the threshold that are at least ``multiple_area_ratio`` of
    the main face's area; ``eye_distance_px`` is measured at the input resolution.
    """

    face: Face | None
    issues: tuple[FaceIssue, ...]
    others: int
    eye_distance_px: float
    rotation: Rotation

    @property
    def ok(self) -> bool:
        return self.face is not None and not self.issues


def to_rotated(point: Point, size: tuple[int, int], rotation: int) -> Point:
    """Map a point of an image of ``size`` (w, h) into that image turned ``rotation`` degrees clockwise."""
    x, y = point
    w, h = size
    if rotation == 90:
        return (h - y, x)
    if rotation == 180:
        return (w - x, h - y)
    if rotation == 270:
        return (y, w - x)
    return (x, y)


def from_rotated(point: Point, size: tuple[int, int], rotation: int) -> Point:
    """Inverse of :func:`to_rotated`: ``size`` is the *unrotated* image's (w, h)."""
    turned = (size[1], size[0]) if rotation in (90, 270) else size
    return to_rotated(point, turned, (360 - rotation) % 360)


def _map_face(face: Face, mapper: Callable[[Point], Point]) -> Face:
    x, y, w, h = face.box
    (x0, y0), (x1, y1) = mapper((x, y)), mapper((x + w, y + h))
    box = (min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
    marks = tuple(mapper(p) for p in face.landmarks)
    return Face(box, marks, face.score)  # type: ignore[arg-type]


def rotate_image(image: np.ndarray, rotation: int) -> np.ndarray:
    """The image turned ``rotation`` (0/90/180/270) degrees clockwise."""
    return image if rotation == 0 else cv2.rotate(image, _CV2_ROTATE[rotation])


def upright_crop(
    image: np.ndarray, face: Face, rotation: int, margin: float = 0.6
) -> tuple[np.ndarray, Face]:
    """Crop around ``face`` (box grown by ``margin`` × its size each side), turned upright.

    Returns the crop and the face in the crop's coordinates, ready for an aligner that expects an
    upright face. Cropping first keeps the turn and colour conversion cheap on large photos.
    """
    height, width = image.shape[:2]
    x, y, w, h = face.box
    side = max(w, h)
    x0, y0 = max(0, int(x - margin * side)), max(0, int(y - margin * side))
    x1, y1 = (
        min(width, int(math.ceil(x + w + margin * side))),
        min(height, int(math.ceil(y + h + margin * side))),
    )
    crop = image[y0:y1, x0:x1]
    shifted = _map_face(face, lambda p: (p[0] - x0, p[1] - y0))
    size = (x1 - x0, y1 - y0)
    return rotate_image(crop, rotation), _map_face(shifted, lambda p: to_rotated(p, size, rotation))


def _priority(face: Face, size: tuple[int, int]) -> float:
    """Area, discounted up to half for distance from the image centre: largest, most central first."""
    cx, cy = face.center
    w, h = size
    off = math.hypot(cx - w / 2, cy - h / 2) / max(1.0, math.hypot(w / 2, h / 2))
    return face.area * (1.0 - 0.5 * min(1.0, off))


class FaceDetector:
    """YuNet face detector, built once. :meth:`detect` is thread-compatible only per instance.

    ``max_side``: the working copy is shrunk to this longest side (YuNet misses faces above ~300 px).
    ``min_side``: smaller inputs are enlarged to this longest side (small printed portraits).
    ``large_face_side``: second pass at this longest side when nothing was found (close-up selfies).
    ``pad_fraction``: border added on each side, as a fraction of the longest side, when nothing was
    found as-is (tight 112×112 crops need it). ``rotations``: check the orientation of what is found and
    try 90/270/180 when still nothing. ``candidate_threshold``: weaker detections that only trigger that
    orientation check; the faces returned all score ≥ ``score_threshold``.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        model_sha256: str = "",
        score_threshold: float = 0.8,
        candidate_threshold: float = 0.5,
        nms_threshold: float = 0.3,
        top_k: int = 5000,
        max_side: int = 800,
        min_side: int = 320,
        large_face_side: int = 320,
        pad_fraction: float = 0.25,
        rotations: bool = True,
    ) -> None:
        if not Path(model_path).is_file():
            raise ModelError(f"YuNet model not found at {model_path}", code="model.missing")
        try:
            create = cv2.FaceDetectorYN.create
            low = min(candidate_threshold, score_threshold)
            self._net = create(str(model_path), "", (320, 320), low, nms_threshold, top_k)
            self._orient_net = create(str(model_path), "", (_ORIENT_SIZE,) * 2, 0.3, 0.3, 50)
        except cv2.error as exc:
            raise ModelError(
                f"YuNet model {model_path} could not be loaded: {exc}", code="model.invalid"
            ) from exc
        self.model = Path(model_path).stem
        self.model_sha256 = model_sha256
        self.score_threshold = score_threshold
        self.max_side = max_side
        self.min_side = min_side
        self.large_face_side = large_face_side
        self.pad_fraction = pad_fraction
        self.rotations = rotations

    @classmethod
    def from_registry(
        cls, registry: ModelRegistry, name: str = "yunet", **options: float | int | bool
    ) -> FaceDetector:
        """Build from the verified manifest entry ``name`` (its ``score_threshold`` if set); ModelError if absent."""
        entry = registry.get(name)
        if entry.spec.extra and "score_threshold" in entry.spec.extra:
            options.setdefault("score_threshold", float(entry.spec.extra["score_threshold"]))
        return cls(registry.path(name), model_sha256=entry.spec.sha256, **options)  # type: ignore[arg-type]

    def detect(self, image: np.ndarray) -> FaceDetection:
        """Find faces in a BGR (or greyscale) ``uint8`` image. Nothing found is an empty result.

        Passes, until one yields a face scoring ≥ ``score_threshold``: as is (longest side ≤
        ``max_side``); shrunk to ``large_face_side`` (faces too big for YuNet); padded (tight crops);
        turned 90/270/180. YuNet also fires, weakly or not, on sideways faces with landmarks placed as if
        upright, so the best candidate (score ≥ ``candidate_threshold``) of a pass is checked on a small
        crop turned four ways (~13 ms) and the image re-detected under the best-scoring turn.
        """
        start = time.perf_counter()
        bgr = _as_bgr(image)
        height, width = bgr.shape[:2]
        passes: list[tuple[Rotation, bool, int]] = [(0, False, self.max_side)]
        if max(height, width) > self.max_side:
            passes.append((0, False, self.large_face_side))
        passes.append((0, True, self.max_side))
        if self.rotations:
            passes += [(r, False, self.max_side) for r in _ROTATIONS]
        faces: list[Face] = []
        rotation: Rotation = 0
        padded = False
        for turn, pad, side in passes:
            candidates = self._attempt(bgr, turn, pad, side)
            strong = [f for f in candidates if f.score >= self.score_threshold]
            if candidates and self.rotations:
                upright = self._orientation(bgr, max(candidates, key=lambda f: f.score))
                again = self._attempt(bgr, upright, pad, side) if upright != turn else []
                if any(f.score >= self.score_threshold for f in again):
                    strong, turn = [f for f in again if f.score >= self.score_threshold], upright
            if strong:
                faces, rotation, padded = strong, turn, pad
                break
        faces.sort(key=lambda f: _priority(f, (width, height)), reverse=True)
        elapsed = (time.perf_counter() - start) * 1000
        log.debug("yunet: %d face(s), rotation %d, padded %s, %.1f ms", len(faces), rotation, padded, elapsed)
        evidence = (self.score_threshold, self.model, self.model_sha256, (width, height))
        return FaceDetection(tuple(faces), *evidence, rotation, padded, elapsed)

    def _orientation(self, bgr: np.ndarray, face: Face) -> Rotation:
        """The clockwise turn under which YuNet scores ``face`` highest, on a small centred crop."""
        size = _ORIENT_SIZE
        x, y, w, h = face.box
        f = size / (2.0 * max(w, h, 1.0))
        shift = np.array([[f, 0, size / 2 - f * (x + w / 2)], [0, f, size / 2 - f * (y + h / 2)]], np.float32)
        crop = cv2.warpAffine(bgr, shift, (size, size), flags=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        scores: dict[Rotation, float] = {}
        for turn in (0, *_ROTATIONS):
            _, rows = self._orient_net.detect(rotate_image(crop, turn))
            central = [
                float(r[14])
                for r in (rows if rows is not None else [])
                if abs(r[0] + r[2] / 2 - size / 2) < size / 4 and abs(r[1] + r[3] / 2 - size / 2) < size / 4
            ]
            scores[turn] = max(central, default=0.0)
        return max(scores, key=lambda r: scores[r])

    def _attempt(self, bgr: np.ndarray, rotation: Rotation, padded: bool, side: int) -> list[Face]:
        """One YuNet pass on the image resized, turned and optionally padded; candidates in input pixels."""
        height, width = bgr.shape[:2]
        longest = max(height, width) * (1 + 2 * self.pad_fraction if padded else 1)
        scale = min(1.0, side / longest) if longest > self.min_side else self.min_side / longest
        work = bgr
        if scale != 1.0:
            dsize = (max(1, round(width * scale)), max(1, round(height * scale)))
            work = cv2.resize(bgr, dsize, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        fx, fy = work.shape[1] / width, work.shape[0] / height
        scaled = (work.shape[1], work.shape[0])
        work = rotate_image(work, rotation)
        pad = round(self.pad_fraction * max(work.shape[:2])) if padded else 0
        if pad:
            work = cv2.copyMakeBorder(work, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        self._net.setInputSize((work.shape[1], work.shape[0]))
        _, rows = self._net.detect(work)

        def back(p: Point) -> Point:
            x, y = from_rotated((p[0] - pad, p[1] - pad), scaled, rotation)
            return (x / fx, y / fy)

        found = []
        for row in rows if rows is not None else []:
            marks = tuple((float(row[4 + 2 * i]), float(row[5 + 2 * i])) for i in range(5))
            found.append(_map_face(Face(tuple(map(float, row[:4])), marks, float(row[14])), back))  # type: ignore[arg-type]
        return found


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or image.size == 0:
        raise InputError("face detection needs a non-empty uint8 image", code="input.invalid")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.shape[2] == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


def select_main_face(
    detection: FaceDetection,
    *,
    min_eye_distance_px: float = 30.0,
    multiple_area_ratio: float = 0.4,
    landmark_min_score: float = 0.0,
    edge_margin_px: float = 2.0,
) -> FaceSelection:
    """Pick the main face (largest, most central) and flag what is wrong with it.

    Flags: ``face.multiple`` (another face above the detector threshold with ≥ ``multiple_area_ratio``
    of the main face's area), ``face.too_small`` (eye distance below ``min_eye_distance_px`` at input
    resolution), ``face.cut_off`` (box within ``edge_margin_px`` of an image edge or beyond it),
    ``face.eyes_not_visible`` (an eye landmark outside the box or image, or the score is below
    ``landmark_min_score``), ``face.not_found``.
    """
    if not detection.faces:
        return FaceSelection(None, (FaceIssue.NOT_FOUND,), 0, 0.0, detection.rotation)
    main, *rest = detection.faces
    issues: list[FaceIssue] = []
    others = sum(
        1 for f in rest if f.score >= detection.score_threshold and f.area >= multiple_area_ratio * main.area
    )
    if others:
        issues.append(FaceIssue.MULTIPLE)
    if main.eye_distance < min_eye_distance_px:
        issues.append(FaceIssue.TOO_SMALL)
    width, height = detection.image_size
    x, y, w, h = main.box
    m = edge_margin_px
    if x <= m or y <= m or x + w >= width - m or y + h >= height - m:
        issues.append(FaceIssue.CUT_OFF)
    if main.score < landmark_min_score or not all(
        x <= px <= x + w and y <= py <= y + h and 0 <= px < width and 0 <= py < height
        for px, py in main.landmarks[:2]
    ):
        issues.append(FaceIssue.EYES_NOT_VISIBLE)
    return FaceSelection(main, tuple(issues), others, main.eye_distance, detection.rotation)
