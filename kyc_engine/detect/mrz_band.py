"""Locate the machine-readable zone (2-3 long parallel OCR-B lines) in any image, at any rotation.

Dark strokes are isolated with a black-hat filter once; then, for each of a few trial rotations, the
stroke mask is turned so that lines near that direction lie horizontal, characters are joined into
line blobs with a horizontal closing, and long thin blobs are kept. Parallel blobs of similar length,
aligned ends and regular spacing are grouped into bands, scored, de-duplicated across rotations, and
each band is cut out of the full-resolution image, deskewed to horizontal and scaled for OCR.

Example:
    >>> bands = MrzLocator().locate(cv2.imread("photo.jpg"))
    >>> ocr(bands[0].crop) or ocr(bands[0].crop_flipped)  # which way up is unknown before OCR
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import cv2
import numpy as np

DocumentKind = Literal["ID1", "TD2", "TD3", "TD2_OR_TD3"]
"""Size classes: ID-1 card (TD1 MRZ), TD2 card, TD3 passport page; TD2 and TD3 share one aspect ratio."""

BOTTOM_SHARE: dict[str, float] = {"ID1": 0.34, "TD2": 0.22, "TD3": 0.20, "TD2_OR_TD3": 0.22}
"""Share of a rectified page's height, from the bottom edge, that holds the MRZ with a margin."""
MRZ_CHAR_MM = 2.4  # OCR-B capital height on ICAO documents
PAGE_WIDTH_MM = {"ID1": 85.6, "TD2": 105.0, "TD3": 125.0, "TD2_OR_TD3": 125.0}


@dataclass(frozen=True, eq=False)
class MrzBand:
    """One MRZ-like band. ``box``: float32 4x2 corners (input pixels) along the text: start and end of
    the first line, end and start of the last line, as the band reads in ``crop``. ``angle_deg``:
    direction of the lines, degrees counter-clockwise on screen from the x axis, in (-90, 90]; the text
    may read either way. ``crop`` (cut on first use): grey uint8, lines horizontal, with a margin,
    capitals about the locator's ``char_height`` px tall; ``crop_flipped`` is ``crop`` turned 180 deg.
    """

    box: np.ndarray
    angle_deg: float
    line_count_estimate: int
    score: float
    char_height: float  # estimated MRZ capital height in input pixels
    source: np.ndarray = field(repr=False)  # the input image the crop is cut from
    target_char_height: float = field(default=34.0, repr=False)

    @cached_property
    def crop(self) -> np.ndarray:
        c, u, n = self.box.mean(0), self.box[1] - self.box[0], self.box[3] - self.box[0]
        length, height = float(np.linalg.norm(u)), float(np.linalg.norm(n))
        return _deskew(self.source, c, u / length, length, height, self.char_height, self.target_char_height)

    @cached_property
    def crop_flipped(self) -> np.ndarray:
        return np.ascontiguousarray(self.crop[::-1, ::-1])


@dataclass(frozen=True)
class _Line:
    centre: np.ndarray  # small-image pixels
    u: np.ndarray  # unit vector along the line, u[0] >= 0
    length: float
    thick: float
    density: float  # share of the blob that is ink
    gaps: float  # share of the blob's columns without ink: ~0.3 for print, 0 for a ruled line


class MrzLocator:
    """Finds MRZ bands. Build once; ``locate`` is stateless and thread-safe.

    ``work_side``: longest side analysed (px); ``angles``: trial rotations (deg) whose closing tolerates
    about +-17 deg each, so the default six cover every direction; ``char_height``: capital height of
    the returned crops (px); ``min_score``: bands scoring below are dropped.
    """

    def __init__(
        self,
        *,
        work_side: int = 540,
        angles: tuple[float, ...] = (0.0, 30.0, 60.0, 90.0, 120.0, 150.0),
        char_height: float = 34.0,
        min_score: float = 0.2,
        max_bands: int = 3,
        refine: bool = True,
    ) -> None:
        self.work_side = work_side
        self.angles = angles
        self.char_height = char_height
        self.min_score = min_score
        self.max_bands = max_bands
        self.refine = refine

    def locate(self, image: np.ndarray) -> list[MrzBand]:
        """MRZ bands in a BGR (or grey) uint8 image, most plausible first; empty when none."""
        if min(image.shape[:2]) < 16:
            return []
        small, scale = shrink(image, self.work_side)
        return self.locate_in(
            image, small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), scale
        )

    def locate_in(self, image: np.ndarray, small_grey: np.ndarray, scale: float) -> list[MrzBand]:
        """:meth:`locate` for a caller that already holds ``small_grey``, ``image`` shrunk by ``scale``."""
        mask = _stroke_mask(small_grey)
        found: list[tuple[float, list[_Line]]] = []
        for angle in self.angles:
            found.extend(_group(_lines_at(mask, angle)))
        # Second pass at the exact direction of the best bands: lines then lie flat and never touch.
        for _, group in _distinct(
            sorted(found, key=lambda f: -f[0]), self.max_bands if self.refine else 0, 0.0
        ):
            u = group[0].u
            centre = np.mean([ln.centre for ln in group], axis=0)
            size = (
                int(1.3 * max(ln.length for ln in group)) + 40,
                int(10 * max(ln.thick for ln in group)) + 40,
            )
            found.extend(_group(_lines_at(mask, float(np.degrees(np.arctan2(-u[1], u[0]))), centre, size)))
        kept = _distinct(sorted(found, key=lambda f: -f[0]), self.max_bands, self.min_score)
        return [self._band(image, scale, score, group) for score, group in kept]

    def _band(self, image: np.ndarray, s: float, score: float, group: list[_Line]) -> MrzBand:
        u = group[0].u
        n = np.array([-u[1], u[0]])
        along = [float(ln.centre @ u) for ln in group]
        lo = min(a - ln.length / 2 for a, ln in zip(along, group, strict=True))  # union of the lines
        hi = max(a + ln.length / 2 for a, ln in zip(along, group, strict=True))
        perp = [float(ln.centre @ n) for ln in group]
        thick = float(np.median([ln.thick for ln in group]))
        top, bottom = min(perp) - thick / 2, max(perp) + thick / 2
        box = np.array([u * a + n * b for a, b in ((lo, top), (hi, top), (hi, bottom), (lo, bottom))]) / s
        char_h = thick / s / 1.15  # blobs are a little taller than the capitals (blur, density window)
        angle = float(np.degrees(np.arctan2(-u[1], u[0])))
        angle = angle - 180 if angle > 90 else angle
        band = MrzBand(box.astype(np.float32), angle, len(group), score, char_h, image, self.char_height)
        if len(group) == 1:  # one blob may be 2-3 merged lines: count them in the crop
            band = replace(band, line_count_estimate=_count_lines(band.crop, self.char_height))
        return band


def shrink(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """``image`` scaled down so its longest side is at most ``side`` px, and the scale. Halvings use
    INTER_AREA's fast 2x path, the last step INTER_LINEAR (a factor above 0.5 hardly aliases)."""
    scale = min(1.0, side / max(image.shape[:2]))
    small, done = image, 1.0
    while scale / done <= 0.5:
        small = cv2.resize(small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_AREA)
        done = small.shape[1] / image.shape[1]
    if scale / done < 0.99:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        small = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    return small, small.shape[1] / image.shape[1]


def _stroke_mask(small: np.ndarray) -> np.ndarray:
    """Dark thin strokes: black-hat with a square kernel, Otsu threshold with a floor."""
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    thr, _ = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, mask = cv2.threshold(blackhat, max(thr, 20.0), 255, cv2.THRESH_BINARY)
    return mask


def _lines_at(
    mask: np.ndarray, angle: float, centre: np.ndarray | None = None, size: tuple[int, int] = (0, 0)
) -> list[_Line]:
    """Long thin text-line blobs whose direction is within ~17 deg of ``angle`` (deg CCW on screen),
    in the whole mask or in a window of ``size`` (along, across the lines) px around ``centre``."""
    h, w = mask.shape
    rot: np.ndarray
    if centre is None and angle % 90 == 0:  # exact quarter turns (clockwise) need no interpolation
        quarter = int(angle // 90) % 4
        turned = np.ascontiguousarray(np.rot90(mask, -quarter))
        rot = np.array([[[1, 0, 0], [0, 1, 0]], [[0, -1, h - 1], [1, 0, 0]], [[-1, 0, w - 1], [0, -1, h - 1]],
                        [[0, 1, 0], [-1, 0, w - 1]]][quarter], np.float64)  # fmt: skip
    else:
        pivot = (w / 2, h / 2) if centre is None else (float(centre[0]), float(centre[1]))
        rot = cv2.getRotationMatrix2D(pivot, -angle, 1.0)  # turns lines at `angle` horizontal
        if centre is None:
            cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
            size = (int(w * cos + h * sin) + 2, int(w * sin + h * cos) + 2)
        rot[:, 2] += np.array([size[0] / 2 - pivot[0], size[1] / 2 - pivot[1]])
        turned = cv2.warpAffine(mask, rot, size, flags=cv2.INTER_NEAREST)
    # horizontal ink density over ~2-5 character pitches joins the characters of a line at any size
    closed = cv2.threshold(cv2.blur(turned, (25, 5)), 40, 255, cv2.THRESH_BINARY)[1]
    closed = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((1, 15), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    inv = cv2.invertAffineTransform(rot)
    min_len = 0.1 * max(h, w)
    out: list[_Line] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if bw < min_len or bw < 2 * bh:
            continue
        rect = cv2.minAreaRect(contour)
        length, thick = max(rect[1]), max(1.0, min(rect[1]))
        if length < 8 * thick or thick < 2.5:
            continue
        blob = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(blob, [contour], -1, (255,), -1, offset=(-x, -y))
        inked = cv2.bitwise_and(blob, turned[y : y + bh, x : x + bw])
        ink = cv2.countNonZero(inked) / max(cv2.countNonZero(blob), 1)
        gaps = 1.0 - float(np.count_nonzero(inked.max(0))) / max(float(np.count_nonzero(blob.max(0))), 1.0)
        pts = cv2.boxPoints(rect) @ inv[:, :2].T + inv[:, 2]
        edges = np.roll(pts, -1, axis=0) - pts
        u = edges[int(np.argmax(np.linalg.norm(edges, axis=1)))]
        u = u / np.linalg.norm(u)
        u = -u if u[0] < 0 or (u[0] == 0 and u[1] > 0) else u
        out.append(_Line(pts.mean(0), u, float(length), float(thick), float(ink), gaps))
    return _join_collinear(out)


def _join_collinear(lines: list[_Line]) -> list[_Line]:
    """Merge pieces of one text line, split where its characters are sparse (e.g. "ILL")."""
    lines = list(lines)
    i = 0
    while i < len(lines):
        for j in range(i + 1, len(lines)):
            joined = _join(lines[i], lines[j])
            if joined is not None:
                lines[i] = joined
                del lines[j]
                break
        else:
            i += 1
    return lines


def _join(a: _Line, b: _Line) -> _Line | None:
    d = b.centre - a.centre
    along = float(d @ a.u)
    across = abs(float(d @ np.array([-a.u[1], a.u[0]])))
    thick = max(a.thick, b.thick)
    gap = abs(along) - (a.length + b.length) / 2
    if across > 0.4 * thick or gap > 5 * thick or abs(_cross(a.u, b.u)) > 0.05:
        return None
    lo, hi = min(-a.length / 2, along - b.length / 2), max(a.length / 2, along + b.length / 2)
    total = a.length + b.length
    dens, gaps = (
        (a.density * a.length + b.density * b.length) / total,
        (a.gaps * a.length + b.gaps * b.length) / total,
    )
    thick = (a.thick * a.length + b.thick * b.length) / total
    u = a.u if a.length >= b.length else b.u
    return _Line(a.centre + a.u * (lo + hi) / 2, u, hi - lo, thick, dens, gaps)


def _group(lines: list[_Line]) -> list[tuple[float, list[_Line]]]:
    """Chains of parallel, equally long, end-aligned, regularly spaced lines, each with its score."""
    if not lines:
        return []
    ux, uy = float(lines[0].u[0]), float(lines[0].u[1])
    pos = {
        id(ln): (
            float(ln.centre[0]) * ux + float(ln.centre[1]) * uy,
            -float(ln.centre[0]) * uy + float(ln.centre[1]) * ux,
        )
        for ln in lines
    }
    order = sorted(lines, key=lambda ln: pos[id(ln)][1])
    out: list[tuple[float, list[_Line]]] = []
    for i, first in enumerate(order):
        chain = [first]
        for nxt in order[i + 1 :]:
            last = chain[-1]
            (a0, p0), (a1, p1) = pos[id(last)], pos[id(nxt)]
            t = (last.thick + nxt.thick) / 2
            if p1 - p0 > 3.2 * t:
                break
            if (
                abs(float(last.u[0] * nxt.u[1] - last.u[1] * nxt.u[0])) < 0.07
                and 0.8 * t < p1 - p0
                and abs(a1 - a0) < 0.12 * max(last.length, nxt.length)
                and 0.75 < nxt.length / last.length < 1.33
            ):
                chain.append(nxt)
                if len(chain) == 3:
                    break
        spacing = (pos[id(chain[-1])][1] - pos[id(chain[0])][1]) / max(len(chain) - 1, 1)
        out.append((_score(chain, spacing), chain))
    return out


def _score(chain: list[_Line], spacing: float) -> float:
    """Plausibility in [0, 1]: line count, elongation, long lines for their spacing (which rejects the
    diagonal "lines" that stacked chevrons form), ink density, gaps between characters (which rejects
    ruled lines), equal lengths and thicknesses."""
    lengths = [ln.length for ln in chain]
    thick = [ln.thick for ln in chain]
    mean_len, mean_thick = sum(lengths) / len(chain), sum(thick) / len(chain)
    elong = sorted(a / b for a, b in zip(lengths, thick, strict=True))[len(chain) // 2]
    s = {1: 0.45, 2: 0.85, 3: 1.0}[len(chain)] * min(1.0, max(0.1, (elong - 8) / 12))
    if len(chain) > 1:
        s *= min(1.0, max(0.05, (mean_len / max(spacing, 1e-6) - 6) / 8))
    dens = sorted(ln.density for ln in chain)[len(chain) // 2]
    s *= 1.0 if 0.15 <= dens <= 0.75 else 0.4
    s *= 1.0 if min(ln.gaps for ln in chain) >= 0.08 else 0.2  # a ruled line or a bar, not print
    cv_len = math.sqrt(sum((x - mean_len) ** 2 for x in lengths) / len(chain)) / mean_len
    cv_thick = math.sqrt(sum((x - mean_thick) ** 2 for x in thick) / len(chain)) / mean_thick
    return s * math.exp(-4 * (max(0.0, cv_len - 0.04) + max(0.0, cv_thick - 0.1)))


def _same_band(a: list[_Line], b: list[_Line]) -> bool:
    ca, cb = np.mean([ln.centre for ln in a], 0), np.mean([ln.centre for ln in b], 0)
    reach = max(max(ln.thick for ln in a) * 2.5, 0.25 * max(ln.length for ln in a))
    return float(np.linalg.norm(ca - cb)) < reach and abs(_cross(a[0].u, b[0].u)) < 0.35


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _distinct(
    ranked: list[tuple[float, list[_Line]]], limit: int, min_score: float
) -> list[tuple[float, list[_Line]]]:
    """The best-first groups scoring at least ``min_score``, skipping those overlapping a better one."""
    kept: list[tuple[float, list[_Line]]] = []
    for score, group in ranked:
        if len(kept) == limit or score < min_score:
            break
        if not any(_same_band(group, k[1]) for k in kept):
            kept.append((score, group))
    return kept


def _deskew(
    source: np.ndarray,
    centre: np.ndarray,
    u: np.ndarray,
    length: float,
    height: float,
    char_h: float,
    target: float,
) -> np.ndarray:
    """Cut the band (centre, direction ``u``) out of ``source`` as grey, lines horizontal, capitals
    ~``target`` px tall, with a margin of about one capital height."""
    k = float(np.clip(target / max(char_h, 1.0), 0.3, 4.0))
    kw = max(k, 0.7)  # shrink strongly only after warping, with INTER_AREA, against aliasing
    size = (round((length + 2.5 * char_h) * kw), round((height + 1.6 * char_h) * kw))
    n = np.array([-u[1], u[0]])
    # affine map from crop pixels to input pixels: (x, y) -> centre + (x - W/2)/kw u + (y - H/2)/kw n
    m = np.column_stack([u / kw, n / kw, centre - (size[0] / 2) * u / kw - (size[1] / 2) * n / kw])
    crop = cv2.warpAffine(
        source, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if kw > k:
        crop = cv2.resize(
            crop, (round(size[0] * k / kw), round(size[1] * k / kw)), interpolation=cv2.INTER_AREA
        )
    return crop


def _count_lines(crop: np.ndarray, char_h: float) -> int:
    """Text lines in a horizontal crop from its row profile of dark pixels (1 when unclear)."""
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    prof = cv2.blur(ink.sum(1).astype(np.float32).reshape(-1, 1), (1, max(3, int(char_h / 4)))).ravel()
    on = prof > 0.35 * prof.max()
    runs = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    starts, ends = np.nonzero(runs == 1)[0], np.nonzero(runs == -1)[0]
    count = int(((ends - starts) > 0.4 * char_h).sum())
    return max(1, min(count, 3))


def crop_bottom_band(
    rectified: np.ndarray, kind: DocumentKind | None, char_height: float = 34.0
) -> np.ndarray:
    """:func:`bottom_lines`' crop."""
    return bottom_lines(rectified, kind, char_height).crop


def bottom_lines(
    rectified: np.ndarray,
    kind: DocumentKind | None,
    char_height: float = 34.0,
    *,
    lines: int | None = None,
) -> TightCrop:
    """The bottom strip of an upright rectified page, where the MRZ sits, as grey uint8 for OCR.

    The strip is :func:`bottom_box` of the page, scaled so the MRZ capitals are about ``char_height`` px
    tall, then cut down to its last ``lines`` text lines (2 or 3, whichever looks more like an MRZ, when
    ``None``) by :func:`tighten`: visual-zone lines above the MRZ, page edges and what lies beyond them
    are left out (OCR reads them as stray glyphs).
    """
    grey = rectified if rectified.ndim == 2 else cv2.cvtColor(rectified, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    (x0, y0, x1, y1), k = bottom_box(kind, (w, h), char_height)
    band = grey[y0:y1, x0:x1]
    if abs(k - 1) >= 0.05:
        interp = cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
        band = cv2.resize(band, (round(band.shape[1] * k), round(band.shape[0] * k)), interpolation=interp)
    return tighten(np.ascontiguousarray(band), char_height, lines)


def bottom_box(
    kind: DocumentKind | None, page_size: tuple[int, int], char_height: float = 34.0
) -> tuple[tuple[int, int, int, int], float]:
    """Where the MRZ sits on an upright page of ``page_size`` (width, height) px: the box (x0, y0, x1,
    y1) of the bottom :data:`BOTTOM_SHARE` of the height for ``kind`` (the TD2/TD3 share when ``None``),
    inset by 1 % from the left, right and bottom edges; and the scale that makes its MRZ capitals
    ``char_height`` px tall."""
    key = kind or "TD2_OR_TD3"
    w, h = page_size
    box = (int(w * 0.01), int(h * (1 - BOTTOM_SHARE[key])), int(w * 0.99), int(h * 0.99))
    return box, float(np.clip(char_height / (MRZ_CHAR_MM * w / PAGE_WIDTH_MM[key]), 0.3, 4.0))


@dataclass(frozen=True)
class TightCrop:
    """An MRZ crop cut down to its text lines. ``crop``: grey uint8, background flattened to white, with
    a white margin; ``rows``: (top, bottom) of each text line found, in the input's rows; ``score`` in
    [0, 1]: how much the found lines look like an MRZ (long, full, evenly spaced; 0 when none)."""

    crop: np.ndarray
    rows: tuple[tuple[int, int], ...]
    score: float


def flatten(grey: np.ndarray, char_height: float) -> np.ndarray:
    """Dark print on an even white background: divide by the page's lightness (a closing wider than a
    character removes the print), then stretch so the darkest 1 % is black. Shadows, glare gradients
    and tint otherwise make Tesseract's layout analysis drop or split MRZ lines."""
    side = int(1.2 * char_height) | 1
    background = cv2.morphologyEx(
        grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    )
    flat = cv2.divide(grey, background, scale=255)
    lo = float(np.percentile(flat[::2, ::2], 1))
    return cv2.convertScaleAbs(flat, alpha=255 / max(250 - lo, 1), beta=-lo * 255 / max(250 - lo, 1))


#: Capital height (px) of the crops handed to Tesseract. The ``mrz`` model scales each line to its own
#: input height anyway; on 148 generated photos 17 px read as well as 34 px (136 vs 133 MRZs right in
#: one reading) in 75-80 % of the CPU time.
OCR_CHAR_HEIGHT = 17.0


def tighten(
    grey: np.ndarray, char_height: float, lines: int | None = None, out_char_height: float = OCR_CHAR_HEIGHT
) -> TightCrop:
    """Cut a horizontal MRZ crop (capitals ~``char_height`` px) down to its last ``lines`` text lines
    (2 or 3 when ``None``: those that look most like an MRZ), found in the row profile of the print,
    and to the print's extent along them; flattened (:func:`flatten`), padded white and scaled to
    capitals of ``out_char_height`` px. When no line is found the whole crop is returned, flattened
    and scaled, with ``score`` 0."""
    flat = flatten(grey, char_height)
    ink = (flat < 128).astype(np.uint8)
    h, w = ink.shape
    profile = cv2.blur(
        ink.sum(1).astype(np.float32).reshape(-1, 1), (1, max(3, int(char_height / 6)))
    ).ravel()
    on = profile > 0.2 * w * 0.25  # a text line inks about a quarter of its rows' pixels
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    runs = [
        (int(a), int(b)) for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0], strict=True)
    ]
    runs = [(a, b) for a, b in runs if 0.5 * char_height <= b - a <= 1.8 * char_height]
    extents = [_extent(ink[a:b], char_height) for a, b in runs]
    full = [(r, e) for r, e in zip(runs, extents, strict=True) if e[1] - e[0] >= 0.5 * w]
    pad = round(0.6 * char_height)
    best: tuple[float, list[tuple[tuple[int, int], tuple[int, int]]]] = (0.0, [])
    for n in (lines,) if lines else (3, 2):
        for i in range(len(full) - n, -1, -1):  # bottom-most first: the MRZ ends the page
            group = full[i : i + n]
            score = _lines_score(group, char_height, w)
            if score > best[0]:
                best = (score, group)
    k = out_char_height / char_height
    if not best[1]:
        whole = cv2.copyMakeBorder(flat, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255,))
        return TightCrop(_scaled(whole, k), (), 0.0)
    group = best[1]
    top, bottom = max(0, group[0][0][0] - pad), min(h, group[-1][0][1] + pad)
    left, right = max(0, min(e[0] for _, e in group) - pad), min(w, max(e[1] for _, e in group) + pad)
    crop = cv2.copyMakeBorder(
        flat[top:bottom, left:right], pad // 2, pad // 2, pad, pad, cv2.BORDER_CONSTANT, value=(255,)
    )
    return TightCrop(_scaled(crop, k), tuple(r for r, _ in group), best[0])


def _scaled(image: np.ndarray, k: float) -> np.ndarray:
    if abs(k - 1) < 0.05:
        return image
    size = (max(1, round(image.shape[1] * k)), max(1, round(image.shape[0] * k)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)


def _extent(ink: np.ndarray, char_height: float) -> tuple[int, int]:
    """Columns (start, end) of the widest run of print in a text line's rows, bridging gaps of up to
    1.5 capital heights (MRZ characters sit about one capital height apart and fillers leave no gaps)."""
    cols = np.flatnonzero(ink.sum(0) >= max(1, ink.shape[0] // 8))
    if not len(cols):
        return (0, 0)
    breaks = np.flatnonzero(np.diff(cols) > 1.5 * char_height)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(cols) - 1]])
    k = int(np.argmax(cols[ends] - cols[starts]))
    return int(cols[starts[k]]), int(cols[ends[k]]) + 1


def _lines_score(
    group: list[tuple[tuple[int, int], tuple[int, int]]], char_height: float, width: int
) -> float:
    """How much consecutive text lines look like an MRZ: equally long, end-aligned, evenly and closely
    spaced, spanning the crop."""
    if len(group) < 2:
        return 0.0
    centres = [(a + b) / 2 for (a, b), _ in group]
    gaps = np.diff(centres)
    if gaps.max() > 3.0 * char_height or gaps.min() < 1.1 * char_height:
        return 0.0
    lengths = [e[1] - e[0] for _, e in group]
    even = float(gaps.min() / gaps.max())
    equal = min(lengths) / max(lengths)
    span = max(lengths) / width
    return float(np.clip(even * equal * min(1.0, span / 0.8) * (1.0 if len(group) == 3 else 0.9), 0.0, 1.0))
