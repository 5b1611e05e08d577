"""Finding the MRZ among OCR lines and fixing lines read one or two characters short or long.

OCR of an MRZ mostly loses or invents fillers inside long ``<<<<`` runs, so a wrong length is fixed by
inserting or deleting ``<`` inside filler runs; every variant is decoded and the caller keeps the one whose
check digits agree. Data characters are never dropped to fix a length: each extra variant is one more
chance for a shifted field to satisfy its single check digit by luck (one in ten).
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
        # which '<' of a run goes does not matter; a run keeps at least MIN_RUN fillers
        slots = [start for start, end in runs for _ in range(min(end - start - MIN_RUN, -diff))]
        for combo in set(itertools.combinations(slots, -diff)):
            fixed = list(line)
            edits = []
            done: list[int] = []
            for at in sorted(combo):
                idx = at - sum(1 for prev in done if prev < at)
                del fixed[idx]
                edits.append((idx, "<", ""))
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
