"""Judging MRZ readings: which is better, whether one is settled, in doubt where no check digit looks,
a plausible rival, or a TD1 zone read as two lines. Used by :class:`kyc_engine.mrz_stage.MrzStage`."""

from __future__ import annotations

from .countries import COUNTRY_CODES
from .ocrline import OcrLine
from .parse import MrzResult
from .repair import DOCUMENT_KINDS

NAME_FIELDS = ("surname", "given_names")
#: A valid MRZ is read a second way and compared (:meth:`MrzStage._cross_check`) unless its reading is
#: *settled*: no repair, every character at least ``SETTLED_CONFIDENCE`` sure and no OCR alternative at
#: ``SETTLED_ALTERNATIVE`` or more. Measured on the first readings of 150 generated photos per seed (8-bit
#: model, tight crops): 137 (seed 20261123) and 135 (seed 777) valid, of which 123 and 125 settled, all
#: right; the one wrong valid first reading that was otherwise confident had a length repair. A single
#: misread that keeps every check digit needs a look-alike with the same check value (S/8, G/6, K/<),
#: which the LSTM then lists as an alternative.
SETTLED_CONFIDENCE = 0.95
SETTLED_ALTERNATIVE = 0.05


def td1_partial(hypotheses: list[list[OcrLine]]) -> bool:
    """Whether some reading held two lines of TD1 length (30 +- 2) and none held three."""
    counts = [sum(1 for ln in h if abs(len(ln.text.replace(" ", "")) - 30) <= 2) for h in hypotheses]
    return bool(counts) and max(counts) == 2


def data_differences(a: MrzResult, b: MrzResult) -> list[str]:
    """Fields other than the names on which two readings differ."""
    return [k for k in a.fields if k not in NAME_FIELDS and a.fields[k] != b.fields.get(k)]


def plausible(rival: MrzResult, best: MrzResult) -> bool:
    """Whether a rival reading could be a real MRZ as far as ``best`` is: a document code that starts
    with an ICAO document kind, and country codes that exist (where ``best``'s do)."""
    code = rival.fields.get("document_code") or ""
    if code[:1] not in DOCUMENT_KINDS and (best.fields.get("document_code") or "")[:1] in DOCUMENT_KINDS:
        return False
    for key in ("issuing_country", "nationality"):
        if best.fields.get(key) in COUNTRY_CODES and rival.fields.get(key) not in COUNTRY_CODES:
            return False
    return True


def doubt_unchecked(result: MrzResult, lines: list[OcrLine]) -> bool:
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


def settled(result: MrzResult, lines: list[OcrLine]) -> bool:
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


def better(a: MrzResult, b: MrzResult) -> bool:
    """Prefer a valid parse, then fewer failed checks, then fewer repairs."""

    def key(r: MrzResult) -> tuple[int, int, int]:
        failed = sum(1 for v in r.checks.values() if v == "invalid")
        return (int(r.valid), -failed, -len(r.repairs))

    return key(a) > key(b)
