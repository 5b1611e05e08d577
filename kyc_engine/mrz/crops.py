"""Where the MRZ of a photo may be: the crops :class:`kyc_engine.mrz_stage.MrzStage` reads, most likely
first, and the untrimmed strips its second chances (:mod:`.recover`) work on.

Sources: the bottom band of the rectified document (both ways up when the way is unknown) and the
MRZ-like bands the document detector's locator found in the whole photo. A TD1 zone read as two lines
(:func:`~.judge.td1_partial`) is looked for again as TD1: the page as an ID-1 card, and each two-line
band grown by a line both ways (:func:`grown`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..detect.document import DocumentDetection
from ..detect.mrz_band import MrzBand, bottom_box, tighten
from .judge import td1_partial
from .ocrline import OcrLine
from .recover import Strip

#: Capital height (px) at which MRZ lines are found in a band (:func:`tighten` then scales them for OCR).
BAND_CHAR_HEIGHT = 34.0


@dataclass
class StageTimer:
    """Milliseconds spent per step of one photo's reading (``timings``, summed over calls)."""

    timings: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, since: float) -> float:
        """Add the time since ``since`` (a ``time.perf_counter()``) to ``stage``; returns now."""
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + (now - since) * 1000
        return now


def mrz_crops(
    bgr: np.ndarray,
    detection: DocumentDetection,
    timer: StageTimer,
    hypotheses: list[list[OcrLine]] | None = None,
) -> Iterator[tuple[str, np.ndarray, Any]]:
    """Crops to OCR as (source, tight crop, band box or None), most likely first: the rectified
    document's bottom band (both ways up), then the MRZ-like bands the document detector located in the
    whole photo. When those were read without a valid MRZ and OCR found two lines of TD1 length but never
    three (``hypotheses``: what was read so far; the caller appends while it iterates), the crops again
    as TD1 (source ``td1_retry``): the page as an ID-1 card and each band grown by a line both ways."""
    yield from first_crops(bgr, detection, timer)
    if hypotheses is None or not td1_partial(hypotheses):
        return
    t = time.perf_counter()
    retry: list[tuple[bool, float, np.ndarray, Any]] = []  # (from the page, score, crop, box)
    for from_page, strip, height, box in _td1_sources(detection):
        tight = tighten(strip, height, 3)
        retry.append((from_page, tight.score, tight.crop, box))
    timer.add("mrz_locate", t)
    for _, score, crop, box in sorted(retry, key=lambda r: (not r[0], -r[1])):
        if score > 0:
            yield "td1_retry", crop, box


def first_crops(
    bgr: np.ndarray, detection: DocumentDetection, timer: StageTimer
) -> Iterator[tuple[str, np.ndarray, Any]]:
    """The document's bottom band (source ``document_bottom``), then each located band (``photo``)."""
    t = time.perf_counter()
    if detection.found and detection.quad is not None:
        turns = (False,) if detection.orientation == "mrz_bottom" else (False, True)
        lines = None if detection.orientation != "mrz_bottom" else 3 if detection.kind == "ID1" else 2
        box, scale = bottom_box(detection.kind, detection.page_size, BAND_CHAR_HEIGHT)
        crops = []
        for turned in turns:
            strip = detection.region(box, scale, turned=turned)
            if strip is not None:
                crops.append(tighten(strip, BAND_CHAR_HEIGHT, lines))
        t = timer.add("mrz_locate", t)
        # way up unknown: the turn whose bottom lines look more like an MRZ first
        for crop in sorted(crops, key=lambda c: -c.score):
            yield "document_bottom", crop.crop, None
        t = time.perf_counter()
    # every band the detector's locator found in the photo, its chosen one first, none read twice
    for band in bands(detection):
        lines = band.line_count_estimate if band.line_count_estimate >= 2 else None
        both = [tighten(c, band.target_char_height, lines) for c in (band.crop, band.crop_flipped)]
        t = timer.add("mrz_locate", t)
        for crop in sorted(both, key=lambda c: -c.score):
            yield "photo", crop.crop, band.box
        t = time.perf_counter()


def page_strips(detection: DocumentDetection, *, td1: bool = False) -> list[Strip]:
    """The untrimmed MRZ strips of the page's bottom (both ways up when the way is unknown), with the
    number of lines expected (None: 2 or 3) and their capital height. ``td1`` (a TD1 zone read as two
    lines): first the page's bottom as an ID-1 card's and the locator's two-line bands grown by a line
    both ways (:func:`grown`), all expected to hold three lines: glare that fades a TD1 line also hides
    it from the locator and the page detector."""
    out: list[Strip] = [(strip, 3, height) for _, strip, height, _ in _td1_sources(detection)] if td1 else []
    if detection.found and detection.quad is not None:
        box, scale = bottom_box(detection.kind, detection.page_size, BAND_CHAR_HEIGHT)
        lines = None if detection.orientation != "mrz_bottom" else 3 if detection.kind == "ID1" else 2
        for turned in (False,) if detection.orientation == "mrz_bottom" else (False, True):
            strip = detection.region(box, scale, turned=turned)
            if strip is not None:
                out.append((strip, lines, BAND_CHAR_HEIGHT))
    return out


def _td1_sources(detection: DocumentDetection) -> list[tuple[bool, np.ndarray, float, Any]]:
    """Untrimmed places of a TD1 zone read as two lines: (from the page, grey strip, capital height,
    band box or None); the page's bottom as an ID-1 card's (unless it was read as one already), then
    each located band of fewer than three lines grown by a line both ways."""
    out: list[tuple[bool, np.ndarray, float, Any]] = []
    if detection.found and not (detection.kind == "ID1" and detection.orientation == "mrz_bottom"):
        card = replace(detection, kind="ID1")
        box, scale = bottom_box("ID1", card.page_size, BAND_CHAR_HEIGHT)
        for turned in (False,) if detection.orientation == "mrz_bottom" else (False, True):
            strip = card.region(box, scale, turned=turned)
            if strip is not None:
                out.append((True, strip, BAND_CHAR_HEIGHT, None))
    for band in bands(detection):
        if band.line_count_estimate >= 3:
            continue
        bigger = grown(band)
        out += [(False, c, band.target_char_height, bigger.box) for c in (bigger.crop, bigger.crop_flipped)]
    return out


def bands(detection: DocumentDetection) -> list[MrzBand]:
    """The bands the detector's locator found in the photo, its chosen one first, none twice."""
    found = [detection.mrz_band] if detection.mrz_band is not None else []
    return found + [b for b in detection.mrz_bands[:3] if b is not detection.mrz_band]


def grown(band: MrzBand) -> MrzBand:
    """``band`` grown across its lines by one line pitch on each side (a TD1 line the locator missed)."""
    box = np.asarray(band.box, np.float64)
    across = box[3] - box[0]
    height = float(np.linalg.norm(across))
    pitch = max(height - band.char_height, band.char_height) / max(band.line_count_estimate - 1, 1)
    shift = across / max(height, 1e-6) * 1.1 * pitch
    bigger = np.array([box[0] - shift, box[1] - shift, box[2] + shift, box[3] + shift], np.float32)
    return replace(band, box=bigger, line_count_estimate=3)
