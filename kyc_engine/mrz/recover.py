"""Second-chance image fixes for an MRZ crop that failed its check digits: motion deblurring and glare
(local contrast) normalisation, and trimming OCR lines to the known MRZ line length.

Used by :class:`kyc_engine.mrz_stage.MrzStage` only after every normal reading failed, so the happy path
never pays for them. Nothing here decides validity: the readings go through the same decoding, check
digits and confirmation rules as any other.

Motion blur: a photo taken while moving smears every point along a line of ``length`` px at some angle.
The derivative of such an image along the smear is the difference of two copies shifted by ``length``, so
its autocorrelation along that direction has a deep negative minimum at lag ``length`` (Yitzhaky and
Kopeika, 1997); across the smear it has none. :func:`estimate_motion` looks for that minimum over a small
set of angles and lags, :func:`deblur` undoes the smear with a Wiener filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..detect.mrz_band import tighten
from .consensus import agrees
from .ocrline import OcrLine, normalise
from .parse import MrzResult, Repair

#: Angles (degrees, counter-clockwise from the text direction) and lags (px of the crop) searched.
MOTION_ANGLES = tuple(range(0, 180, 10))
MOTION_LAGS = tuple(range(3, 17))
#: Derivative energy of sharp MRZ print by direction, relative to its mean: ``1 + SHARP_PROFILE *
#: cos(2 angle)`` (vertical strokes: more energy across the lines; measured on clean generated crops).
SHARP_PROFILE = 0.12
#: Motion blur is assumed when the relative energy varies by at least this much with the direction
#: (sharp crops: about 0.1-0.2; the benchmark's blurred misses: 0.45-0.9).
MOTION_MIN_SPREAD = 0.35
#: Wiener noise-to-signal ratios tried, strongest deblur first.
WIENER_NSR = (0.01, 0.03)
#: Local print contrast is evened out down to these shares of the strip's strong print (below: paper
#: texture and noise, not amplified). Which floor suits a photo depends on how far the glare faded the
#: print and how noisy the paper is, so several are read, each as is and sharpened (:func:`unsharp`),
#: until two readings agree (:func:`agreed`).
GLARE_FLOORS = (0.3, 0.45, 0.6)
#: Line lengths of the MRZ formats (TD1, TD2 / MRV-B, TD3 / MRV-A).
LINE_LENGTHS = (30, 36, 44)
#: At most this many OCR readings, and about this much extra time, for the second chances of one photo.
RECOVERY_READINGS = 10
RECOVERY_MS = 1500.0


#: An untrimmed MRZ strip for the second chances: grey uint8, lines horizontal; the number of lines
#: expected (None: 2 or 3); the capital height in its pixels.
Strip = tuple[np.ndarray, int | None, float]


@dataclass(frozen=True)
class Motion:
    """An estimated linear motion blur: ``angle_deg`` counter-clockwise from the crop's x axis (0..180),
    ``length`` in crop px, ``depth``: how deep the autocorrelation minimum is (0 none .. ~0.5 strong)."""

    angle_deg: float
    length: float
    depth: float


def _shift(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    return cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), flags=cv2.INTER_LINEAR)


def estimate_motion(grey: np.ndarray) -> Motion:
    """Estimate the motion blur of a grey uint8 crop (dark print on white, lines horizontal).

    Direction: the one along which the print's derivative lost most energy, relative to sharp MRZ print
    (:data:`SHARP_PROFILE`). Length: the lag of the deepest minimum of the derivative's autocorrelation
    along that direction. ``depth`` 0 when the energy is as even as in sharp print."""
    ink = cv2.GaussianBlur(255.0 - grey.astype(np.float32), (0, 0), 1.0)
    gx = cv2.Sobel(ink, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(ink, cv2.CV_32F, 0, 1, ksize=3)
    angles = np.deg2rad(np.asarray(MOTION_ANGLES, np.float64))
    energy = np.array([float(((np.cos(a) * gx - np.sin(a) * gy) ** 2).mean()) for a in angles])
    if energy.max() <= 0:
        return Motion(0.0, 0.0, 0.0)
    relative = energy / energy.mean() / (1 + SHARP_PROFILE * np.cos(2 * angles))
    k = int(np.argmin(relative))
    spread = float(relative.max() - relative.min())
    a = float(angles[k])
    ux, uy = float(np.cos(a)), -float(np.sin(a))  # image rows grow downwards
    d = ux * gx + uy * gy
    m = 20  # ignore the borders the shifts pull in
    core = d[m:-m, m:-m]
    e0 = float((core * core).mean())
    corr = [float((core * _shift(d, lag * ux, lag * uy)[m:-m, m:-m]).mean()) / e0 for lag in MOTION_LAGS]
    length = float(MOTION_LAGS[int(np.argmin(corr))])
    depth = spread if spread >= MOTION_MIN_SPREAD else 0.0
    return Motion(float(MOTION_ANGLES[k]), length, depth)


def motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    """A normalised line kernel ``length`` px long at ``angle_deg`` (counter-clockwise from x)."""
    size = int(np.ceil(length)) | 1
    size += 2
    k = np.zeros((size, size), np.float32)
    c = size // 2
    a = np.deg2rad(angle_deg)
    dx, dy = np.cos(a) * (length - 1) / 2, -np.sin(a) * (length - 1) / 2
    cv2.line(k, (round(16 * (c - dx)), round(16 * (c - dy))), (round(16 * (c + dx)), round(16 * (c + dy))),
             (1.0,), 1, cv2.LINE_AA, shift=4)  # fmt: skip
    return k / max(float(k.sum()), 1e-6)


def deblur(grey: np.ndarray, motion: Motion, nsr: float = WIENER_NSR[0]) -> np.ndarray:
    """Wiener-deconvolve a grey uint8 crop (dark print on white) by the line kernel of ``motion``; the
    result is stretched back to dark print on white uint8."""
    kernel = motion_kernel(motion.length, motion.angle_deg)
    pad = int(2 * motion.length) + 4
    ink = 255.0 - cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE).astype(np.float32)
    h, w = ink.shape
    kpad = np.zeros((h, w), np.float32)
    kh, kw = kernel.shape
    kpad[:kh, :kw] = kernel
    kpad = np.roll(kpad, (-(kh // 2), -(kw // 2)), axis=(0, 1))
    spec_k = np.fft.rfft2(kpad)
    wiener = np.conj(spec_k) / (np.abs(spec_k) ** 2 + nsr)
    out = np.fft.irfft2(np.fft.rfft2(ink) * wiener, s=(h, w))[pad:-pad, pad:-pad]
    hi = float(np.percentile(out, 99.5))
    out = 255.0 - np.clip(out, 0, None) * (255.0 / max(hi, 1e-6))
    return np.clip(out, 0, 255).astype(np.uint8)


def unsharp(grey: np.ndarray) -> np.ndarray:
    """Unsharp mask at about a stroke's width (grey uint8): blurred strokes regain their gaps."""
    return cv2.addWeighted(grey, 2.5, cv2.GaussianBlur(grey, (0, 0), 1.5), -1.5, 0)


def even_contrast(grey: np.ndarray, char_height: float, floor: float = GLARE_FLOORS[0]) -> np.ndarray:
    """Glare normalisation of a grey uint8 strip (capitals ~``char_height`` px): the print's darkness
    against the page (a closing wider than a character) divided by the darkest print within about 1.5
    capital heights, so characters washed out to light grey come back as dark as the rest. Darkness
    under ``floor`` times the strip's strong print is not amplified (paper texture, noise)."""
    side = int(1.2 * char_height) | 1
    background = cv2.morphologyEx(
        grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    ).astype(np.float32)
    dark = cv2.GaussianBlur(background - grey.astype(np.float32), (0, 0), 0.7)
    reach = int(1.5 * char_height) | 1
    local = cv2.dilate(dark, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, reach)))
    local = cv2.GaussianBlur(local, (0, 0), char_height / 2)
    strong = float(np.percentile(dark, 99.5))
    norm = dark / np.maximum(local, floor * max(strong, 1.0))
    return np.clip(255.0 - 255.0 * norm, 0, 255).astype(np.uint8)


def uneven_print(grey: np.ndarray, char_height: float) -> float:
    """How unevenly dark the print is along a tight MRZ crop: the darkest print of the palest tenth of
    the crop's width against that of the darkest tenth (1 even, ~0 faded to nothing somewhere)."""
    ink = 255.0 - grey.astype(np.float32)
    cols = np.array_split(ink, 10, axis=1)
    darkest = [float(np.percentile(c, 98)) for c in cols if c.size]
    return min(darkest) / max(max(darkest), 1.0)


def trim_to_length(lines: list[OcrLine]) -> tuple[list[OcrLine], list[tuple[int, int, str]]]:
    """Cut lines a few glyphs longer than the MRZ line length of the reading down to it, dropping the
    least confident glyphs at the two ends (stray marks at the edges of a contrast-stretched crop).

    The length is the format length (30/36/44) nearest the median length of the lines of 25 glyphs or more. Returns the lines
    and the dropped glyphs as (line index, position in the OCR line, character).
    """
    if not lines:
        return lines, []
    long = [len(line.text) for line in lines if len(line.text) >= LINE_LENGTHS[0] - 5] or [0]
    median = float(np.median(long))  # junk fragments (a few glyphs of the page) do not count
    length = min(LINE_LENGTHS, key=lambda n: abs(n - median))
    out: list[OcrLine] = []
    dropped: list[tuple[int, int, str]] = []
    for i, line in enumerate(lines):
        extra = len(line.text) - length
        if extra <= 0 or extra > 3:
            out.append(line)
            continue
        confs = line.confidences or tuple(1.0 for _ in line.text)
        # drop `head` glyphs from the start and `extra - head` from the end: the least confident cut
        head = min(range(extra + 1), key=lambda k: sum(confs[:k]) + sum(confs[len(confs) - (extra - k) :]))
        end = len(line.text) - (extra - head)
        dropped += [(i, p, line.text[p]) for p in (*range(head), *range(end, len(line.text)))]
        alts = line.alternatives[head:end] if line.alternatives is not None else None
        out.append(OcrLine(line.text[head:end], tuple(confs[head:end]) if line.confidences else None, alts))
    return out, dropped


def trim_repairs(result: MrzResult, trimmed: list[OcrLine], dropped: list[tuple[int, int, str]]) -> MrzResult:
    """``result`` with the glyphs :func:`trim_to_length` dropped reported as length repairs (on the
    reported line that the trimmed OCR line became; position 0 for a glyph cut at the start, the line's
    length for one cut at the end)."""
    repairs: list[Repair] = []
    for i, pos, ch in dropped:
        text = trimmed[i].text
        if text not in result.lines:
            return replace(result, warnings=(*result.warnings, f"OCR line {i}: stray glyph {ch!r} cut off"))
        at = result.lines.index(text)
        repairs.append(Repair(at, 0 if pos == 0 else len(text), ch, "", "length"))
    return replace(result, repairs=(*repairs, *result.repairs)) if repairs else result


def recovery_crops(strips: list[Strip], crop: np.ndarray | None) -> Iterator[tuple[str, np.ndarray]]:
    """Second-chance crops for OCR, named by their fix: the best tight crop read so far with its motion
    blur undone (:func:`deblur`) when :func:`estimate_motion` finds one; each untrimmed strip (with its
    expected line count and capital height, :data:`Strip`) with its glare evened out
    (:func:`even_contrast`, each of :data:`GLARE_FLOORS`) and then cut to its lines, as is and sharpened
    (:func:`unsharp`); the strips whose lines look most like an MRZ at the first floor first. Made
    lazily: the caller stops early."""
    if crop is not None:
        motion = estimate_motion(crop)
        if motion.depth > 0:
            for nsr in WIENER_NSR:
                yield "deblurred", deblur(crop, motion, nsr)
    first = [tighten(even_contrast(s, h, GLARE_FLOORS[0]), h, n) for s, n, h in strips]
    for k in sorted(range(len(strips)), key=lambda k: -first[k].score):
        strip, lines, height = strips[k]
        for floor in GLARE_FLOORS:
            evened = (
                first[k].crop
                if floor == GLARE_FLOORS[0]
                else tighten(even_contrast(strip, height, floor), height, lines).crop
            )
            yield "glare evened", evened
            yield "glare evened", unsharp(evened)


def agreed(readings: list[tuple[MrzResult, list[OcrLine]]]) -> tuple[MrzResult, list[OcrLine]] | None:
    """The last reading when it is valid and an earlier one confirms it: valid with the same fields,
    names included, or reading every reported character the same up to stray glyphs where the line
    lengths show them (:func:`confirms_exactly`).

    Names carry no check digit, and a second-chance crop (contrast stretched, deconvolved, trimmed)
    misreads them in ways the check digits never see (a name's first letter trimmed as a stray glyph,
    S read as B after deblurring), so here they must agree too."""
    result, lines = readings[-1]
    if not result.valid:
        return None
    for other, other_lines in readings[:-1]:
        if other.valid and other.fields == result.fields:
            return result, lines
        if not other.valid and confirms_exactly(result.lines, other_lines):
            return result, lines
    return None


def confirms_exactly(reported: tuple[str, ...], reading: list[OcrLine]) -> bool:
    """:func:`~.consensus.confirms`, but a line of the reading as long as the reported one must read it
    character for character: strays are allowed only where the lengths show them. (Else "KRASNIQI..."
    would confirm a line trimmed to "RASNIQI...<": one stray glyph and one lost filler.)"""
    texts = ["".join(g.ch for g in normalise(line)) for line in reading]
    start = 0
    for line in reported:
        for k in range(start, len(texts)):
            if texts[k] == line or (len(texts[k]) != len(line) and agrees(line, texts[k])):
                start = k + 1
                break
        else:
            return False
    return True
