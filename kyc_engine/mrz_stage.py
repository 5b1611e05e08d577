"""The MRZ stage: find the document in a photo, read its machine-readable zone, validate and repair it.

Built once by the engine (``MrzStage(detector, recognizer, ...)``); ``read`` returns an :class:`MrzReport`
whose evidence carries the parse, the reasons, the quality metrics and per-step timings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import cv2
import numpy as np

from .detect.document import DocumentDetection, DocumentDetector
from .detect.mrz_band import bottom_box, tighten
from .imageio import LoadedImage, downscale
from .mrz.countries import COUNTRY_CODES
from .mrz.national import apply_national_format
from .mrz.ocrline import OcrLine
from .mrz.parse import MrzResult, empty_result, parse_mrz
from .mrz.repair import DOCUMENT_KINDS, decode_mrz
from .ocr.mrz_ocr import MrzRecognizer
from .quality import QualityThresholds, assess_image, assess_region, document_cut_off
from .reasons import Reason, ReasonCode

FIELD_NAMES = (
    "document_code", "issuing_country", "surname", "given_names", "document_number", "nationality",
    "birth_date", "sex", "expiry_date", "optional_data", "optional_data_2",
)  # fmt: skip


#: Each MRZ crop (already cut to its lines and flattened to white, :func:`tighten`) is read as is, then
#: sharpened (blur), then binarised with a local (adaptive) threshold, until one reading is valid.
VARIANTS = ("grey", "sharp", "adaptive")
#: Capital height (px) at which MRZ lines are found in a band (:func:`tighten` then scales them for OCR).
BAND_CHAR_HEIGHT = 34.0
#: At most this many OCR readings per photo: a photo without a readable MRZ must not cost seconds.
MAX_READINGS = 8
NAME_FIELDS = ("surname", "given_names")
#: An OCR alternative at least this confident that also satisfies the check digits makes a reading ambiguous.
AMBIGUOUS_ALTERNATIVE = 0.2
#: A valid MRZ is read a second way and compared (:meth:`MrzStage._cross_check`) unless its reading is
#: *settled*: no repair, every character at least ``SETTLED_CONFIDENCE`` sure and no OCR alternative at
#: ``SETTLED_ALTERNATIVE`` or more. Measured on the first readings of 150 generated photos per seed (8-bit
#: model, tight crops): 137 (seed 20261123) and 135 (seed 777) valid, of which 123 and 125 settled, all
#: right; the one wrong valid first reading that was otherwise confident had a length repair. A single
#: misread that keeps every check digit needs a look-alike with the same check value (S/8, G/6, K/<),
#: which the LSTM then lists as an alternative.
SETTLED_CONFIDENCE = 0.95
SETTLED_ALTERNATIVE = 0.05
#: Readings of a photo that count as early: a later valid reading must be confirmed by another one.
EARLY_READINGS = 2


def prepare_crop(grey: np.ndarray, variant: str) -> np.ndarray:
    """The crop as Tesseract should see it for one reading ``variant``."""
    if variant == "adaptive":
        return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 17, 15)
    if variant == "sharp":  # unsharp mask at about a stroke's width: blurred strokes regain their gaps
        return cv2.addWeighted(grey, 2.5, cv2.GaussianBlur(grey, (0, 0), 1.5), -1.5, 0)
    return grey


@dataclass(frozen=True)
class MrzReport:
    """Everything ``kyc mrz`` reports: the parse, the reasons, the quality evidence, the timings."""

    result: MrzResult | None
    reasons: tuple[Reason, ...]
    quality: dict[str, Any]
    document: dict[str, Any]
    timings_ms: dict[str, float]
    elapsed_ms: float
    attempts: int = 0

    @property
    def valid(self) -> bool:
        return self.result is not None and self.result.valid

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``kyc mrz --json`` (schema in the README)."""
        if self.result is not None:
            out = self.result.to_dict()
        else:
            out = {
                "lines": [],
                "valid": False,
                "doc_type": None,
                "format": None,
                "fields": dict.fromkeys(FIELD_NAMES),
                "checks": {},
                "repairs": [],
            }
        quality = dict(self.quality)
        for key in ("name_confidence", "name_truncated"):
            if key in out:
                quality[key] = out.pop(key)
        out["quality"] = quality
        out["reasons"] = [r.to_dict() for r in self.reasons]
        out["reason"] = None if self.valid or not self.reasons else str(self.reasons[0].code)
        out["document"] = self.document
        out["timings_ms"] = {k: round(v, 1) for k, v in self.timings_ms.items()}
        out["elapsed_ms"] = round(self.elapsed_ms, 1)
        return out


@dataclass
class _Timer:
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + (now - since) * 1000
        return now


class MrzStage:
    """Document detection + MRZ band crops + Tesseract OCR-B reading + check-digit-guided decoding."""

    def __init__(
        self,
        document_detector: DocumentDetector,
        mrz_recognizer: MrzRecognizer,
        *,
        quality: QualityThresholds,
        work_max_side: int,
        today: Callable[[], date],
    ) -> None:
        self.document_detector = document_detector
        self.mrz_recognizer = mrz_recognizer
        self.quality_thresholds = quality
        self.work_max_side = work_max_side
        self.today = today

    def read(self, image: LoadedImage) -> MrzReport:
        """Find the document, read its MRZ, validate and repair it. Never raises for business outcomes."""
        start = time.perf_counter()
        timer = _Timer()
        t = start
        bgr, scale = downscale(image.bgr, self.work_max_side)
        quality = assess_image(bgr, self.quality_thresholds)
        t = timer.add("quality", t)
        detection = self.document_detector.detect(bgr)
        t = timer.add("document", t)
        reasons: list[Reason] = list(quality.reasons)

        hypotheses: list[list[OcrLine]] = []
        best: MrzResult | None = None
        best_lines: list[OcrLine] = []
        best_crop: np.ndarray | None = None
        best_readings: dict[str, MrzResult] = {}
        attempts = 0
        mrz_crop_box: Any = None
        best_attempt = 0
        for source, crop, box in self._mrz_crops(bgr, detection, timer):
            readings: dict[str, MrzResult] = {}
            for variant in VARIANTS:
                if attempts >= MAX_READINGS:
                    break
                attempts += 1
                result, lines = self._read_crop(crop, variant, timer)
                readings[variant] = result
                if not lines:
                    continue
                hypotheses.append(lines)
                if result.format is not None and (best is None or _better(result, best)):
                    best, best_lines, best_crop, mrz_crop_box = result, lines, crop, (source, box, variant)
                    best_readings, best_attempt = readings, attempts
                if result.valid:
                    break
            if best is not None and best.valid:
                break
        combined = False
        if best is not None and not best.valid and len(hypotheses) > 1:
            t = time.perf_counter()
            best = decode_mrz(hypotheses, today=self.today())
            combined = best.valid
            timer.add("mrz_parse", t)
        if best is not None and best.valid:
            best = self._ambiguity_check(apply_national_format(best, today=self.today()), best_lines)
        if best is not None and best.valid and best_crop is not None:
            # A settled reading among the first few stands alone; another early one is compared with a
            # second reading. A reading found after many tries, or pieced together from several, may be
            # the one wrong reading in many that the check digits happen to accept (two look-alike errors
            # can cancel out: M/R twice in a document number), so it needs a second valid reading.
            # An early reading in doubt where no check digit looks (a visa's optional data, codes, sex)
            # needs a second valid reading too.
            early = not combined and best_attempt <= EARLY_READINGS
            if not (early and _settled(best, best_lines)):
                confirm = not early or _doubt_unchecked(best, best_lines)
                best = self._cross_check(
                    best, best_readings, mrz_crop_box[2], best_crop, timer, confirm=confirm
                )

        quality_info = quality.to_dict()
        if detection.found and detection.quad is not None:
            cut = document_cut_off(detection.quad, (bgr.shape[1], bgr.shape[0]), margin_px=2)
            if cut is not None:
                reasons.append(cut)
        if mrz_crop_box is not None and mrz_crop_box[1] is not None and mrz_crop_box[0] == "photo":
            glare = assess_region(bgr, mrz_crop_box[1], "mrz", self.quality_thresholds)
            reasons.extend(glare.reasons)
            quality_info["mrz_region"] = glare.metrics
        reasons = self._mrz_reasons(best, reasons)
        document = {
            "found": detection.found,
            "kind": detection.kind,
            "quad": None
            if detection.quad is None
            else (np.asarray(detection.quad) / scale).round(1).tolist(),
            "score": round(float(detection.score), 3),
            "method": detection.method,
            "mrz_source": None if mrz_crop_box is None else mrz_crop_box[0],
        }
        return MrzReport(
            result=best,
            reasons=tuple(reasons),
            quality=quality_info,
            document=document,
            timings_ms=timer.timings,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            attempts=attempts,
        )

    def _read_crop(self, crop: np.ndarray, variant: str, timer: _Timer) -> tuple[MrzResult, list[OcrLine]]:
        t = time.perf_counter()
        lines = self.mrz_recognizer.read(prepare_crop(crop, variant))
        t = timer.add("mrz_ocr", t)
        result = decode_mrz([lines], today=self.today()) if lines else empty_result([], "no text")
        timer.add("mrz_parse", t)
        return result, lines

    def _ambiguity_check(self, best: MrzResult, lines: list[OcrLine]) -> MrzResult:
        """Not valid if an OCR alternative (confidence >= AMBIGUOUS_ALTERNATIVE) at some position would give
        another valid, plausible MRZ (known document kind and country codes) with different non-name
        fields: the check digits cannot tell those readings apart."""
        today = self.today()
        by_text = {line.text: line for line in lines}
        for i, text in enumerate(best.lines):
            ocr = by_text.get(text)  # positions align only where OCR read the line as reported
            if ocr is None or ocr.alternatives is None:
                continue
            for pos, alternatives in enumerate(ocr.alternatives):
                for char, conf in alternatives:
                    if conf < AMBIGUOUS_ALTERNATIVE:
                        continue
                    changed = list(best.lines)
                    changed[i] = text[:pos] + char + text[pos + 1 :]
                    rival = parse_mrz(changed, today=today)
                    if rival.valid and _plausible(rival, best) and _data_differences(best, rival):
                        note = f"line {i} pos {pos}: {text[pos]!r} or {char!r} ({conf:.2f}) both pass the check digits"
                        return replace(best, valid=False, warnings=(*best.warnings, note))
        return best

    def _cross_check(
        self,
        best: MrzResult,
        readings: dict[str, MrzResult],
        used: str,
        crop: np.ndarray,
        timer: _Timer,
        *,
        confirm: bool,
    ) -> MrzResult:
        """Compare a valid MRZ with another valid reading of the same crop: the other variants, in order
        after ``used`` (read now unless the loop already did), until one is valid. Check digits cannot see
        every misreading (S/8, G/6, K/< differ by a multiple of 10 in ICAO values; two errors may cancel
        out) and names have none, so: if the second valid reading disagrees on any field but the names, or
        there is none and ``confirm`` asks for one, the MRZ is not reported valid; if only the name
        differs, the name of the reading with fewer repairs (then the more confident) is kept, marked
        uncertain."""
        start = VARIANTS.index(used)
        other: MrzResult | None = None
        for step in range(1, len(VARIANTS)):
            variant = VARIANTS[(start + step) % len(VARIANTS)]
            reading = readings.get(variant) or self._read_crop(crop, variant, timer)[0]
            if reading.valid:
                other = reading
                break
        if other is None:
            if not confirm:
                return best
            note = "no second reading of the MRZ confirms it"
            return replace(best, valid=False, warnings=(*best.warnings, note))
        if other.fields == best.fields:
            return best
        differing = _data_differences(best, other)
        if differing:
            note = f"two readings of the MRZ disagree on {', '.join(differing)}"
            return replace(best, valid=False, warnings=(*best.warnings, note))
        # the reading that needed fewer repairs (a dropped faint letter costs a length repair) keeps its name
        chosen = min((best, other), key=lambda r: (len(r.repairs), -r.name_confidence))
        return replace(chosen, name_confidence=min(best.name_confidence, other.name_confidence, 0.5))

    def _mrz_crops(
        self, bgr: np.ndarray, detection: DocumentDetection, timer: _Timer
    ) -> Iterator[tuple[str, np.ndarray, Any]]:
        """Crops to OCR, most likely first: the rectified document's bottom band (both ways up), then the
        MRZ-like bands the document detector located in the whole photo."""
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
        bands = [detection.mrz_band] if detection.mrz_band is not None else []
        bands += [b for b in detection.mrz_bands[:3] if b is not detection.mrz_band]
        for band in bands:
            lines = band.line_count_estimate if band.line_count_estimate >= 2 else None
            both = [tighten(c, band.target_char_height, lines) for c in (band.crop, band.crop_flipped)]
            t = timer.add("mrz_locate", t)
            for crop in sorted(both, key=lambda c: -c.score):
                yield "photo", crop.crop, band.box
            t = time.perf_counter()

    @staticmethod
    def _mrz_reasons(result: MrzResult | None, reasons: list[Reason]) -> list[Reason]:
        if result is None:
            return [Reason(ReasonCode.MRZ_NOT_FOUND), *reasons]
        out = list(reasons)
        if not result.valid:
            failed = [k for k, v in result.checks.items() if v == "invalid"]
            code = ReasonCode.MRZ_CHECK_DIGIT if failed else ReasonCode.MRZ_UNREADABLE
            out.insert(0, Reason(code, {"failed_checks": failed, "warnings": list(result.warnings)}))
        elif result.repairs:
            out.append(Reason(ReasonCode.MRZ_REPAIRED, {"repairs": len(result.repairs)}))
        if result.valid and result.name_confidence < 0.8:
            out.append(
                Reason(ReasonCode.MRZ_NAME_UNCERTAIN, {"name_confidence": round(result.name_confidence, 3)})
            )
        return out


def _data_differences(a: MrzResult, b: MrzResult) -> list[str]:
    """Fields other than the names on which two readings differ."""
    return [k for k in a.fields if k not in NAME_FIELDS and a.fields[k] != b.fields.get(k)]


def _plausible(rival: MrzResult, best: MrzResult) -> bool:
    """Whether a rival reading could be a real MRZ as far as ``best`` is: a document code that starts
    with an ICAO document kind, and country codes that exist (where ``best``'s do)."""
    code = rival.fields.get("document_code") or ""
    if code[:1] not in DOCUMENT_KINDS and (best.fields.get("document_code") or "")[:1] in DOCUMENT_KINDS:
        return False
    for key in ("issuing_country", "nationality"):
        if best.fields.get(key) in COUNTRY_CODES and rival.fields.get(key) not in COUNTRY_CODES:
            return False
    return True


def _doubt_unchecked(result: MrzResult, lines: list[OcrLine]) -> bool:
    """Whether a reading is in doubt (a character under SETTLED_CONFIDENCE, an alternative at
    SETTLED_ALTERNATIVE or more, or a repair) at a position that no passing check digit covers and that
    is not in the name (names have their own uncertainty flag)."""
    if result.format is None:
        return True
    layout = result.format.layout
    covered = set(layout.name_field.span.positions())
    for spec in layout.checks:
        if result.checks.get(spec.name) == "valid":
            covered.update(pos for span in (*spec.data, spec.digit) for pos in span.positions())
    by_text = {line.text: line for line in lines}
    by_length = {len(line.text): line for line in lines}
    for i, text in enumerate(result.lines):
        ocr = by_text.get(text) or by_length.get(len(text))
        if ocr is None or ocr.confidences is None or ocr.alternatives is None:
            return True  # the reported line is not what OCR read: no evidence per position
        for pos, ch in enumerate(text):
            if (i, pos) in covered:
                continue
            if ocr.text[pos] != ch or ocr.confidences[pos] < SETTLED_CONFIDENCE:
                return True
            if any(conf >= SETTLED_ALTERNATIVE for _, conf in ocr.alternatives[pos]):
                return True
    return False


def _settled(result: MrzResult, lines: list[OcrLine]) -> bool:
    """Whether a valid reading needs no second reading: no repair, and every character of the lines it
    was parsed from read with confidence >= SETTLED_CONFIDENCE and no alternative >= SETTLED_ALTERNATIVE."""
    if result.repairs:
        return False
    by_text = {line.text: line for line in lines}
    for text in result.lines:
        ocr = by_text.get(text)
        if ocr is None or ocr.alternatives is None or ocr.confidences is None:
            return False
        if min(ocr.confidences, default=0.0) < SETTLED_CONFIDENCE:
            return False
        if any(conf >= SETTLED_ALTERNATIVE for alts in ocr.alternatives for _, conf in alts):
            return False
    return True


def _better(a: MrzResult, b: MrzResult) -> bool:
    """Prefer a valid parse, then fewer failed checks, then fewer repairs."""

    def key(r: MrzResult) -> tuple[int, int, int]:
        failed = sum(1 for v in r.checks.values() if v == "invalid")
        return (int(r.valid), -failed, -len(r.repairs))

    return key(a) > key(b)
