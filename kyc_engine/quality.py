"""Image quality gate: measure, compare with a threshold, and tell the applicant what to fix.

Every check returns a :class:`Metric` with the measured value, the threshold it was compared with and
the region measured; a :class:`QualityReport` turns each failed check into a retryable
:class:`~kyc_engine.reasons.Reason` whose ``detail`` holds ``value``, ``threshold`` and ``region``.
All measures run on a copy shrunk so its longer side is at most ``work_side_px`` (never enlarged).

* **blur** (``blur_sigma_px``): estimated Gaussian blur sigma in working pixels, from the gradient
  re-blur ratio at edges (Zhuo & Sim 2011, "Defocus map estimation from a single image"): re-blurring
  a step edge of blur sigma with sigma0 = 1 divides its peak gradient by R = sqrt(sigma^2 + 1) / sigma,
  so sigma = 1 / sqrt(R^2 - 1) per Canny edge pixel, whatever the edge's contrast. We take the 25th
  percentile (the sharper quarter: a defocused background must not fail an in-focus document) in each
  of 4 gradient-direction bins and report the worst bin, which also catches motion blur. Chosen over
  the variance of the Laplacian, which depends on content and scale (sharp faces 33-3000, synthetic
  document 730 at 1600 px vs 1040 at 4000 px). Under ``blur_min_edges`` edge pixels: value None, failed.
  Images smaller than ``work_side_px`` are measured in their own pixels, never enlarged: their lack of
  resolution is the size check's business, and enlarging would fail every sharp 640x480 webcam frame.
* **glare** (``glare_fraction``): the region is warped upright (long side horizontal) and pixels with
  HSV V >= 245 and S <= 40 are opened with a rectangle 0.15 x 0.5 of the region's short side, so clipped
  *paper* between characters and lines does not count, only clipped areas that wiped out the content.
* **dark** (``mean_luminance``, 0-255) and **size** (``short_side_px``, full resolution).
* **cut-off**: :func:`document_cut_off`, a document corner within ``margin_px`` of the border or outside.

Calibration (2026-11; blur in working px at work side 1000):

* blur, 70 shared/faces photos with short side >= 400, native size: sharp max 1.20 (median 0.59);
  Gaussian sigma 1: median 1.12; sigma 2: min 1.31; sigma 4: min 2.84 (one: too few edges).
  1600x1200 cv2.putText document: sharp 0.80, sigma 2: 1.14, sigma 3: 1.49, sigma 4: 1.91; 9 and 15 px
  motion blur 1.32 / 1.36; sigma 3 plus noise 10 or JPEG q20: 1.38 / 1.43. Same document at 4000x3000:
  sigma 8 (= 3 at 1600) 1.47. Faces upscaled to 1600x1200: sharp 0.44-0.61, sigma 3: 1.68-2.10.
  samples.photograph phone photos (60): clean <= 0.79, normal <= 1.24; plus sigma 3: >= 1.46 (whole
  image) and >= 1.34 (MRZ region). Threshold 1.3: passes all sharp ones, flags sigma >= 3 at 1600x1200.
* glare on MRZ quads of 56 simulated phone photos without glare on the MRZ (many with clipped white
  paper): median 0.0, max 0.055 (1 flagged); with a clipping blob of sigma = 1 x band height added:
  min 0.072 (all flagged), 0.5 x band: median 0.048. Haar face boxes of 162 face photos: 2 above 0.05.
* dark: 172 face photos min 33.2 (a well exposed portrait on black), p5 56, median 110. Threshold 30.
* size: 480 px shorter side, so a VGA webcam frame passes and thumbnails do not.

Example::

    report = assess_image(bgr)
    [r.code for r in report.reasons]  # e.g. [ReasonCode.QUALITY_BLUR]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import cv2
import numpy as np

from kyc_engine.reasons import Reason, ReasonCode

__all__ = [
    "Metric",
    "QualityReport",
    "QualityThresholds",
    "assess_image",
    "assess_region",
    "document_cut_off",
    "measure_blur",
    "measure_darkness",
    "measure_glare",
    "measure_size",
]

_REBLUR_SIGMA: Final = 1.0
_DIRECTION_BINS: Final = 4
_SIGMA_CAP: Final = 20.0


@dataclass(frozen=True)
class QualityThresholds:
    """Limits of the gate; defaults calibrated as described in the module docstring."""

    min_side_px: int = 480  # shorter image side, full-resolution px
    work_side_px: int = 1000  # longer side of the working copy; blur sigma is in these px
    blur_max_sigma_px: float = 1.3  # fail above
    blur_min_edges: int = 100  # fewer edge pixels than this: nothing sharp, fail
    glare_max_fraction: float = 0.05  # of the region's area; fail above
    glare_blob_width: float = 0.15  # opening rectangle, fraction of the region's short side
    glare_blob_height: float = 0.5
    glare_min_value: int = 245  # HSV V (0-255) counted as clipped
    glare_max_saturation: int = 40  # HSV S (0-255) counted as colourless
    dark_min_mean: float = 30.0  # mean luminance 0-255; fail below
    cut_off_margin_px: float = 2.0  # for document_cut_off, image px


@dataclass(frozen=True)
class Metric:
    """One measurement: ``value`` compared with ``threshold`` in ``region``; ``passed`` is the verdict."""

    name: str
    value: float | None
    threshold: float
    passed: bool
    region: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "threshold": self.threshold,
            "passed": self.passed,
            "region": self.region,
            "detail": self.detail,
        }


_CODES: Final = {
    "short_side_px": ReasonCode.QUALITY_TOO_SMALL,
    "mean_luminance": ReasonCode.QUALITY_DARK,
    "blur_sigma_px": ReasonCode.QUALITY_BLUR,
    "glare_fraction": ReasonCode.QUALITY_GLARE,
}


@dataclass(frozen=True)
class QualityReport:
    """The checks run on one image or region, and a reason for each one that failed."""

    region: str
    checks: tuple[Metric, ...]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(
            Reason(
                _CODES[m.name], {"value": m.value, "threshold": m.threshold, "region": m.region, **m.detail}
            )
            for m in self.checks
            if not m.passed
        )

    @property
    def ok(self) -> bool:
        return all(m.passed for m in self.checks)

    @property
    def metrics(self) -> dict[str, float | None]:
        return {m.name: m.value for m in self.checks}

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "ok": self.ok,
            "metrics": self.metrics,
            "checks": [m.to_dict() for m in self.checks],
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _shrink(image: np.ndarray, work_side: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = work_side / max(h, w)
    if scale >= 1.0:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def _grey(bgr: np.ndarray) -> np.ndarray:
    if bgr.dtype != np.uint8 or bgr.ndim not in (2, 3) or bgr.size == 0:
        raise ValueError(f"expected a non-empty uint8 BGR or grey image, got {bgr.dtype} {bgr.shape}")
    return bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def _as_polygon(quad_or_box: np.ndarray | Sequence[Any]) -> np.ndarray:
    """(4, 2) float corners from a quad ((x, y) x 4) or an OpenCV box (x, y, w, h)."""
    arr = np.asarray(quad_or_box, dtype=np.float64)
    if arr.shape == (4,):
        x, y, w, h = arr
        if w <= 0 or h <= 0:
            raise ValueError(f"box width and height must be positive, got {arr.tolist()}")
        return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    if arr.shape != (4, 2) or not np.isfinite(arr).all():
        raise ValueError(f"expected a (4, 2) quad or an (x, y, w, h) box, got shape {arr.shape}")
    return arr


def _work_crop(
    image: np.ndarray, polygon: np.ndarray, work_side: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """The region's padded bounding box at working scale, and the polygon in crop pixels."""
    h, w = image.shape[:2]
    scale = min(1.0, work_side / max(h, w))
    pad = 4 / scale
    x0, y0 = np.floor(polygon.min(axis=0) - pad).astype(int)
    x1, y1 = np.ceil(polygon.max(axis=0) + pad).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError("the region lies outside the image")
    crop = image[y0:y1, x0:x1]
    if scale < 1.0:
        size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return crop, (polygon - (x0, y0)) * scale, scale


def _mask(shape: tuple[int, ...], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], (1,))
    return mask.astype(bool)


def _rectify(crop: np.ndarray, polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warp the region upright, long side horizontal. Returns (pixels, bool mask of pixels inside the image)."""
    hull = cv2.convexHull(polygon.astype(np.float32)).reshape(-1, 2)
    if len(hull) != 4:  # degenerate quad: measure it unwarped
        return crop, _mask(crop.shape, polygon)
    sides = np.linalg.norm(np.roll(hull, -1, axis=0) - hull, axis=1)
    a, b = max(2, round((sides[0] + sides[2]) / 2)), max(2, round((sides[1] + sides[3]) / 2))
    matrix = cv2.getPerspectiveTransform(hull, np.array([[0, 0], [a, 0], [a, b], [0, b]], np.float32))
    pixels = cv2.warpPerspective(crop, matrix, (a, b), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.ones(crop.shape[:2], np.uint8), matrix, (a, b), flags=cv2.INTER_NEAREST)
    if a < b:
        pixels, inside = cv2.transpose(pixels), cv2.transpose(inside)
    return pixels, inside.astype(bool)


def _blur_sigma(grey: np.ndarray, mask: np.ndarray, min_edges: int) -> tuple[float | None, dict[str, Any]]:
    f = grey.astype(np.float32)
    gx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3) / 8  # grey levels per pixel
    gy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3) / 8
    g0 = cv2.magnitude(gx, gy)
    reblurred = cv2.GaussianBlur(f, (0, 0), _REBLUR_SIGMA)
    g1 = cv2.magnitude(
        cv2.Sobel(reblurred, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(reblurred, cv2.CV_32F, 0, 1, ksize=3)
    )
    edges = (cv2.Canny(grey, 30, 90, L2gradient=True) > 0) & (g0 >= 8.0) & mask
    n = int(edges.sum())
    if n < min_edges:
        return None, {"edge_pixels": n, "note": "too few sharp edges to measure"}
    ratio = np.maximum(g0[edges] / np.maximum(g1[edges] / 8, 1e-6), 1.0 + 1e-4)
    sigma = np.minimum(_REBLUR_SIGMA / np.sqrt(ratio * ratio - 1.0), _SIGMA_CAP)
    angle = np.mod(np.arctan2(gy[edges], gx[edges]), np.pi)
    bins = np.floor(angle / np.pi * _DIRECTION_BINS + 0.5).astype(int) % _DIRECTION_BINS
    per_dir = {
        str(b * 180 // _DIRECTION_BINS): round(float(np.percentile(sigma[bins == b], 25)), 3)
        for b in range(_DIRECTION_BINS)
        if int((bins == b).sum()) >= max(30, n // 20)
    }
    value = max(per_dir.values()) if per_dir else float(np.percentile(sigma, 25))
    return round(value, 3), {"edge_pixels": n, "by_gradient_direction_deg": per_dir}


def measure_blur(
    bgr: np.ndarray,
    thresholds: QualityThresholds | None = None,
    region: np.ndarray | Sequence[Any] | None = None,
    name: str = "image",
) -> Metric:
    """Estimated blur sigma (working px) of the image, or inside ``region`` (quad or (x, y, w, h) box)."""
    t = thresholds or QualityThresholds()
    if region is None:
        return _image_blur(
            _shrink(_grey(bgr), t.work_side_px), min(1.0, t.work_side_px / max(bgr.shape[:2])), t
        )
    grey, local, scale = _work_crop(_grey(bgr), _as_polygon(region), t.work_side_px)
    return _blur_metric(grey, _mask(grey.shape, local), scale, name, t)


def _image_blur(small_grey: np.ndarray, scale: float, t: QualityThresholds) -> Metric:
    return _blur_metric(small_grey, np.ones(small_grey.shape, bool), scale, "image", t)


def _blur_metric(grey: np.ndarray, mask: np.ndarray, scale: float, name: str, t: QualityThresholds) -> Metric:
    value, detail = _blur_sigma(grey, mask, t.blur_min_edges)
    passed = value is not None and value <= t.blur_max_sigma_px
    return Metric(
        "blur_sigma_px", value, t.blur_max_sigma_px, passed, name, {**detail, "work_scale": round(scale, 4)}
    )


def measure_glare(
    bgr: np.ndarray,
    region: np.ndarray | Sequence[Any],
    name: str,
    thresholds: QualityThresholds | None = None,
) -> Metric:
    """Fraction of clipped near-white, low-saturation pixels inside ``region``."""
    t = thresholds or QualityThresholds()
    if bgr.ndim != 3:
        raise ValueError("glare needs a colour (BGR) image")
    crop, polygon, _ = _work_crop(bgr, _as_polygon(region), t.work_side_px)
    pixels, inside = _rectify(crop, polygon)
    hsv = cv2.cvtColor(pixels, cv2.COLOR_BGR2HSV)
    clipped = ((hsv[..., 2] >= t.glare_min_value) & (hsv[..., 1] <= t.glare_max_saturation)) & inside
    short = min(pixels.shape[:2])
    kernel = np.ones(
        (max(3, round(t.glare_blob_height * short)), max(3, round(t.glare_blob_width * short))), np.uint8
    )
    hot = cv2.morphologyEx(clipped.astype(np.uint8), cv2.MORPH_OPEN, kernel) & inside
    area = max(int(inside.sum()), 1)
    fraction = int(hot.sum()) / area
    count, _, stats, _ = cv2.connectedComponentsWithStats(hot, connectivity=8)
    largest = int(stats[1:, cv2.CC_STAT_AREA].max()) if count > 1 else 0
    detail = {
        "clipped_fraction": round(int(clipped.sum()) / area, 4),
        "largest_blob_fraction": round(largest / area, 4),
        "region_pixels": area,
    }
    passed = fraction <= t.glare_max_fraction
    return Metric("glare_fraction", round(fraction, 4), t.glare_max_fraction, passed, name, detail)


def measure_darkness(bgr: np.ndarray, thresholds: QualityThresholds | None = None) -> Metric:
    """Mean luminance (0-255) of the whole image; the 95th percentile is kept as evidence."""
    t = thresholds or QualityThresholds()
    return _darkness(_shrink(_grey(bgr), t.work_side_px), t)


def _darkness(small_grey: np.ndarray, t: QualityThresholds) -> Metric:
    mean = round(float(small_grey.mean()), 2)
    detail = {"p95_luminance": _percentile_u8(small_grey, 95)}
    return Metric("mean_luminance", mean, t.dark_min_mean, mean >= t.dark_min_mean, "image", detail)


def _percentile_u8(grey: np.ndarray, q: float) -> float:
    """``np.percentile(grey, q)`` (linear interpolation) of a uint8 image from its histogram: no sort."""
    counts = np.cumsum(np.bincount(grey.ravel(), minlength=256))
    rank = q / 100 * (int(counts[-1]) - 1)
    lo, hi = int(np.floor(rank)), int(np.ceil(rank))
    v_lo, v_hi = (
        int(np.searchsorted(counts, lo, side="right")),
        int(np.searchsorted(counts, hi, side="right")),
    )
    return float(v_lo + (v_hi - v_lo) * (rank - lo))


def measure_size(bgr: np.ndarray, thresholds: QualityThresholds | None = None) -> Metric:
    """Shorter side of the image in pixels (full resolution)."""
    t = thresholds or QualityThresholds()
    h, w = bgr.shape[:2]
    short = min(h, w)
    return Metric(
        "short_side_px",
        float(short),
        float(t.min_side_px),
        short >= t.min_side_px,
        "image",
        {"width": int(w), "height": int(h)},
    )


def assess_image(bgr: np.ndarray, thresholds: QualityThresholds | None = None) -> QualityReport:
    """Whole-image checks: size, darkness, blur. Example: ``assess_image(bgr).reasons``."""
    t = thresholds or QualityThresholds()
    small = _shrink(_grey(bgr), t.work_side_px)  # one working copy for darkness and blur
    scale = min(1.0, t.work_side_px / max(bgr.shape[:2]))
    return QualityReport("image", (measure_size(bgr, t), _darkness(small, t), _image_blur(small, scale, t)))


def assess_region(
    bgr: np.ndarray,
    quad_or_box: np.ndarray | Sequence[Any],
    name: str,
    thresholds: QualityThresholds | None = None,
) -> QualityReport:
    """Glare and blur inside a region (e.g. ``"mrz"``, ``"portrait"``).

    ``quad_or_box`` is either 4 corners ``[(x, y), ...]`` in image pixels, or an OpenCV box
    ``(x, y, w, h)``. The region is clipped to the image; one wholly outside raises ValueError.
    Blur is measured at the same working scale as :func:`assess_image`, so the threshold means the same.
    """
    t = thresholds or QualityThresholds()
    return QualityReport(
        name, (measure_glare(bgr, quad_or_box, name, t), measure_blur(bgr, t, quad_or_box, name))
    )


def document_cut_off(
    quad: np.ndarray | Sequence[Any], image_size: tuple[int, int], margin_px: float = 2.0
) -> Reason | None:
    """A ``quality.document_cut_off`` reason when a document corner is within ``margin_px`` of the
    border or outside the image, else None.

    ``quad``: 4 corners (x, y) in image pixels, any order; ``image_size``: (width, height). ``value`` is
    the smallest corner-to-border distance in px (negative: outside), compared with ``margin_px``;
    ``sides`` names the borders touched and ``visible_fraction`` is the share of the document inside.
    Example: ``document_cut_off([(-40, 10), (900, 12), (905, 600), (-35, 598)], (1600, 1200))``.
    """
    q = _as_polygon(quad)
    w, h = image_size
    xs, ys = q[:, 0], q[:, 1]
    distance = float(np.min(np.minimum(np.minimum(xs, ys), np.minimum(w - 1 - xs, h - 1 - ys))))
    if distance > margin_px:
        return None
    sides = [
        side
        for side, hit in (
            ("left", xs.min() <= margin_px),
            ("top", ys.min() <= margin_px),
            ("right", xs.max() >= w - 1 - margin_px),
            ("bottom", ys.max() >= h - 1 - margin_px),
        )
        if hit
    ]
    hull = cv2.convexHull(q.astype(np.float32))
    frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    inside, _ = cv2.intersectConvexConvex(hull, frame)
    total = float(cv2.contourArea(hull))
    visible = round(float(inside) / total, 4) if total > 0 else 0.0
    detail = {
        "value": round(distance, 2),
        "threshold": margin_px,
        "region": "document",
        "sides": sides,
        "visible_fraction": visible,
    }
    return Reason(ReasonCode.QUALITY_CUT_OFF, detail)
