"""Find an identity document (ID-1 card, TD2 card, passport data page) in a hand-held photo.

At ~540 px, candidate quadrilaterals come from pairs of near-parallel straight edges (Hough segments
merged into lines), with min-area rectangles of light blobs as a fallback. Each is scored by how
well its four sides follow colour edges across them, by its corner angles, its aspect ratio against
the ICAO sizes and its area. The winner's sides are re-fitted to the strongest colour step at full
resolution (also recovering the virtual corners of rounded cards), TL->TR made a long side. When the
MRZ locator sees an MRZ in the photo, quads that do not hold it are penalised, the page is turned so
that the MRZ is at the bottom, and its line count sets the kind.

Example:
    >>> det = DocumentDetector().detect(cv2.imread("photo.jpg"))
    >>> det.found, det.kind, det.quad  # quad: TL, TR, BR, BL in photo pixels
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import cv2
import numpy as np

from .mrz_band import DocumentKind, MrzBand, MrzLocator, shrink

log = logging.getLogger(__name__)

Orientation = Literal["mrz_bottom", "unknown"]

ASPECTS: dict[DocumentKind, float] = {"ID1": 85.6 / 54.0, "TD2_OR_TD3": 125.0 / 88.0}
"""Width / height of each size class (TD2 105x74 mm and TD3 125x88 mm share 1.42)."""
CANONICAL_SIZE: dict[str, tuple[int, int]] = {"ID1": (1012, 638), "TD2_OR_TD3": (1250, 880)}
"""Rectified (width, height) in pixels: ID-1 at 11.8 px/mm, TD2/TD3 at the TD3 size, 10 px/mm."""

_DEFAULT_LOCATOR = MrzLocator()


@dataclass(frozen=True, eq=False)
class DocumentDetection:
    """Where the document is. ``quad``: float32 4x2 (x, y) input pixels, TL, TR, BR, BL, TL->TR long.

    ``orientation == "mrz_bottom"``: the corners are in the document's own frame (MRZ along BL-BR);
    ``"unknown"``: the page may be upside down. ``kind``: ``"ID1"`` for a 3-line MRZ, ``"TD2_OR_TD3"``
    for a 2-line one (TD2 and TD3 pages share their aspect ratio too), else from the aspect ratio.
    ``score`` in [0, 1] was compared with ``threshold``. ``mrz_band``: the MRZ (2+ lines) seen in the photo;
    ``mrz_bands``: every MRZ-like band the locator found in the photo, most plausible first.
    ``rectified``: the page warped to :data:`CANONICAL_SIZE` (made on first use); :meth:`region` warps
    only a part of it, straight from the photo.
    """

    found: bool
    score: float
    threshold: float
    method: str
    quad: np.ndarray | None = None
    kind: DocumentKind | None = None
    orientation: Orientation = "unknown"
    aspect: float = 0.0
    area_fraction: float = 0.0
    candidates: int = 0
    mrz_band: MrzBand | None = None
    mrz_bands: tuple[MrzBand, ...] = ()
    elapsed_ms: float = 0.0
    source: np.ndarray | None = field(default=None, repr=False)  # the image ``quad`` lies in

    @cached_property
    def rectified(self) -> np.ndarray | None:
        """The page (BGR) warped to its canonical size, or None when no document was found."""
        if not self.found or self.quad is None or self.kind is None or self.source is None:
            return None
        return rectify(self.source, self.quad, self.kind)

    @property
    def page_size(self) -> tuple[int, int]:
        """(width, height) of :attr:`rectified`."""
        return CANONICAL_SIZE["ID1" if self.kind == "ID1" else "TD2_OR_TD3"]

    def region(
        self, box: tuple[int, int, int, int], scale: float, *, turned: bool = False
    ) -> np.ndarray | None:
        """Grey uint8 pixels of ``box`` (x0, y0, x1, y1 in :attr:`rectified` pixels) scaled by ``scale``,
        warped in one step from the photo (cheaper than rectifying the whole page). ``turned``: of the
        page turned 180 degrees. None when no document was found."""
        if not self.found or self.quad is None or self.kind is None or self.source is None:
            return None
        w, h = self.page_size
        m = cv2.getPerspectiveTransform(
            np.asarray(self.quad, np.float32), np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        )
        if turned:
            m = np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], np.float64) @ m
        x0, y0, x1, y1 = box
        m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale], [0, 0, 1]], np.float64) @ m
        size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        out = cv2.warpPerspective(self.source, m, size, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        return out if out.ndim == 2 else cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)


class DocumentDetector:
    """Detects one document per image. Build once; ``detect`` is stateless and thread-safe.

    ``threshold``: minimum score in [0, 1] (edge support x shape plausibility) when an MRZ is seen in
    the photo, ``threshold_without_mrz`` otherwise (table tops hold rectangles too: sheets, books).
    ``min_area``, ``max_area``: bounds of the page's share of the frame. ``locator`` finds the MRZ
    (orientation, kind, and a prior on the quad); ``None`` disables that.
    """

    def __init__(
        self,
        *,
        work_side: int = 540,
        threshold: float = 0.6,
        threshold_without_mrz: float = 0.75,
        min_area: float = 0.1,
        max_area: float = 0.97,
        locator: MrzLocator | None = _DEFAULT_LOCATOR,
    ) -> None:
        self.work_side = work_side
        self.threshold = threshold
        self.threshold_without_mrz = threshold_without_mrz
        self.min_area = min_area
        self.max_area = max_area
        self.locator = locator

    def detect(self, bgr: np.ndarray) -> DocumentDetection:
        """Find the document in a BGR uint8 image (grey and BGRA are converted). Never raises for
        "nothing found": ``found=False`` then, with the best candidate's score and method."""
        start = time.perf_counter()
        if bgr.ndim == 2 or bgr.shape[2] != 3:
            bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR if bgr.ndim == 2 else cv2.COLOR_BGRA2BGR)
        result = self._detect(bgr)
        log.debug("document found=%s score=%.3f method=%s", result.found, result.score, result.method)
        return replace(result, elapsed_ms=(time.perf_counter() - start) * 1000)

    def _detect(self, bgr: np.ndarray) -> DocumentDetection:
        if min(bgr.shape[:2]) < 32:
            return DocumentDetection(False, 0.0, self.threshold, "too_small")
        small, scale = shrink(bgr, self.work_side)
        lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab)
        # a median wipes out thin print (text, guilloche) so its edges do not pose as sides, keeps steps
        lab[:, :, 0] = cv2.medianBlur(lab[:, :, 0], 5)
        lab = cv2.GaussianBlur(lab, (0, 0), 1.5)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        bands = [] if self.locator is None else self.locator.locate_in(bgr, grey, scale)
        # a lone line is too weak a clue to steer the page (it may be print on the table)
        band = bands[0] if bands and bands[0].line_count_estimate >= 2 and bands[0].score >= 0.5 else None
        prior, limits = None if band is None else band.box * scale, (self.min_area, self.max_area)
        threshold = self.threshold if band is not None else self.threshold_without_mrz
        edges = cv2.Canny(lab[:, :, 0], 20, 60)
        for ch in (1, 2):
            edges = cv2.bitwise_or(edges, cv2.Canny(lab[:, :, ch], 10, 30))
        evidence = _edge_evidence(lab)
        quads, support, ids = _line_quads(edges, evidence, np.zeros((0, 4)))
        scores, aspects, areas = _score_quads(quads, support, lab.shape[:2], prior, limits)
        if not len(scores) or scores.max() < threshold:  # fallback: add the sides of light blobs
            quads, support, ids = _line_quads(edges, evidence, _blob_sides(lab[:, :, 0], self.min_area))
            scores, aspects, areas = _score_quads(quads, support, lab.shape[:2], prior, limits)
        if not len(scores):
            return DocumentDetection(False, 0.0, threshold, "none", mrz_band=band, mrz_bands=tuple(bands))
        # print inside a page makes straight edges too: prefer a near-best quad that differs from the
        # best by one side only and is larger (e.g. the page's top edge rather than a title's baseline)
        best = int(np.argmax(scores))
        shares = (ids[:, :, None] == ids[best][None, None, :]).any(2).sum(1) >= 3
        best = int(np.argmax(np.where((scores >= 0.9 * scores[best]) & shares, areas, -1.0)))
        result = DocumentDetection(False, float(scores[best]), threshold, "lines", aspect=float(aspects[best]),
                                   area_fraction=float(areas[best]), mrz_band=band, mrz_bands=tuple(bands))  # fmt: skip
        if result.score < threshold:
            return replace(result, candidates=len(quads))
        quad = _long_side_first(order_clockwise(_refine(bgr, quads[best] / scale)))
        kind: DocumentKind = "ID1" if _aspect(quad) > 1.50 else "TD2_OR_TD3"
        orientation: Orientation = "unknown"
        if band is not None and _holds(quad[None], band.box)[0]:
            centre = band.box.mean(0)  # nearer the middle of TL-TR than of BR-BL: upside down
            if np.linalg.norm(centre - quad[:2].mean(0)) < np.linalg.norm(centre - quad[2:].mean(0)):
                quad = np.roll(quad, 2, axis=0)
            orientation = "mrz_bottom"
            kind = "ID1" if band.line_count_estimate >= 3 else "TD2_OR_TD3"
        return replace(result, found=True, quad=quad, kind=kind, source=bgr, orientation=orientation,
                       aspect=float(_aspect(quad)), candidates=len(quads))  # fmt: skip


def _blob_sides(light: np.ndarray, min_area: float) -> np.ndarray:
    """Sides (K, 4: x1 y1 x2 y2) of the min-area rectangles around large blobs of a lightness split, for
    pages whose edges are too soft or broken for Hough (pages are mostly lighter than what they lie on)."""
    mask = cv2.threshold(light, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    blobs = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    rects = [cv2.boxPoints(cv2.minAreaRect(c)) for c in blobs if cv2.contourArea(c) >= min_area * mask.size]
    return np.array([[*r[k], *r[(k + 1) % 4]] for r in rects for k in range(4)], np.float64).reshape(-1, 4)


def order_clockwise(quads: np.ndarray) -> np.ndarray:
    """Corners of a (4, 2) or (N, 4, 2) quad sorted clockwise on screen, from the one nearest the top-left."""
    q = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    ang = np.arctan2(*(q - q.mean(1, keepdims=True)).transpose(2, 0, 1)[::-1])
    q = np.take_along_axis(q, np.argsort(ang, axis=1)[..., None], axis=1)
    idx = (np.arange(4)[None, :] + np.argmin(q.sum(2), axis=1)[:, None]) % 4
    out = np.take_along_axis(q, idx[..., None], axis=1)
    return out if np.ndim(quads) == 3 else out[0]


def _aspect(q: np.ndarray) -> np.ndarray:
    """Long / short side ratio from the sums of opposite sides; (..., 4, 2) -> (...)."""
    s = np.linalg.norm(np.roll(q, -1, axis=-2) - q, axis=-1)
    a, b = s[..., 0] + s[..., 2], s[..., 1] + s[..., 3]
    return np.asarray(np.maximum(a, b) / np.maximum(np.minimum(a, b), 1e-6))


def _score_quads(
    quads: np.ndarray,
    support: np.ndarray,
    hw: tuple[int, int],
    band: np.ndarray | None,
    area: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores in [0, 1], aspect ratios and area fractions of (N, 4, 2) quads (re-ordered clockwise in
    place) with their edge ``support``; implausible shapes score 0. With an MRZ ``band`` (4x2, same
    pixels), quads that do not hold it across 50-100 % of their extent along it lose 40 %."""
    n = len(quads)
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    q = quads[:] = order_clockwise(quads)
    e = np.roll(q, -1, axis=1) - q
    e_next = np.roll(e, -1, axis=1)
    cross = e[:, :, 0] * e_next[:, :, 1] - e[:, :, 1] * e_next[:, :, 0]
    x, y, xn, yn = q[:, :, 0], q[:, :, 1], np.roll(q[:, :, 0], -1, axis=1), np.roll(q[:, :, 1], -1, axis=1)
    areas = 0.5 * np.abs((x * yn - xn * y).sum(1)) / (hw[0] * hw[1])
    lens = np.linalg.norm(e, axis=2) + 1e-6
    cos = np.abs((e * e_next).sum(2)) / (lens * np.roll(lens, -1, axis=1))
    worst = np.degrees(np.arcsin(np.clip(cos.max(1), 0, 1)))  # worst corner's deviation from 90 deg
    aspects = _aspect(q)
    convex = (cross > 0).all(1) | (cross < 0).all(1)
    ok = convex & (areas >= area[0]) & (areas <= area[1]) & (worst < 40)
    # perspective (and hand-held tilt) stretches the apparent aspect ratio a lot: a weak prior only
    dev = np.min([np.abs(np.log(aspects / r)) for r in ASPECTS.values()], axis=0)
    shape = np.maximum(0.5, np.exp(-((dev / 0.3) ** 2))) * np.exp(-((worst / 35) ** 2))
    scores = np.where(ok, support * shape * (0.7 + 0.3 * np.minimum(1.0, areas / 0.4)), 0.0)
    if band is not None:
        u = band[1] - band[0]
        along = q @ (u / (np.linalg.norm(u) + 1e-6))
        ratio = np.linalg.norm(u) / np.maximum(along.max(1) - along.min(1), 1e-6)
        top = np.nonzero(scores > 0.5 * scores.max())[0]  # the others cannot win anyway
        fits = np.zeros(n, bool)
        fits[top] = _holds(q[top], band) & (ratio[top] > 0.5) & (ratio[top] < 1.02)
        scores = scores * np.where(fits, 1.0, 0.6)
    return scores, aspects, areas


def _holds(quads: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Whether each convex (N, 4, 2) quad holds the MRZ ``band`` (4x2) pulled in by 6 % along its lines
    (a band may overrun a little) and pushed out by 10 % of its height across them (a page has a margin)."""
    u, v = band[1] - band[0], band[3] - band[0]
    points = band + np.outer([1, -1, -1, 1], u) * 0.06 + np.outer([-1, -1, 1, 1], v) * 0.1
    e = np.roll(quads, -1, axis=1) - quads
    rel = points[None, None] - quads[:, :, None]  # (N, 4, K, 2)
    dist = e[:, :, None, 0] * rel[..., 1] - e[:, :, None, 1] * rel[..., 0]
    crel = quads.mean(1, keepdims=True) - quads
    inward = np.sign(e[..., 0] * crel[..., 1] - e[..., 1] * crel[..., 0])  # (N, 4)
    return np.asarray((dist * inward[:, :, None] >= 0).all(axis=(1, 2)))


def _edge_evidence(lab: np.ndarray, bins: int = 8, strong: float = 60.0) -> np.ndarray:
    """(bins, H, W) uint8: for sides whose normal points at ``k * 180 / bins`` degrees, the gradient
    component across the side (root sum of squares over L, 2a, 2b: colour steps count as much as light
    steps), 255 at ``strong`` (raised on busy images: 3x the median gradient) or more, max-filtered over
    5x5 px so that sides within +-2 px still count."""
    jxx, jxy, jyy = (np.zeros(lab.shape[:2], np.float32) for _ in range(3))
    for c in range(3):
        gx = cv2.Sobel(lab[:, :, c], cv2.CV_32F, 1, 0, ksize=3, scale=1.0 if c == 0 else 2.0)
        gy = cv2.Sobel(lab[:, :, c], cv2.CV_32F, 0, 1, ksize=3, scale=1.0 if c == 0 else 2.0)
        jxx += gx * gx
        jxy += gx * gy
        jyy += gy * gy
    out = np.empty((bins, *lab.shape[:2]), np.uint8)
    kernel = np.ones((5, 5), np.uint8)
    strong = max(strong, 3.0 * float(np.median(cv2.sqrt(jxx + jyy)[::4, ::4])))
    for k in range(bins):
        nx, ny = np.cos(np.pi * k / bins), np.sin(np.pi * k / bins)
        across = cv2.scaleAdd(jxy, 2 * nx * ny, cv2.addWeighted(jxx, nx * nx, jyy, ny * ny, 0))
        out[k] = cv2.dilate(cv2.convertScaleAbs(cv2.sqrt(np.maximum(across, 0)), alpha=255 / strong), kernel)
    return out


def _evidence_at(evidence: np.ndarray, pts: np.ndarray, normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge evidence in [0, 1] at points (..., 2) for sides with unit normals broadcastable to them,
    and whether each point is in the image."""
    bins, h, w = evidence.shape
    k = np.rint(np.arctan2(normal[..., 1], normal[..., 0]) % np.pi / (np.pi / bins)).astype(np.int64) % bins
    x, y = np.rint(pts[..., 0]).astype(np.int64), np.rint(pts[..., 1]).astype(np.int64)
    inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    k = np.broadcast_to(k, inside.shape)
    return evidence[k, np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)] * inside / 255.0, inside


def _line_quads(
    edges: np.ndarray, evidence: np.ndarray, extra: np.ndarray, max_lines: int = 48
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quads bounded by two pairs of near-parallel straight lines, (N, 4, 2), merged from Hough segments
    and ``extra`` ones (K, 4: x1 y1 x2 y2); their edge support, read from running sums of each line's
    edge evidence (cheap for thousands of quads); and the ids of their four lines (N, 4)."""
    h, w = edges.shape
    empty = np.zeros((0, 4, 2), np.float32), np.zeros(0), np.zeros((0, 4), np.int64)
    hough = cv2.HoughLinesP(edges, 1, np.pi / 360, 50, minLineLength=0.1 * max(h, w), maxLineGap=8)
    segs = np.concatenate([np.zeros((0, 4)) if hough is None else hough[:, 0], extra]).astype(np.float64)
    if not len(segs):
        return empty
    lengths = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
    theta_s = np.arctan2(segs[:, 3] - segs[:, 1], segs[:, 2] - segs[:, 0]) % np.pi
    lines = np.zeros((0, 3))  # theta (direction, mod pi), rho (along the normal), support (px)
    for i in np.argsort(-lengths):  # longest first; a segment joins a line it lies on (3 deg, 5 px)
        x1, y1, x2, y2 = segs[i]
        nx, ny = -np.sin(lines[:, 0]), np.cos(lines[:, 0])
        off = np.maximum(np.abs(nx * x1 + ny * y1 - lines[:, 1]), np.abs(nx * x2 + ny * y2 - lines[:, 1]))
        match = np.nonzero((np.abs(_signed_diff(theta_s[i], lines[:, 0])) < np.radians(3)) & (off < 5))[0]
        if len(match):
            lines[match[0], 2] += lengths[i]
        else:
            rho = -np.sin(theta_s[i]) * x1 + np.cos(theta_s[i]) * y1
            lines = np.vstack([lines, [theta_s[i], rho, lengths[i]]])
    lines = lines[np.argsort(-lines[:, 2])]  # strongest first, at most 12 per 15-degree direction bucket
    bucket = (np.degrees(lines[:, 0]) // 15).astype(int)
    lines = lines[[int(np.sum(bucket[:k] == bucket[k])) < 12 for k in range(len(lines))]][:max_lines]
    theta, rho = lines[:, 0], lines[:, 1]
    direction = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    nrm = np.stack([-np.sin(theta), np.cos(theta)], axis=1)
    det = nrm[:, None, 0] * nrm[None, :, 1] - nrm[:, None, 1] * nrm[None, :, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        cx = (rho[:, None] * nrm[None, :, 1] - rho[None, :] * nrm[:, None, 1]) / det
        cy = (nrm[:, None, 0] * rho[None, :] - nrm[None, :, 0] * rho[:, None]) / det
    diff = np.abs(_signed_diff(theta[:, None], theta[None, :]))
    i, j = np.nonzero(np.triu(diff < np.radians(25), 1))
    if len(i) < 2:
        return empty
    mean_dir = theta[i] + _signed_diff(theta[j], theta[i]) / 2
    pa, pb = np.triu_indices(len(i), 1)
    keep = np.abs(_signed_diff(mean_dir[pa], mean_dir[pb])) > np.radians(50)
    a, b, c, d = i[pa[keep]], j[pa[keep]], i[pb[keep]], j[pb[keep]]
    # corners a^c, c^b, b^d, d^a; the side on line a runs between its crossings with d and c, etc.
    quads = np.stack(
        [np.stack([cx[u, v], cy[u, v]], axis=-1) for u, v in ((a, c), (c, b), (b, d), (d, a))], 1
    )
    near = np.all(np.isfinite(quads), axis=(1, 2))
    near &= np.all((quads > -0.25 * np.array([w, h])) & (quads < 1.25 * np.array([w, h])), axis=(1, 2))
    quads, a, b, c, d = quads[near], a[near], b[near], c[near], d[near]
    if not len(quads):
        return empty
    half = int(np.hypot(h, w)) + 2
    hit_sum, in_sum = _line_profiles(evidence, rho[:, None] * nrm, direction, nrm, half)
    sides, inside_total, length_total = [], np.zeros(len(quads)), np.zeros(len(quads))
    for line, p, q_ in ((a, quads[:, 3], quads[:, 0]), (c, quads[:, 0], quads[:, 1]),
                        (b, quads[:, 1], quads[:, 2]), (d, quads[:, 2], quads[:, 3])):  # fmt: skip
        origin = rho[line, None] * nrm[line]
        s1, s2 = ((p - origin) * direction[line]).sum(1), ((q_ - origin) * direction[line]).sum(1)
        lo, hi = np.minimum(s1, s2), np.maximum(s1, s2)
        i1 = np.clip(np.rint(lo + 0.08 * (hi - lo) + half), 0, 2 * half).astype(np.int64)
        i2 = np.clip(np.rint(hi - 0.08 * (hi - lo) + half), 0, 2 * half).astype(np.int64)
        hits, inside = hit_sum[line, i2] - hit_sum[line, i1], in_sum[line, i2] - in_sum[line, i1]
        length = np.maximum(i2 - i1, 1)
        sides.append(np.where(inside > length / 4, hits / np.maximum(inside, 1), 1.0))  # off-frame: no say
        inside_total += inside
        length_total += length
    per_side = np.stack(sides, axis=1)
    support = 0.5 * per_side.mean(1) + 0.5 * per_side.min(1)
    ids = np.stack([a, c, b, d], axis=1)
    return quads.astype(np.float32), np.where(inside_total / length_total >= 0.6, support, 0.0), ids


def _line_profiles(
    evidence: np.ndarray, origin: np.ndarray, direction: np.ndarray, normal: np.ndarray, half: int
) -> tuple[np.ndarray, np.ndarray]:
    """Running sums along each line (1 px steps from -half to +half around ``origin``) of the edge
    evidence and of the in-image indicator; both (L, 2 * half + 2)."""
    s = np.arange(-half, half + 1, dtype=np.float32)
    base = origin[:, None, :] + s[None, :, None] * direction[:, None, :]  # (L, S, 2)
    hits, inside = _evidence_at(evidence, base, normal[:, None, :])
    zero = np.zeros((len(base), 1))
    return np.concatenate([zero, np.cumsum(hits, 1)], 1), np.concatenate([zero, np.cumsum(inside, 1)], 1)


def _signed_diff(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Difference of line directions (mod pi), in [-pi/2, pi/2)."""
    return np.asarray((np.asarray(a) - b + np.pi / 2) % np.pi - np.pi / 2)


def _refine(bgr: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Re-fit each side to the strongest colour step across it at full resolution; intersect the lines."""
    q = order_clockwise(quad)
    h, w = bgr.shape[:2]
    reach = max(4.0, 0.012 * max(h, w))
    offs = np.arange(-reach, reach + 1, dtype=np.float32)
    t = np.linspace(0.1, 0.9, 48, dtype=np.float32)[:, None]
    lines = []
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        d = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
        normal = np.array([-d[1], d[0]], np.float32)
        base = a + (b - a) * t
        pts = base[:, None, :] + offs[None, :, None] * normal
        prof = cv2.remap(bgr, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        prof = cv2.GaussianBlur(prof.astype(np.float32), (3, 3), 0)
        grad = np.abs(prof[:, 2:] - prof[:, :-2]).sum(-1)
        ok = (pts[:, 1:-1, 0] >= 0) & (pts[:, 1:-1, 0] < w) & (pts[:, 1:-1, 1] >= 0) & (pts[:, 1:-1, 1] < h)
        grad = np.where(ok, grad, 0)
        k = grad.argmax(1)
        strong = grad[np.arange(len(k)), k] > 3 * np.median(grad, axis=1) + 6
        if strong.sum() < 8:
            lines.append((a, d))
            continue
        edge_pts = base[strong] + offs[k[strong] + 1, None] * normal
        vx, vy, x0, y0 = cv2.fitLine(edge_pts.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float32), np.array([vx, vy], np.float32)))
    hom = [np.cross([*p, 1.0], [*(p + d), 1.0]) for p, d in lines]  # homogeneous lines, then crossings
    corners = np.array([np.cross(hom[i - 1], hom[i]) for i in range(4)])
    if np.abs(corners[:, 2]).min() < 1e-9:
        return q
    out = (corners[:, :2] / corners[:, 2:]).astype(np.float32)
    return q if np.abs(out - q).max() > 3 * reach else out


def _long_side_first(q: np.ndarray) -> np.ndarray:
    """Rotate the corner order so that TL->TR is a long side, keeping TL near the image's top-left."""
    s = np.linalg.norm(np.roll(q, -1, axis=0) - q, axis=1)
    if s[0] + s[2] >= s[1] + s[3]:
        return q
    return min((np.roll(q, -1, axis=0), np.roll(q, 1, axis=0)), key=lambda o: float(o[0].sum()))


def rectify(bgr: np.ndarray, quad: np.ndarray, kind: DocumentKind) -> np.ndarray:
    """Warp the document inside ``quad`` (TL, TR, BR, BL) to its canonical size (:data:`CANONICAL_SIZE`)."""
    w, h = CANONICAL_SIZE["ID1" if kind == "ID1" else "TD2_OR_TD3"]
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(np.asarray(quad, np.float32), dst)
    return cv2.warpPerspective(bgr, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
