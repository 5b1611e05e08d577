"""Agreement between several OCR readings of one MRZ: confirmation up to stray glyphs, and character votes.

A reading found late, or pieced together, is only reported valid when another reading of the same zone
confirms it (:mod:`kyc_engine.mrz_stage`). Tesseract sometimes emits one glyph twice or an extra stroke
(``0OD`` for ``0D``, ``<71`` for ``<1``); such a reading fails its own decode on the line length, yet it
agrees with the valid one on every character it shares. :func:`confirms` accepts that as confirmation: every
character of the reported lines is read the same, in order, by the other reading, which may only hold a
few *extra* glyphs or miss a few fillers. A substitution never confirms: that is the misreading the second
reading is there to catch.

:func:`vote` merges readings of the same geometry character by character: where they disagree, each
reading's character and its alternatives add their confidence, and the winner keeps the others as its
alternatives, so the check-digit search (:mod:`.search`) still sees the doubt and reports every change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .ocrline import OcrLine, normalise

#: Extra glyphs (or missing fillers) per line that still count as the same reading.
MAX_STRAY = 2


def _texts(reading: Sequence[OcrLine]) -> list[str]:
    return ["".join(g.ch for g in normalise(line)) for line in reading]


def agrees(reported: str, read: str, max_stray: int = MAX_STRAY) -> bool:
    """Whether ``read`` holds every character of ``reported`` in order, with at most ``max_stray`` extra
    characters in ``read`` and fillers (``<``) of ``reported`` missing, and no other difference.

    >>> agrees("AB0D<<", "AB0OD<<"), agrees("AB0D<<", "AB0O<<")
    (True, False)
    """
    n, m = len(reported), len(read)
    if abs(n - m) > max_stray:
        return False
    inf = max_stray + 1
    # cost[i][j]: fewest strays aligning reported[:i] with read[:j] (matches, extra reads, lost fillers)
    prev = [j if j <= max_stray else inf for j in range(m + 1)]
    for i in range(1, n + 1):
        cur = [inf] * (m + 1)
        cur[0] = prev[0] + 1 if reported[i - 1] == "<" else inf
        for j in range(1, m + 1):
            best = prev[j - 1] if reported[i - 1] == read[j - 1] else inf
            best = min(best, cur[j - 1] + 1)  # an extra glyph in the other reading
            if reported[i - 1] == "<":
                best = min(best, prev[j] + 1)  # a filler the other reading lost
            cur[j] = min(best, inf)
        prev = cur
    return prev[m] <= max_stray


def confirms(reported: Sequence[str], reading: Sequence[OcrLine], max_stray: int = MAX_STRAY) -> bool:
    """Whether another OCR ``reading`` confirms every ``reported`` line (see :func:`agrees`), each line
    matched by a different line of the reading, in order."""
    texts = _texts(reading)
    start = 0
    for line in reported:
        for k in range(start, len(texts)):
            if agrees(line, texts[k], max_stray):
                start = k + 1
                break
        else:
            return False
    return True


def vote(readings: Sequence[Sequence[OcrLine]], length: int, count: int) -> list[OcrLine] | None:
    """One reading voted character by character from those whose lines (``count`` of them, after
    dropping lines far from ``length``) all have exactly ``length`` characters; None under 2 such.

    At each position each reading gives its character its confidence (1 when unknown) and each
    alternative its score; the best total wins, its confidence is its share of the total, and the other
    candidates stay as alternatives with their shares.
    """
    usable: list[list[OcrLine]] = []
    for reading in readings:
        lines = [ln for ln in reading if abs(len(_clean(ln).text) - length) <= 2]
        lines = [_clean(ln) for ln in lines]
        if len(lines) == count and all(len(ln.text) == length for ln in lines):
            usable.append(lines)
    if len(usable) < 2:
        return None
    out: list[OcrLine] = []
    for i in range(count):
        text, confs, alts = [], [], []
        for pos in range(length):
            score: dict[str, float] = defaultdict(float)
            for lines in usable:
                ln = lines[i]
                conf = ln.confidences[pos] if ln.confidences is not None else 1.0
                score[ln.text[pos]] += conf
                for ch, s in ln.alternatives[pos] if ln.alternatives is not None else ():
                    score[ch] += s
            total = sum(score.values()) or 1.0
            ranked = sorted(score.items(), key=lambda kv: -kv[1])
            text.append(ranked[0][0])
            confs.append(ranked[0][1] / total)
            alts.append(tuple((ch, s / total) for ch, s in ranked[1:4]))
        out.append(OcrLine("".join(text), tuple(confs), tuple(alts)))
    return out


def _clean(line: OcrLine) -> OcrLine:
    """The line in the MRZ alphabet only, keeping each kept character's evidence."""
    glyphs = normalise(line)
    return OcrLine(
        "".join(g.ch for g in glyphs),
        tuple(g.conf if g.conf is not None else 1.0 for g in glyphs),
        tuple(g.alts for g in glyphs),
    )
