"""What OCR read for one MRZ line (:class:`OcrLine`), its normalisation, and the look-alike tables."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MRZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
#: Glyphs OCR produces for the chevron filler.
CHEVRONS = frozenset("«‹〈⟨≪﹤<≤❮")

#: A letter read where only a digit may stand (dates, check digits): the digit it stands for.
LETTER_TO_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
    "T": "7",
}
#: A digit read where only a letter may stand (codes, names): the letters it may stand for, likeliest first.
DIGIT_TO_LETTERS = {
    "0": ("O", "D", "Q"),
    "1": ("I", "L"),
    "2": ("Z",),
    "4": ("A",),
    "5": ("S",),
    "6": ("G",),
    "7": ("T",),
    "8": ("B",),
}
#: Pairs tried in alphanumeric fields under check-digit control. G/6 and K/< are left out on purpose: their
#: values differ by 10 and 20, so no ICAO check digit can tell them apart.
ALNUM_CONFUSABLES = {
    "O": ("0",),
    "D": ("0",),
    "Q": ("0",),
    "I": ("1",),
    "B": ("8",),
    "S": ("5",),
    "Z": ("2",),
    "0": ("O", "D"),
    "1": ("I",),
    "8": ("B",),
    "5": ("S",),
    "2": ("Z",),
}


@dataclass(frozen=True)
class OcrLine:
    """One text line as OCR read it.

    ``confidences``: one value 0..1 per character of ``text`` (None: unknown). ``alternatives``: per character,
    the other candidates OCR considered with their confidence 0..1, e.g. ``(("0", 0.31), ("D", 0.05))``.
    ``boxes``: per character, its left and right edge ``(x0, x1)`` in the crop's pixels (None: unknown).

    >>> OcrLine("P<UTO", (0.99, 0.97, 0.99, 0.98, 0.6), ((), (), (), (), (("0", 0.3),)))  # doctest: +ELLIPSIS
    OcrLine(text='P<UTO', ...)
    """

    text: str
    confidences: tuple[float, ...] | None = None
    alternatives: tuple[tuple[tuple[str, float], ...], ...] | None = None
    boxes: tuple[tuple[int, int] | None, ...] | None = None

    def __post_init__(self) -> None:
        for name, seq in (
            ("confidences", self.confidences),
            ("alternatives", self.alternatives),
            ("boxes", self.boxes),
        ):
            if seq is not None and len(seq) != len(self.text):
                raise ValueError(f"{name} has {len(seq)} entries for {len(self.text)} characters")


@dataclass
class Glyph:
    """One normalised character with its OCR evidence (internal, mutable while repairing); ``x``: its left
    and right edge in the crop, when OCR gave them (a filler inserted to fix a length has none)."""

    ch: str
    conf: float | None = None
    alts: tuple[tuple[str, float], ...] = ()
    x: tuple[int, int] | None = None


def normalise_char(c: str) -> str:
    """Map one OCR character to the MRZ alphabet, or ``""`` to drop it."""
    if c in CHEVRONS:
        return "<"
    if c == "Ø" or c == "ø":
        return "0"
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch)).upper()
    return folded if len(folded) == 1 and folded in MRZ_CHARS else ""


def normalise(line: OcrLine | str) -> list[Glyph]:
    """Uppercase, drop spaces and foreign characters, map chevron look-alikes to ``<``, keep the evidence."""
    if isinstance(line, str):
        line = OcrLine(line)
    out: list[Glyph] = []
    for i, c in enumerate(line.text):
        ch = normalise_char(c)
        if not ch:
            continue
        conf = line.confidences[i] if line.confidences is not None else None
        alts: list[tuple[str, float]] = []
        for alt, score in line.alternatives[i] if line.alternatives is not None else ():
            a = normalise_char(alt) if len(alt) == 1 else ""
            if a and a != ch and all(a != seen for seen, _ in alts):
                alts.append((a, max(0.0, min(1.0, float(score)))))
        box = line.boxes[i] if line.boxes is not None else None
        out.append(Glyph(ch, None if conf is None else max(0.0, min(1.0, float(conf))), tuple(alts), box))
    return out
