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
from .detect.mrz_band import crop_bottom_band
from .imageio import LoadedImage, downscale
from .mrz.national import apply_national_format
from .mrz.ocrline import OcrLine
from .mrz.parse import MrzResult, empty_result, parse_mrz
from .mrz.repair import decode_mrz
from .ocr.mrz_ocr import MrzRecognizer
from .quality import QualityThresholds, assess_image, assess_region, document_cut_off
from .reasons import Reason, ReasonCode

FIELD_NAMES = (
    "document_code", "issuing_country", "surname", "given_names", "document_number", "nationality",
    "birth_date", "sex", "expiry_date", "optional_data", "optional_data_2",
)  # fmt: skip


#: Each MRZ crop is read as is, then binarised with a local (adaptive) threshold, which on the generated
#: benchmark photos rescued 7 of 12 crops the plain reading missed (uneven light, blur, glare).
VARIANTS = ("grey", "adaptive")
#: Every valid MRZ is read a second way and compared (Tesseract's own confidence was 1.0 on wrong readings).
NAME_FIELDS = ("surname", "given_names")
#: An OCR alternative at least this confident that also satisfies the check digits makes a reading ambiguous.
AMBIGUOUS_ALTERNATIVE = 0.2


def prepare_crop(grey: np.ndarray, variant: str) -> np.ndarray:
    """The crop as Tesseract should see it for one reading ``variant``."""
    if variant == "adaptive":
        return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15)
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
        for source, crop, box in self._mrz_crops(bgr, detection, timer):
            readings: dict[str, MrzResult] = {}
            for variant in VARIANTS:
                attempts += 1
                result, lines = self._read_crop(crop, variant, timer)
                readings[variant] = result
                if not lines:
                    continue
                hypotheses.append(lines)
                if result.format is not None and (best is None or _better(result, best)):
                    best, best_lines, best_crop, mrz_crop_box = result, lines, crop, (source, box, variant)
                    best_readings = readings
                if result.valid:
                    break
            if best is not None and best.valid:
                break
        if best is not None and not best.valid and len(hypotheses) > 1:
            t = time.perf_counter()
            best = decode_mrz(hypotheses, today=self.today())
            timer.add("mrz_parse", t)
        if best is not None and best.valid:
            best = self._ambiguity_check(apply_national_format(best, today=self.today()), best_lines)
        if best is not None and best.valid and best_crop is not None:
            best = self._cross_check(best, best_readings, mrz_crop_box[2], best_crop, timer)

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
        another valid MRZ with different non-name fields: the check digits cannot tell those readings apart."""
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
                    if rival.valid and _data_differences(best, rival):
                        note = f"line {i} pos {pos}: {text[pos]!r} or {char!r} ({conf:.2f}) both pass the check digits"
                        return replace(best, valid=False, warnings=(*best.warnings, note))
        return best

    def _cross_check(
        self, best: MrzResult, readings: dict[str, MrzResult], used: str, crop: np.ndarray, timer: _Timer
    ) -> MrzResult:
        """Compare a valid MRZ with the other reading variant of the same crop (read now unless the loop
        already did). Check digits cannot see every misreading (S/8, G/6, K/< differ by a multiple of 10 in
        ICAO values) and names have none, so: if the two valid readings disagree on any other field the MRZ
        is not reported valid; if only the name differs, the more confident name is kept, marked uncertain."""
        other_variant = next(v for v in VARIANTS if v != used)
        other = readings.get(other_variant) or self._read_crop(crop, other_variant, timer)[0]
        if not other.valid or other.fields == best.fields:
            return best
        differing = _data_differences(best, other)
        if differing:
            note = f"two readings of the MRZ disagree on {', '.join(differing)}"
            return replace(best, valid=False, warnings=(*best.warnings, note))
        chosen = other if other.name_confidence > best.name_confidence else best
        return replace(chosen, name_confidence=min(best.name_confidence, other.name_confidence, 0.5))

    def _mrz_crops(
        self, bgr: np.ndarray, detection: DocumentDetection, timer: _Timer
    ) -> Iterator[tuple[str, np.ndarray, Any]]:
        """Crops to OCR, most likely first: the rectified document's bottom band (both ways up), then the
        MRZ-like bands the document detector located in the whole photo."""
        t = time.perf_counter()
        if detection.found and detection.rectified is not None:
            rect = detection.rectified
            turns = (
                (rect,)
                if detection.orientation == "mrz_bottom"
                else (rect, np.ascontiguousarray(rect[::-1, ::-1]))
            )
            for upright in turns:
                bottom = crop_bottom_band(upright, detection.kind)
                t = timer.add("mrz_locate", t)
                yield "document_bottom", bottom, None
                t = time.perf_counter()
        # every band the detector's locator found in the photo, its chosen one first, none read twice
        bands = [detection.mrz_band] if detection.mrz_band is not None else []
        bands += [b for b in detection.mrz_bands[:3] if b is not detection.mrz_band]
        for band in bands:
            yield "photo", band.crop, band.box
            yield "photo", band.crop_flipped, band.box

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


def _better(a: MrzResult, b: MrzResult) -> bool:
    """Prefer a valid parse, then fewer failed checks, then fewer repairs."""

    def key(r: MrzResult) -> tuple[int, int, int]:
        failed = sum(1 for v in r.checks.values() if v == "invalid")
        return (int(r.valid), -failed, -len(r.repairs))

    return key(a) > key(b)
