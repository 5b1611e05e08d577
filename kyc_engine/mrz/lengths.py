"""Finding the MRZ among OCR lines and fixing lines read one or two characters short or long.

OCR of an MRZ mostly loses or invents fillers inside long ``<<<<`` runs, so a wrong length is fixed by
inserting or deleting ``<`` inside filler runs; every variant is decoded and the caller keeps the one whose
check digits agree. A data character is dropped only where the glyph boxes show OCR read one printed
character as two: OCR-B is monospaced, so two glyphs whose centres are much closer than the line's pitch
cannot both be printed characters (:func:`crowded`). Dropping data anywhere else would make each extra
variant one more chance for a shifted field to satisfy its single check digit by luck (one in ten).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from .formats import GEOMETRIES
from .ocrline import Glyph

#: How far a line's length may be from the format's before it is not considered.
MAX_LENGTH_ERROR = 2
#: Only runs of at least this many fillers grow or shrink. OCR miscounts long chevron runs; a single
#: ``<`` inside data is rarely invented or lost, and shifting data there lets a check digit pass by chance.
MIN_RUN = 2
#: Two neighbouring glyphs whose centres are closer than this share of the pitch are one printed character
#: read twice (an extra stroke, a doubled glyph); printed neighbours sit one pitch apart.
CROWDED_PITCH = 0.5
#: More crowded glyphs than this on one line: its boxes are too erratic to say which glyph is extra.
MAX_CROWDED = 4
#: Variants kept per line and per window.
MAX_LINE_VARIANTS = 12
MAX_WINDOW_VARIANTS = 48

#: A length edit: (position in the fixed line, character removed, character inserted).
Edit = tuple[int, str, str]


def split_merged(lines: list[list[Glyph]]) -> list[list[Glyph]]:
    """Split a line that holds two or three MRZ lines run together (88, 72 or 90 characters)."""
    out: list[list[Glyph]] = []
    for line in lines:
        for count, length in GEOMETRIES:
            if len(line) == count * length:
                out.extend(line[i * length : (i + 1) * length] for i in range(count))
                break
        else:
            out.append(line)
    return out


def windows(lines: list[list[Glyph]]) -> Iterator[tuple[int, list[list[Glyph]]]]:
    """Each run of consecutive lines with an MRZ geometry (within :data:`MAX_LENGTH_ERROR`): (length, lines)."""
    for count, length in GEOMETRIES:
        for start in range(len(lines) - count + 1):
            window = lines[start : start + count]
            if all(abs(len(line) - length) <= MAX_LENGTH_ERROR for line in window):
                yield length, window


def centres(line: list[Glyph]) -> list[float | None]:
    """Each glyph's box centre in the crop (None: no box)."""
    return [None if g.x is None else (g.x[0] + g.x[1]) / 2 for g in line]


def pitch(xs: list[float | None]) -> float | None:
    """The character pitch in pixels of a line whose glyph centres are ``xs`` (:func:`centres`): the median
    step between neighbouring glyphs with boxes; None when fewer than half the steps are known (a filler
    inserted by a length fix has no box)."""
    steps = sorted(b - a for a, b in itertools.pairwise(xs) if a is not None and b is not None and b > a)
    if not steps or len(steps) < len(xs) // 2:
        return None
    return steps[len(steps) // 2]


def crowded(line: list[Glyph]) -> list[int]:
    """Positions of data glyphs (not ``<``) whose box centre lies within :data:`CROWDED_PITCH` pitches of a
    neighbour's: one of the two is a glyph OCR added. Empty when the pitch is unknown or the line has more
    than :data:`MAX_CROWDED` such glyphs."""
    xs = centres(line)
    step = pitch(xs)
    if step is None:
        return []
    found: set[int] = set()
    for i, (a, b) in enumerate(itertools.pairwise(xs)):
        if a is not None and b is not None and b - a < CROWDED_PITCH * step:
            found.update(j for j in (i, i + 1) if line[j].ch != "<")
    return sorted(found) if len(found) <= MAX_CROWDED else []


def _filler_runs(line: list[Glyph]) -> list[tuple[int, int]]:
    """(start, end) of each ``<`` run, longest first, then the later one first."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(line):
        if line[i].ch == "<":
            j = i
            while j < len(line) and line[j].ch == "<":
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return sorted(runs, key=lambda r: (-(r[1] - r[0]), -r[0]))


def line_variants(line: list[Glyph], length: int) -> list[tuple[list[Glyph], tuple[Edit, ...]]]:
    """Versions of ``line`` with exactly ``length`` characters, with the edits that made each."""
    diff = length - len(line)
    if diff == 0:
        return [(line, ())]
    runs = _filler_runs(line)
    out: list[tuple[list[Glyph], tuple[Edit, ...]]] = []
    if diff > 0:
        spots = [end for start, end in runs if end - start >= MIN_RUN]
        for combo in itertools.combinations_with_replacement(spots, diff):
            fixed = list(line)
            edits: list[Edit] = []
            for shift, at in enumerate(sorted(combo)):
                fixed.insert(at + shift, Glyph("<"))
                edits.append((at + shift, "", "<"))
            out.append((fixed, tuple(edits)))
    else:
        # which '<' of a run goes does not matter; a run keeps at least MIN_RUN fillers. Crowded glyphs come
        # first, so that the variants dropping them survive the cap.
        extra = crowded(line)
        slots = extra + [start for start, end in runs for _ in range(min(end - start - MIN_RUN, -diff))]
        combos = sorted(
            set(itertools.combinations(slots, -diff)), key=lambda c: not set(c).intersection(extra)
        )
        for combo in combos:
            fixed = list(line)
            edits = []
            done: list[int] = []
            for at in sorted(combo):
                idx = at - sum(1 for prev in done if prev < at)
                edits.append((idx, fixed[idx].ch, ""))
                del fixed[idx]
                done.append(at)
            out.append((fixed, tuple(edits)))
    unique: dict[str, tuple[list[Glyph], tuple[Edit, ...]]] = {}
    for fixed, done_edits in out:
        unique.setdefault("".join(g.ch for g in fixed), (fixed, done_edits))
    return list(unique.values())[:MAX_LINE_VARIANTS]


def window_variants(
    window: list[list[Glyph]], length: int
) -> list[tuple[list[list[Glyph]], tuple[tuple[int, Edit], ...]]]:
    """Combinations of per-line variants: (lines, ((line index, edit), ...))."""
    per_line = [line_variants(line, length) for line in window]
    out: list[tuple[list[list[Glyph]], tuple[tuple[int, Edit], ...]]] = []
    for combo in itertools.product(*per_line):
        lines = [fixed for fixed, _ in combo]
        edits = tuple((i, e) for i, (_, es) in enumerate(combo) for e in es)
        out.append((lines, edits))
        if len(out) >= MAX_WINDOW_VARIANTS:
            break
    return out
