"""Selfie misuse checks: the selfie is the document's own picture, or a photo of a document.

Two checks, each returned with its evidence:

* **same picture** (``selfie.same_as_document``): perceptual hashes (dHash, pHash) of the two whole
  images and of the two face squares (see :func:`~kyc_engine.liveness.phash.aligned_face`); a Hamming distance at or below its threshold flags.
* **selfie is a document** (``selfie.is_document``): the document detector finds a card or page in the
  selfie whose quad encloses the selfie's face, or an MRZ band (2+ lines) in the selfie.

Example::

    result = selfie_misuse(selfie, document, document_detector=DocumentDetector(),
                           face_box=selfie_face, document_face_box=document_face)
    result.codes    # ("selfie.is_document",) or ()
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import cv2
import numpy as np

from .phash import aligned_face, dhash, hamming, phash

if TYPE_CHECKING:
    from kyc_engine.detect.document import DocumentDetector
    from kyc_engine.detect.faces import Face

__all__ = ["DocumentInSelfie", "HashMatch", "MisuseResult", "SameImage", "selfie_misuse"]

Box = tuple[float, float, float, float]

SAME_AS_DOCUMENT: Final = "selfie.same_as_document"
IS_DOCUMENT: Final = "selfie.is_document"
#: Hamming thresholds (of 64 bits) at or below which two pictures count as the same; benchmarks/RESULTS.md.
WHOLE_THRESHOLD: Final = 10
FACE_THRESHOLD: Final = 12
#: The document detector looks at the selfie at this size: a card around a face is large. On the misuse
#: benchmark (benchmarks/liveness.py, 30 documents) every count stayed the same as at full size, and the
#: check's median time fell from 220 to 104 ms.
DETECT_MAX_SIDE: Final = 800


@dataclass(frozen=True)
class HashMatch:
    """Hamming distances (of 64 bits) of the dHash and pHash of two images, and the threshold used.

    ``same`` holds when the pHash distance is at or below ``threshold``; the dHash distance is extra
    evidence (it moves more with small misalignments, so it does not decide).
    """

    dhash: int
    phash: int
    threshold: int

    @property
    def same(self) -> bool:
        return self.phash <= self.threshold


@dataclass(frozen=True)
class SameImage:
    """Selfie vs document: ``whole`` images and ``face`` squares (None without both faces)."""

    whole: HashMatch
    face: HashMatch | None

    @property
    def flagged(self) -> bool:
        return self.whole.same or (self.face is not None and self.face.same)


@dataclass(frozen=True, eq=False)
class DocumentInSelfie:
    """What the document detector saw in the selfie.

    ``score`` was compared with ``threshold``; ``quad``: float32 4x2 selfie pixels (TL, TR, BR, BL) or
    None; ``encloses_face``: the quad holds the selfie face's centre; ``mrz_lines``: lines of an MRZ
    band seen in the selfie (0 when none).
    """

    found: bool
    score: float
    threshold: float
    quad: np.ndarray | None
    encloses_face: bool
    mrz_lines: int
    mrz_score: float

    @property
    def flagged(self) -> bool:
        return (self.found and self.encloses_face) or self.mrz_lines >= 2


@dataclass(frozen=True)
class MisuseResult:
    """Evidence of both checks; ``codes`` are the reason codes raised (empty when neither flags)."""

    same_image: SameImage
    document: DocumentInSelfie
    codes: tuple[str, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)


def _square(bgr: np.ndarray, face: Face | Box) -> np.ndarray:
    if isinstance(face, tuple):
        return aligned_face(bgr, face)
    return aligned_face(bgr, face.box, face.landmarks)


def _match(a: np.ndarray, b: np.ndarray, threshold: int) -> HashMatch:
    return HashMatch(hamming(dhash(a), dhash(b)), hamming(phash(a), phash(b)), threshold)


def same_image(
    selfie_bgr: np.ndarray,
    document_bgr: np.ndarray,
    face: Face | Box | None,
    document_face: Face | Box | None,
    *,
    whole_threshold: int = WHOLE_THRESHOLD,
    face_threshold: int = FACE_THRESHOLD,
) -> SameImage:
    """Hash distances between the two whole images and, when both faces are given, their aligned crops."""
    whole = _match(selfie_bgr, document_bgr, whole_threshold)
    crops = None
    if face is not None and document_face is not None:
        crops = _match(_square(selfie_bgr, face), _square(document_bgr, document_face), face_threshold)
    return SameImage(whole, crops)


def document_in_selfie(
    selfie_bgr: np.ndarray,
    detector: DocumentDetector,
    face: Face | Box | None,
    *,
    max_side: int = DETECT_MAX_SIDE,
) -> DocumentInSelfie:
    """Run the document detector on the selfie (downscaled to ``max_side``) and test whether its quad
    encloses the face. The quad is returned in the selfie's own pixels."""
    scale = min(1.0, max_side / max(selfie_bgr.shape[:2]))
    small = selfie_bgr
    if scale < 1.0:
        size = (round(selfie_bgr.shape[1] * scale), round(selfie_bgr.shape[0] * scale))
        small = cv2.resize(selfie_bgr, size, interpolation=cv2.INTER_AREA)
    found = detector.detect(small)
    quad = None if found.quad is None else np.asarray(found.quad, np.float32) / scale
    encloses = False
    if found.found and quad is not None and face is not None:
        x, y, w, h = face if isinstance(face, tuple) else face.box
        contour = quad.reshape(-1, 1, 2).astype(np.float32)
        encloses = cv2.pointPolygonTest(contour, (float(x + w / 2), float(y + h / 2)), False) >= 0
    band = found.mrz_band
    return DocumentInSelfie(
        found=found.found,
        score=float(found.score),
        threshold=float(found.threshold),
        quad=quad,
        encloses_face=bool(encloses),
        mrz_lines=0 if band is None else int(band.line_count_estimate),
        mrz_score=0.0 if band is None else float(band.score),
    )


def selfie_misuse(
    selfie_bgr: np.ndarray,
    document_bgr: np.ndarray,
    *,
    document_detector: DocumentDetector,
    face_box: Face | Box | None,
    document_face_box: Face | Box | None = None,
    whole_threshold: int = WHOLE_THRESHOLD,
    face_threshold: int = FACE_THRESHOLD,
) -> MisuseResult:
    """Both misuse checks on a selfie (BGR uint8) against the document photo (BGR uint8).

    ``face_box`` / ``document_face_box``: the main face of each image (a detected ``Face``, whose landmarks turn
    the square upright, or a box ``(x, y, w, h)`` in that image's pixels); the face-crop hash check needs both.
    """
    t0 = time.perf_counter()
    same = same_image(
        selfie_bgr,
        document_bgr,
        face_box,
        document_face_box,
        whole_threshold=whole_threshold,
        face_threshold=face_threshold,
    )
    t1 = time.perf_counter()
    doc = document_in_selfie(selfie_bgr, document_detector, face_box)
    t2 = time.perf_counter()
    codes = tuple(c for c, hit in ((SAME_AS_DOCUMENT, same.flagged), (IS_DOCUMENT, doc.flagged)) if hit)
    return MisuseResult(same, doc, codes, {"hash": (t1 - t0) * 1000, "document": (t2 - t1) * 1000})
