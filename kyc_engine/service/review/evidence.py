"""Evidence images for the case page, cut on the fly from the encrypted uploads with the boxes of the
stored report. Nothing is cached or written to disk: the route answers with ``Cache-Control: no-store``.

Coordinates, as the report records them:
- face boxes ``[x, y, w, h]`` are in pixels of the image after EXIF rotation (reports from before
  ``work_scale`` was recorded gave them after the engine's downscale to ``limits.work_max_side``);
- the document quad (TL, TR, BR, BL of the upright page) is in pixels of the image after EXIF rotation;
  it belongs to the side whose MRZ was read (``document.mrz_side``).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import cv2
import numpy as np

from ...detect.document import CANONICAL_SIZE, rectify
from ...detect.faces import rotate_image
from ...detect.mrz_band import bottom_box
from ...imageio import downscale

Evidence = Literal["selfie", "selfie-face", "document-face", "document", "document-photo", "mrz"]
EVIDENCE: tuple[str, ...] = get_args(Evidence)

FACE_HEIGHT = 320
PHOTO_MAX_SIDE = 1200
_GREEN = (60, 170, 60)


class NoEvidence(LookupError):
    """The report has no box for this image (no face found, no document found, erased case)."""


def encode_jpeg(bgr: np.ndarray, quality: int = 88) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())


def _fit_height(bgr: np.ndarray, height: int) -> np.ndarray:
    h = bgr.shape[0]
    if h == height:
        return bgr
    interp = cv2.INTER_AREA if h > height else cv2.INTER_CUBIC
    return cv2.resize(bgr, (max(1, round(bgr.shape[1] * height / h)), height), interpolation=interp)


def face_crop(
    bgr: np.ndarray, face: dict[str, Any] | None, work_max_side: int, margin: float = 0.35
) -> np.ndarray:
    """The face of ``face`` (a report's ``face.faces.<image>``) with ``margin`` × its size around it, upright,
    ``FACE_HEIGHT`` px tall."""
    if not face or not face.get("found") or not face.get("box"):
        raise NoEvidence("no face in the report")
    # reports give input-image pixels (with ``work_scale``); older ones gave the engine's working image
    work = bgr if "work_scale" in face else downscale(bgr, work_max_side)[0]
    x, y, w, h = (float(v) for v in face["box"])
    side = max(w, h)
    x0, y0 = max(0, int(x - margin * side)), max(0, int(y - margin * side))
    x1 = min(work.shape[1], int(np.ceil(x + w + margin * side)))
    y1 = min(work.shape[0], int(np.ceil(y + h + margin * side)))
    if x1 <= x0 or y1 <= y0:
        raise NoEvidence("face box outside the image")
    crop = rotate_image(work[y0:y1, x0:x1], int(face.get("rotation") or 0))
    return _fit_height(crop, FACE_HEIGHT)


def _quad(document: dict[str, Any]) -> tuple[np.ndarray, str]:
    quad, kind = document.get("quad"), document.get("kind")
    if not document.get("found") or quad is None or len(quad) != 4:
        raise NoEvidence("no document outline in the report")
    return np.asarray(quad, np.float32), "ID1" if kind == "ID1" else "TD2_OR_TD3"


def rectified(bgr: np.ndarray, document: dict[str, Any]) -> np.ndarray:
    """The page inside the report's quad, warped upright to its canonical size."""
    quad, kind = _quad(document)
    return rectify(bgr, quad, kind)  # type: ignore[arg-type]


def mrz_crop(bgr: np.ndarray, document: dict[str, Any]) -> np.ndarray:
    """The MRZ band of the rectified page (where ICAO puts it for the page's size)."""
    page = rectified(bgr, document)
    kind = "ID1" if document.get("kind") == "ID1" else "TD2_OR_TD3"
    (x0, y0, x1, y1), _ = bottom_box(kind, CANONICAL_SIZE[kind])  # type: ignore[arg-type]
    return page[y0:y1, x0:x1]


def with_quad(bgr: np.ndarray, document: dict[str, Any] | None) -> np.ndarray:
    """The whole photo, at most ``PHOTO_MAX_SIDE`` px, with the document outline drawn when there is one."""
    small, scale = downscale(bgr, PHOTO_MAX_SIDE)
    small = small.copy()
    if document and document.get("found") and document.get("quad"):
        pts = (np.asarray(document["quad"], np.float32) * scale).round().astype(np.int32)
        cv2.polylines(small, [pts], True, _GREEN, max(2, round(3 * max(small.shape) / 1200)), cv2.LINE_AA)
        cv2.circle(small, tuple(int(v) for v in pts[0]), 6, _GREEN, -1, cv2.LINE_AA)  # top-left corner
    return small


def mrz_document(report: dict[str, Any]) -> dict[str, Any]:
    """The document detection of the side whose MRZ was read."""
    doc: dict[str, Any] = (report.get("document") or {}).get("mrz", {}).get("document") or {}
    return doc


def render(name: Evidence, image: np.ndarray, report: dict[str, Any], work_max_side: int) -> bytes:
    """JPEG bytes of the evidence image ``name``, cut from ``image`` (the decoded upload that
    :func:`source_of` names). Raises :class:`NoEvidence` when the report has nothing to cut."""
    faces = (report.get("face") or {}).get("faces") or {}
    if name == "selfie":
        out = downscale(image, PHOTO_MAX_SIDE)[0]
    elif name == "selfie-face":
        out = face_crop(image, faces.get("selfie"), work_max_side)
    elif name == "document-face":
        out = face_crop(image, faces.get("document"), work_max_side)
    elif name == "document":
        out = rectified(image, mrz_document(report))
    elif name == "document-photo":
        out = with_quad(image, mrz_document(report))
    else:
        out = mrz_crop(image, mrz_document(report))
    return encode_jpeg(out)


def source_of(name: Evidence, report: dict[str, Any]) -> str:
    """Which upload (``selfie``, ``document`` or ``document_back``) ``name`` is cut from."""
    if name in ("selfie", "selfie-face"):
        return "selfie"
    if name == "document-face":
        return "document"
    return "document_back" if (report.get("document") or {}).get("mrz_side") == "back" else "document"
