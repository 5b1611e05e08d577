"""The MRZ stage: find the document in a photo, read its machine-readable zone, validate and repair it.

Built once by the engine (``MrzStage(detector, recognizer, ...)``); ``read`` returns an :class:`MrzReport`
whose evidence carries the parse, the reasons, the quality metrics and per-step timings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import cv2
import numpy as np

from .detect.document import DocumentDetection, DocumentDetector
from .imageio import LoadedImage, downscale
from .mrz.consensus import confirms
from .mrz.crops import StageTimer, mrz_crops, page_strips
from .mrz.judge import better as _better
from .mrz.judge import data_differences as _data_differences
from .mrz.judge import doubt_unchecked as _doubt_unchecked
from .mrz.judge import plausible as _plausible
from .mrz.judge import settled as _settled
from .mrz.judge import td1_partial as _td1_partial
from .mrz.national import apply_national_format
from .mrz.ocrline import OcrLine
from .mrz.parse import MrzResult, empty_result, parse_mrz
from .mrz.recover import (
    RECOVERY_MS,
    RECOVERY_READINGS,
    agreed,
    recovery_crops,
    trim_repairs,
    trim_to_length,
    unsharp,
)
from .mrz.repair import decode_mrz
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
#: At most this many OCR readings per photo: a photo without a readable MRZ must not cost seconds.
MAX_READINGS = 8
#: An OCR alternative at least this confident that also satisfies the check digits makes a reading ambiguous.
AMBIGUOUS_ALTERNATIVE = 0.2
#: Extra readings allowed for the TD1 retry crops (:func:`~.mrz.crops.mrz_crops`).
TD1_RETRY_READINGS = 4
#: Readings of a photo that count as early: a later valid reading must be confirmed by another one.
EARLY_READINGS = 2


def prepare_crop(grey: np.ndarray, variant: str) -> np.ndarray:
    """The crop as Tesseract should see it for one reading ``variant``."""
    if variant == "adaptive":
        return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 17, 15)
    if variant == "sharp":
        return unsharp(grey)
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


_Timer = StageTimer  # the name the stage's methods and their tests use


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
        best_raw: dict[str, list[OcrLine]] = {}
        attempts = 0
        mrz_crop_box: Any = None
        best_attempt = 0
        budget = MAX_READINGS
        for source, crop, box in mrz_crops(bgr, detection, timer, hypotheses):
            readings: dict[str, MrzResult] = {}
            raw: dict[str, list[OcrLine]] = {}
            variants: tuple[str, ...] = VARIANTS
            if source == "td1_retry":  # one reading per retry crop: which way up is not known
                budget, variants = MAX_READINGS + TD1_RETRY_READINGS, VARIANTS[:1]
            for variant in variants:
                if attempts >= budget:
                    break
                attempts += 1
                result, lines = self._read_crop(crop, variant, timer)
                readings[variant], raw[variant] = result, lines
                if not lines:
                    continue
                hypotheses.append(lines)
                if result.format is not None and (best is None or _better(result, best)):
                    best, best_lines, best_crop, mrz_crop_box = result, lines, crop, (source, box, variant)
                    best_readings, best_raw, best_attempt = readings, raw, attempts
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
        if best is None or not best.valid:  # second chances, only after every normal reading failed
            recovered = self._recover(detection, best_crop, timer, td1=_td1_partial(hypotheses))
            if recovered is not None:
                best, best_lines, best_crop = recovered[0], recovered[1], None
                mrz_crop_box = ("recovered", None, "grey")
        if best is not None and best.valid:
            best = apply_national_format(best, today=self.today())
            checked = self._ambiguity_check(best, best_lines)
            if not checked.valid and best_crop is not None:
                used = mrz_crop_box[2]
                checked = self._second_look(best, checked, used, best_readings, best_raw, best_crop, timer)
            best = checked
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
                    best, best_readings, mrz_crop_box[2], best_crop, timer, confirm=confirm, raw=best_raw
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

    def _recover(
        self, detection: DocumentDetection, crop: np.ndarray | None, timer: _Timer, *, td1: bool = False
    ) -> tuple[MrzResult, list[OcrLine]] | None:
        """A valid MRZ from the second-chance crops (:func:`recovery_crops`: glare evened out, motion
        blur undone), at most :data:`RECOVERY_READINGS` readings and about :data:`RECOVERY_MS`; a valid
        reading counts only when a second one agrees (:func:`agreed`). ``None`` when none does.
        ``td1``: OCR found two lines of TD1 length but never three, so the strips are taken as TD1 too
        (:func:`~.mrz.crops.page_strips`)."""
        start = time.perf_counter()
        readings: list[tuple[MrzResult, list[OcrLine]]] = []
        strips = page_strips(detection, td1=td1)
        for kind, image in recovery_crops(strips, crop):
            t = timer.add("mrz_recover", start) if not readings else time.perf_counter()
            lines = self.mrz_recognizer.read(image)
            t = timer.add("mrz_ocr", t)
            trimmed, dropped = trim_to_length(lines)
            result = decode_mrz([trimmed], today=self.today()) if trimmed else empty_result([], "no text")
            result = replace(trim_repairs(result, trimmed, dropped), warnings=(*result.warnings, kind))
            timer.add("mrz_parse", t)
            readings.append((result, trimmed))
            found = agreed(readings)
            if found is not None:
                return found
            if len(readings) >= RECOVERY_READINGS or (time.perf_counter() - start) * 1000 > RECOVERY_MS:
                break
        return None

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

    def _second_look(
        self,
        best: MrzResult,
        ambiguous: MrzResult,
        used: str,
        readings: dict[str, MrzResult],
        raw: dict[str, list[OcrLine]],
        crop: np.ndarray,
        timer: _Timer,
    ) -> MrzResult:
        """``best`` after all when another variant of its crop reads the very same lines and passes the
        ambiguity check itself; else ``ambiguous`` (``best`` marked invalid by :meth:`_ambiguity_check`).

        An OCR alternative that keeps every check digit (F for M in the sex, a letter of a visa's optional
        data) may be a glimpse of the true character or noise of one reading; a second reading of the
        crop prepared another way that reads every character the same with no such alternative left
        tells noise apart. Not the same as a vote: the second reading must agree on every character."""
        for variant in VARIANTS:
            if variant == used:
                continue
            lines = raw.get(variant)
            if lines is None:
                readings[variant], lines = self._read_crop(crop, variant, timer)
                raw[variant] = lines
            other = readings[variant]
            if not other.valid or other.lines != best.lines:
                continue
            texts = [line.text for line in lines]
            if any(text not in texts for text in best.lines):
                continue  # positions must align for the alternatives to be compared
            if self._ambiguity_check(apply_national_format(other, today=self.today()), lines).valid:
                note = f"OCR alternatives resolved by the {variant} reading"
                return replace(best, warnings=(*best.warnings, note))
        return ambiguous

    def _cross_check(
        self,
        best: MrzResult,
        readings: dict[str, MrzResult],
        used: str,
        crop: np.ndarray,
        timer: _Timer,
        *,
        confirm: bool,
        raw: dict[str, list[OcrLine]] | None = None,
    ) -> MrzResult:
        """Compare a valid MRZ with another valid reading of the same crop: the other variants, in order
        after ``used`` (read now unless the loop already did), until one is valid. Check digits cannot see
        every misreading (S/8, G/6, K/< differ by a multiple of 10 in ICAO values; two errors may cancel
        out) and names have none, so: if the second valid reading disagrees on any field but the names, or
        there is none and ``confirm`` asks for one, the MRZ is not reported valid; if only the name
        differs, the name of the reading with fewer repairs (then the more confident) is kept, marked
        uncertain. A reading that fails only because OCR added a stray glyph (``raw``: the OCR lines of
        each variant) confirms when it reads every reported character the same (:func:`confirms`)."""
        start = VARIANTS.index(used)
        other: MrzResult | None = None
        raw = dict(raw or {})
        for step in range(1, len(VARIANTS)):
            variant = VARIANTS[(start + step) % len(VARIANTS)]
            reading = readings.get(variant)
            if reading is None:
                reading, raw[variant] = self._read_crop(crop, variant, timer)
            if reading.valid:
                other = reading
                break
        if other is None:
            if not confirm:
                return best
            if any(confirms(best.lines, lines) for v, lines in raw.items() if v != used and lines):
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
