"""Name field: splitting into surname / given names, and cleaning filler characters OCR misread as letters.

In OCR-B the filler ``<`` is often read as ``K`` (sometimes ``X`` or ``S``): ``MARIA<<<<<`` comes back as
``MARIA<K<KK<`` or ``MARIAKKKK``. Names carry no check digit, so these fixes are judgement calls: each is
reported, and the doubtful ones lower the name confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Letters that OCR produces for a ``<`` filler.
FILLER_LOOKALIKES = frozenset("KXS")
#: Confidence factor for a fix that is almost certainly right (e.g. ``KK`` inside the trailing fillers).
SURE_FIX = 0.97
#: Confidence factor for a fix that could be wrong (e.g. a trailing ``K`` glued to a name).
DOUBTFUL_FIX = 0.8
#: A token of at most STRAY_LENGTH letters after at least STRAY_GAP fillers is OCR noise in the fillers.
STRAY_GAP = 3
STRAY_LENGTH = 2
#: A character below this OCR confidence lowers the name confidence proportionally.
TRUSTED_CONFIDENCE = 0.8


@dataclass(frozen=True)
class NameParts:
    """The name field split per ICAO 9303: primary identifier, secondary identifier, truncation flag."""

    surname: str
    given_names: str
    truncated: bool


@dataclass(frozen=True)
class NameCleaning:
    """Result of :func:`clean_name`: the new field, the edits ``(pos, from, to)`` and a confidence 0..1."""

    field: str
    edits: tuple[tuple[int, str, str], ...]
    confidence: float
    warnings: tuple[str, ...]


def split_name(field: str) -> NameParts:
    """Split a name field. ``ERIKSSON<<ANNA<MARIA<<<`` → surname ``ERIKSSON``, given names ``ANNA MARIA``."""
    primary, sep, rest = field.partition("<<")
    surname = primary.replace("<", " ").strip()
    given = rest.rstrip("<").replace("<", " ").strip() if sep else ""
    return NameParts(surname, given, truncated=bool(field) and field[-1] != "<")


def _tokens(field: str, start: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of non-filler characters from ``start`` on."""
    out: list[tuple[int, int]] = []
    i = start
    while i < len(field):
        if field[i] == "<":
            i += 1
            continue
        j = i
        while j < len(field) and field[j] != "<":
            j += 1
        out.append((i, j))
        i = j
    return out


def _says_filler(conf: float | None, alts: tuple[tuple[str, float], ...]) -> bool | None:
    """What the OCR scores say about one lookalike letter: True (a filler), False (a letter) or None (no data)."""
    if conf is None:
        return None
    filler = max((c for ch, c in alts if ch == "<"), default=0.0)
    if filler >= 0.5 * conf or conf < 0.5:
        return True
    return False if conf >= 0.9 else None


def clean_name(
    field: str,
    confidences: tuple[float | None, ...] | None = None,
    alternatives: tuple[tuple[tuple[str, float], ...], ...] | None = None,
) -> NameCleaning:
    """Turn filler lookalikes back into ``<`` where the name structure (and OCR scores) say so."""
    chars = list(field)
    confs: tuple[float | None, ...] = confidences or (None,) * len(field)
    alts = alternatives or ((),) * len(field)
    edits: list[tuple[int, str, str]] = []
    factor = 1.0
    warnings: list[str] = []

    def fix(pos: int, sure: bool) -> None:
        nonlocal factor
        edits.append((pos, chars[pos], "<"))
        chars[pos] = "<"
        factor *= SURE_FIX if sure else DOUBTFUL_FIX

    # 1. lookalikes the OCR itself doubts, anywhere in the field (e.g. ANNAXMARIA with X at 0.3)
    for i, ch in enumerate(chars):
        if ch in FILLER_LOOKALIKES and _says_filler(confs[i], alts[i]) is True and (confs[i] or 0.0) < 0.5:
            fix(i, sure=False)
    text = "".join(chars)
    sep = text.find("<<")
    if sep < 0:
        if not text.endswith("<"):
            return _finish(chars, edits, factor, confs, warnings)
        warnings.append("name: no '<<' between primary and secondary identifiers")
        factor *= DOUBTFUL_FIX
        return _finish(chars, edits, factor, confs, warnings)
    # 2. tokens of lookalikes after the given names: K / KK / X tails inside the trailing fillers
    tokens = _tokens(text, sep + 2)
    in_tail = False
    kept: list[tuple[int, int]] = []
    for n, (a, b) in enumerate(tokens):
        token = text[a:b]
        lookalike = all(c in FILLER_LOOKALIKES for c in token)
        gap = a - (tokens[n - 1][1] if n else sep + 2)
        if lookalike and (in_tail or (n > 0 and gap >= 2) or (len(token) >= 2 and set(token) == {"K"})):
            in_tail = True
            for p in range(a, b):
                fix(p, sure=True)
        elif lookalike and n > 0 and len(token) == 1:
            verdict = _says_filler(confs[a], alts[a])
            if verdict is False:
                kept.append((a, b))
            else:
                in_tail = True
                fix(a, sure=verdict is True)
        elif n > 0 and gap >= STRAY_GAP and len(token) <= STRAY_LENGTH:
            # ICAO separates name components by one filler: a letter or two far out in the fillers is noise
            in_tail = True
            for p in range(a, b):
                fix(p, sure=False)
        else:
            if in_tail:
                warnings.append("name: letters after the trailing fillers")
            kept.append((a, b))
    # 3. a K-run glued to the end of the last name token (MARIAKKK<<): strip runs of 2+, or 1 the OCR doubts
    if kept:
        a, b = kept[-1]
        run = 0
        while b - run - 1 > a and chars[b - run - 1] == "K":
            run += 1
        if run == 1 and _says_filler(confs[b - 1], alts[b - 1]) is not True:
            run = 0
        for p in range(b - run, b):
            fix(p, sure=False)
    return _finish(chars, edits, factor, confs, warnings)


def _finish(
    chars: list[str],
    edits: list[tuple[int, str, str]],
    factor: float,
    confs: tuple[float | None, ...],
    warnings: list[str],
) -> NameCleaning:
    letters = [c for ch, c in zip(chars, confs, strict=True) if ch != "<" and c is not None]
    ocr = min(1.0, min(letters) / TRUSTED_CONFIDENCE) if letters else 1.0
    return NameCleaning(
        "".join(chars), tuple(edits), round(max(0.0, min(1.0, ocr * factor)), 4), tuple(warnings)
    )
