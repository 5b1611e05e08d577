"""Visual-zone (VIZ) OCR: the printed fields of a document's front, read from the rectified page.

Layout-driven: the MRZ says the format and the issuing state, which choose a template from
``kyc_engine/data/viz_layouts.toml`` (data, not code); each field's value line is found inside its
template cell (the ink profile places it, so a page a few pixels off still reads), cut out and read by
an in-process Tesseract (tesserocr) in the template's language for names, or ``eng`` with a character
whitelist for dates and numbers. Without a template, or when the template reads none of the key fields,
a label-anchored fallback OCRs the field area once and takes the text line under each known label.

The MRZ and the VIZ are read separately, each with its own crop and language (Latin and Cyrillic packs on
one page corrupt the MRZ: ``../shared/notes/offline-stack.md``).

Example::

    reader = VizReader(Path("/usr/share/tesseract-ocr/5/tessdata"))        # once
    result = reader.read(page_bgr, LayoutHint(format="TD1", issuing_country="KAZ"))
    result.fields["surname"].value, result.fields["birth_date"].value       # 'ЖҰМАБЕКОВ', '2002-04-12'
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

import cv2
import numpy as np
import tesserocr
from PIL import Image

from .viz_labels import anchored_values
from .viz_layouts import LayoutHint, VizLayout, VizLayouts, default_layouts

log = logging.getLogger(__name__)

__all__ = ["LayoutHint", "VizField", "VizReader", "VizResult"]

Box = tuple[int, int, int, int]
Method = Literal["template", "labels", "none"]

#: How each field is read and cleaned: names in the layout's language, the rest with ``eng`` and a whitelist.
FIELD_KIND: Final = {
    "surname": "name", "given_names": "name", "patronymic": "name",
    "birth_date": "date", "expiry_date": "date",
    "sex": "sex", "document_number": "number", "personal_number": "number", "nationality": "code",
}  # fmt: skip
_WHITELIST: Final = {
    "date": "0123456789.",
    "sex": "MFX",
    "number": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "code": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}
#: Fields whose absence means the template did not fit the page or the page is upside down (names are no
#: evidence: upside-down text reads as letters too).
KEY_FIELDS: Final = ("birth_date", "expiry_date", "document_number")
#: Value lines are scaled so that their capitals are about this tall for Tesseract (px).
CAP_HEIGHT: Final = 22.0
#: Fields read from a template (the nationality is in the MRZ and not compared, so it is not read).
READ_FIELDS: Final = ("surname", "given_names", "patronymic", "birth_date", "sex", "document_number",
                      "expiry_date", "personal_number")  # fmt: skip
_DATE = re.compile(r"(\d{2})\.?(\d{2})\.?(\d{4})")


@dataclass(frozen=True)
class VizField:
    """One printed field: ``value`` cleaned (dates ISO, names in the printed script), ``confidence``
    0..1 (Tesseract's mean word confidence; lowered when the value does not have its field's form),
    ``box`` (x0, y0, x1, y1) in rectified-page pixels, ``raw`` the OCR text, ``latin`` the Latin
    half of a bilingual name (``ЖҰМАБЕКОВ / ZHUMABEKOV``)."""

    value: str
    confidence: float
    box: Box
    raw: str
    valid: bool = True
    latin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "confidence": round(self.confidence, 3),
                               "box": list(self.box), "valid": self.valid}  # fmt: skip
        if self.latin:
            out["latin"] = self.latin
        return out


@dataclass(frozen=True)
class VizResult:
    """What the VIZ reader found; ``fields`` is empty when nothing was read (``notes`` say why)."""

    layout: str | None
    method: Method
    fields: dict[str, VizField]
    turned: bool = False
    notes: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    def value(self, name: str, min_confidence: float = 0.0) -> str | None:
        """The cleaned value of a field read validly with at least ``min_confidence``, else None."""
        f = self.fields.get(name)
        if f is None or not f.valid or not f.value or f.confidence < min_confidence:
            return None
        return f.value

    def to_dict(self) -> dict[str, Any]:
        """``document.viz`` of ``kyc verify --json``: ``{"layout", "method", "fields": {name: {...}}}``."""
        return {
            "layout": self.layout,
            "method": self.method,
            "turned": self.turned,
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "notes": list(self.notes),
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def empty_result(note: str) -> VizResult:
    """A result with nothing read and the reason why."""
    return VizResult(None, "none", {}, notes=(note,))


#: Rectified page size (width, height) per document kind, as ``detect.document.CANONICAL_SIZE``.
PAGE_SIZE: Final = {"ID1": (1012, 638), "TD2_OR_TD3": (1250, 880)}


def upright_page(
    bgr: np.ndarray,
    quad: Any,
    kind: str,
    *,
    portrait_center: tuple[float, float] | None = None,
) -> tuple[np.ndarray, bool]:
    """The document in ``quad`` (TL, TR, BR, BL, photo pixels) warped to its page size and turned upright;
    returns ``(page, turned)``. Which way up: the portrait is printed on the left of every template, so
    when the face stage found it (``portrait_center``, photo pixels) its side decides; otherwise the
    MRZ's lightened clear zone makes the bottom of the page brighter than the header."""
    w, h = PAGE_SIZE["ID1" if kind == "ID1" else "TD2_OR_TD3"]
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(np.asarray(quad, np.float32).reshape(4, 2), dst)
    page = cv2.warpPerspective(bgr, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if portrait_center is not None:
        x, y, z = m @ np.array([portrait_center[0], portrait_center[1], 1.0])
        inside = z > 0 and 0 <= x / z <= w and 0 <= y / z <= h
        if inside:
            turned = bool(x / z > w / 2)
            return (cv2.rotate(page, cv2.ROTATE_180) if turned else page), turned
    gray = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    turned = bool(mrz_glyphs(gray, top=True) > mrz_glyphs(gray, top=False))
    return (cv2.rotate(page, cv2.ROTATE_180) if turned else page), turned


def mrz_glyphs(gray: np.ndarray, *, top: bool) -> int:
    """Character-sized dark blobs in the top or bottom 27 % of a page: the MRZ holds 72-90 glyphs of
    one height, a header far fewer (a title and a subtitle)."""
    h = gray.shape[0]
    band = gray[: int(0.27 * h)] if top else gray[int(0.73 * h) :]
    dark = cv2.adaptiveThreshold(band, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25)
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    heights, widths = stats[1:n, cv2.CC_STAT_HEIGHT], stats[1:n, cv2.CC_STAT_WIDTH]
    glyph_h = 0.023 * h * 1.6  # OCR-B capitals are about 2.3 % of an ID-1 page's height; TD3 a little less
    ok = (heights >= 0.5 * glyph_h) & (heights <= 1.5 * glyph_h) & (widths >= 2) & (widths <= 1.3 * glyph_h)
    return int(ok.sum())


def _ink(gray: np.ndarray) -> np.ndarray:
    """Pixels clearly darker than their surroundings (printed text over a light, patterned ground)."""
    k = max(15, (min(gray.shape[:2]) // 2) | 1)
    background = cv2.dilate(gray, np.ones((7, 7), np.uint8))
    background = cv2.blur(background, (k, k))
    return (background.astype(np.int16) - gray.astype(np.int16)) > 45


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def value_line(gray: np.ndarray, box: Box, value_px: float) -> tuple[np.ndarray, Box] | None:
    """The value's text line inside ``box`` (page pixels): the row band of ink closest in height to the
    value font, cut to its ink columns with a margin; None when the cell is empty."""
    x0, y0, x1, y1 = box
    h, w = gray.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    window = gray[y0:y1, x0:x1]
    ink = _ink(window)
    profile = ink.sum(axis=1).astype(np.float64)
    bands = [(a, b) for a, b in _runs(profile >= 2) if b - a >= 0.35 * value_px * 0.73]
    if not bands:
        return None
    # the value's capitals are ~0.73 of its size: prefer the band of that height holding the most ink
    target = 0.73 * value_px
    a, b = max(bands, key=lambda r: profile[r[0] : r[1]].sum() / (1 + abs((r[1] - r[0]) - target) / target))
    cols = np.flatnonzero(ink[a:b].any(axis=0))
    if cols.size == 0:
        return None
    # drop isolated specks far right of the text (guilloche crossings): stop at a gap of 2.5 value heights
    gaps = np.flatnonzero(np.diff(cols) > 2.5 * value_px)
    right = cols[gaps[0]] if gaps.size else cols[-1]
    pad = max(4, int(0.4 * (b - a)))
    ca, cb = max(0, a - pad), min(window.shape[0], b + pad)
    cx0, cx1 = max(0, int(cols[0]) - pad), min(window.shape[1], int(right) + pad + 1)
    return window[ca:cb, cx0:cx1], (x0 + cx0, y0 + ca, x0 + cx1, y0 + cb)


def _prepare(crop: np.ndarray, cap_px: float) -> Image.Image:
    scale = CAP_HEIGHT / max(cap_px, 1.0)
    if abs(scale - 1.0) > 0.1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    paper = int(np.percentile(crop, 90))  # a flat margin of the paper's tone (edge replication smears glyphs)
    # Tesseract's line recogniser returns nothing for a lone glyph in a tight box: give it room
    extra = max(0, 3 * crop.shape[0] - crop.shape[1])
    crop = cv2.copyMakeBorder(crop, 12, 12, 12, 12 + extra, cv2.BORDER_CONSTANT, value=(paper,))
    return Image.fromarray(crop)


def clean_value(name: str, raw: str, confidence: float) -> tuple[str, float, bool, str | None]:
    """``(value, confidence, valid, latin)`` of a field from its OCR text."""
    kind = FIELD_KIND.get(name, "text")
    text = " ".join(raw.split())
    if kind == "date":
        m = _DATE.search(text.replace(" ", ""))
        if m is None:
            return text, confidence * 0.5, False, None
        try:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat(), confidence, True, None
        except ValueError:
            return text, confidence * 0.5, False, None
    if kind == "sex":
        letters = [c for c in text.upper() if c in "MFX"]
        return (
            (letters[0], confidence, True, None)
            if len(letters) == 1
            else (text, confidence * 0.5, False, None)
        )
    if kind in ("number", "code"):
        value = re.sub(r"[^0-9A-Z]", "", text.upper())
        ok = len(value) >= (3 if kind == "code" else 5) and not (kind == "number" and "." in text)
        return value, confidence if ok else confidence * 0.5, ok, None
    if kind == "name":
        native, _, latin = text.partition("/")
        native = re.sub(r"[^\w\s'\-]", "", native).strip().upper()
        latin_clean = re.sub(r"[^A-Za-z\s'\-]", "", latin).strip() or None
        ok = sum(c.isalpha() for c in native) >= 2
        return native, confidence if ok else confidence * 0.5, ok, latin_clean
    return text, confidence, bool(text), None


class VizReader:
    """Reads the visual zone of a rectified page. Build once; ``read`` is thread-safe (one at a time).

    ``tessdata_dir``: Tesseract's language data (Debian's ``tesseract-ocr-{eng,kaz,rus,sqi,swa}``).
    """

    def __init__(self, tessdata_dir: Path, layouts: VizLayouts | None = None) -> None:
        self.tessdata_dir = Path(tessdata_dir)
        self.layouts = layouts or default_layouts()
        self._lock = threading.Lock()
        self._apis: dict[tuple[str, int], tesserocr.PyTessBaseAPI] = {}
        available = set(tesserocr.get_languages(str(self.tessdata_dir) + "/")[1])
        self.languages = available
        for lang in {"eng", *(layout.lang for layout in self.layouts.layouts)}:
            if not set(lang.split("+")) <= available:
                log.warning(
                    "VIZ language %s not installed in %s: those layouts read with eng", lang, tessdata_dir
                )

    def _api(self, lang: str, psm: int) -> tesserocr.PyTessBaseAPI:
        if not set(lang.split("+")) <= self.languages:
            lang = "eng"
        key = (lang, psm)
        api = self._apis.get(key)
        if api is None:  # made on first use, then kept: one warm API per language and mode
            api = tesserocr.PyTessBaseAPI(path=str(self.tessdata_dir) + "/", lang=lang, psm=psm,
                                          oem=tesserocr.OEM.LSTM_ONLY)  # fmt: skip
            self._apis[key] = api
        return api

    def warm_up(self) -> None:
        """Load every language the templates use (about 0.3 s each), so the first case is not slower."""
        blank = np.full((40, 120), 255, np.uint8)
        with self._lock:
            for lang in {"eng", *(layout.lang for layout in self.layouts.layouts)}:
                api = self._api(lang, tesserocr.PSM.SINGLE_LINE)
                api.SetImage(Image.fromarray(blank))
                api.GetUTF8Text()

    def read_photo(
        self,
        bgr: np.ndarray,
        quad: Any,
        kind: str,
        hint: LayoutHint,
        *,
        portrait_center: tuple[float, float] | None = None,
    ) -> VizResult:
        """Read the document in ``quad`` of a photo (see :func:`upright_page`) for ``hint``."""
        start = time.perf_counter()
        page, turned = upright_page(bgr, quad, kind, portrait_center=portrait_center)
        warp_ms = (time.perf_counter() - start) * 1000
        result = self.read(page, hint, labels=False)
        if result.layout is not None and not _key_read(result):  # the wrong way up? try the other way
            other = self.read(cv2.rotate(page, cv2.ROTATE_180), hint, labels=False)
            if _key_read(other):
                result, turned = other, not turned
        if not _key_read(result):
            result = self.read(page, hint)
        return replace(result, turned=turned, timings_ms={"page": warp_ms, **result.timings_ms},
                       elapsed_ms=(time.perf_counter() - start) * 1000)  # fmt: skip

    def read(self, page: np.ndarray, hint: LayoutHint, *, labels: bool = True) -> VizResult:
        """Read the fields of ``page`` (BGR or grey, the upright rectified document) for ``hint``;
        ``labels``: fall back on the label-anchored reading when the template reads no key field."""
        start = time.perf_counter()
        gray = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
        layout = self.layouts.choose(hint)
        timings: dict[str, float] = {}
        notes: list[str] = []
        fields: dict[str, VizField] = {}
        method: Method = "none"
        with self._lock:
            if layout is not None:
                t = time.perf_counter()
                fields = self._read_template(gray, layout)
                timings["template"] = (time.perf_counter() - t) * 1000
                method = "template"
                if not any(f.valid for k, f in fields.items() if k in KEY_FIELDS):
                    notes.append(f"template {layout.name} read none of {', '.join(KEY_FIELDS)}")
            else:
                notes.append(f"no VIZ template for {hint.format} {hint.issuing_country}")
            if labels and not any(f.valid for k, f in fields.items() if k in KEY_FIELDS):
                t = time.perf_counter()
                found = self._read_labels(gray, layout)
                timings["labels"] = (time.perf_counter() - t) * 1000
                if any(f.valid for f in found.values()):
                    fields, method = found, "labels"
        return VizResult(
            layout=None if layout is None else layout.name,
            method=method if fields else "none",
            fields=fields,
            notes=tuple(notes),
            timings_ms=timings,
            elapsed_ms=(time.perf_counter() - start) * 1000,
        )

    def _ocr(
        self, image: Image.Image, lang: str, whitelist: str | None, psm: int = tesserocr.PSM.SINGLE_LINE
    ) -> tuple[str, float]:
        api = self._api(lang, psm)
        api.SetVariable("tessedit_char_whitelist", whitelist or "")
        api.SetImage(image)
        text = api.GetUTF8Text().strip()
        return text, max(0.0, min(1.0, api.MeanTextConf() / 100.0))

    def _read_template(self, gray: np.ndarray, layout: VizLayout) -> dict[str, VizField]:
        out: dict[str, VizField] = {}
        for name, box in layout.value_boxes().items():
            if name not in READ_FIELDS:
                continue
            line = value_line(gray, box, layout.value_px)
            if line is None:
                continue
            crop, where = line
            kind = FIELD_KIND[name]
            lang = layout.lang if kind == "name" else "eng"
            image = _prepare(crop, 0.73 * layout.value_px)
            raw, conf = self._ocr(image, lang, _WHITELIST.get(kind))
            if not raw and kind == "sex":  # the line finder drops a lone glyph: read the crop as one raw line
                raw, conf = self._ocr(image, lang, _WHITELIST[kind], tesserocr.PSM.RAW_LINE)
            if not raw:
                continue
            value, conf, valid, latin = clean_value(name, raw, conf)
            out[name] = VizField(value, conf, where, raw, valid, latin)
        return out

    def _read_labels(self, gray: np.ndarray, layout: VizLayout | None) -> dict[str, VizField]:
        """Label-anchored fallback: OCR the field area (or the page right of the portrait) as sparse text,
        find the label lines and read the value line under each."""
        h, w = gray.shape[:2]
        area = layout.area if layout is not None else (int(0.25 * w), int(0.15 * h), w, int(0.68 * h))
        x0, y0, x1, y1 = area
        region = gray[y0:y1, x0:x1]
        lang = layout.lang if layout is not None else "eng"
        api = self._api(lang, tesserocr.PSM.SPARSE_TEXT)
        api.SetVariable("tessedit_char_whitelist", "")
        api.SetImage(Image.fromarray(cv2.resize(region, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)))
        api.Recognize()
        words: list[tuple[str, Box, float]] = []
        iterator = api.GetIterator()
        level = tesserocr.RIL.WORD
        if iterator is not None:
            for item in tesserocr.iterate_level(iterator, level):
                try:
                    text = item.GetUTF8Text(level)
                except RuntimeError:
                    continue
                bx = item.BoundingBox(level)
                if text and bx is not None:
                    box = tuple(int(v / 1.5) for v in bx)
                    words.append(
                        (
                            text,
                            (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0),
                            item.Confidence(level) / 100,
                        )
                    )
        out: dict[str, VizField] = {}
        for name, text, box, conf in anchored_values(words, self.layouts.labels):
            if name in FIELD_KIND:
                value, conf, valid, latin = clean_value(name, text, conf)
                out[name] = VizField(value, conf, box, text, valid, latin)
        return out


def _key_read(result: VizResult) -> bool:
    return any(f.valid for k, f in result.fields.items() if k in KEY_FIELDS)
