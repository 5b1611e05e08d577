"""Decoding OCR output into an MRZ: format, length fixes, alphabet repair, check-digit repair, names.

Steps, per hypothesis and per candidate window of lines:

1. normalise (uppercase, no spaces, chevron look-alikes → ``<``, foreign characters dropped);
2. find 2x44, 2x36 or 3x30 lines (junk lines around them allowed), fixing lines 1-2 characters off by
   inserting or deleting ``<`` in filler runs;
3. alphabet repair: a letter where only a digit may stand (dates, check digits) and a digit where only a
   letter may stand (codes, sex, names) is mapped to its look-alike; country codes are chosen among
   existing ones;
4. check-digit repair (:mod:`.search`) for document numbers and other check-protected data;
5. name cleaning (:mod:`.names`): filler ``<`` read as ``K``/``X``/``S``.

Every change is reported as a :class:`~.parse.Repair`. The best reading wins: valid beats invalid, then
fewer repairs, then higher mean OCR confidence. Two valid readings that disagree and cannot be separated
make the result invalid rather than a guess.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import date

from .countries import COUNTRY_CODES
from .formats import Layout, MrzFormat, Span, detect_format
from .lengths import centres, pitch, split_merged, window_variants, windows
from .names import DOUBTFUL_FIX, clean_name
from .ocrline import ALNUM_CONFUSABLES, DIGIT_TO_LETTERS, LETTER_TO_DIGIT, Glyph, OcrLine, normalise
from .parse import MrzResult, Repair, assemble, empty_result, td1_long_number
from .search import Pos, Relation, search

__all__ = ["OcrLine", "decode_mrz"]

#: Odds that a character was misread, when OCR gave no confidence (about 2 % character errors).
STATIC_ODDS = 0.02
#: Floor of those odds when OCR is very confident.
MIN_ERROR_ODDS = 0.001
#: Share of a character's error odds given to a look-alike (O for 0 ...), and to "some other character,
#: the one value that satisfies the check digit" (a tenth: one value in ten passes).
CONFUSABLE_SHARE = 1.0
UNSEEN_SHARE = 0.1
#: Prior factor for a substitution that makes a character match both neighbours' class (digit/letter),
#: and for one that makes it differ from both.
CLASS_RESTORE = 1.5
CLASS_BREAK = 0.3
#: First letter of the document code: passport, visa, or one of the three ID-card letters.
DOCUMENT_KINDS = frozenset("PVIAC")
#: Neighbouring name glyphs further apart than this many pitches have lost a character between them
#: (one lost character leaves about 2 pitches).
GAP_PITCHES = 1.6
#: Name-confidence factor then: below the 0.8 at which a valid MRZ's name is reported uncertain.
GAP_DOUBT = 0.5
#: Sex letters OCR produces for M, F and the filler.
SEX_LOOKALIKES = {"H": "M", "N": "M", "W": "M", "P": "F", "E": "F", "K": "<"}
#: Protected fields whose values decide whether two valid readings disagree.
PROTECTED_FIELDS = ("document_number", "birth_date", "expiry_date", "optional_data", "optional_data_2")


def decode_mrz(hypotheses: Sequence[Sequence[OcrLine]], *, today: date) -> MrzResult:
    """Decode one or more OCR readings (each a sequence of lines) of the same MRZ.

    ``today`` resolves two-digit years. Never raises for unreadable input: the result then has
    ``format=None``, ``valid=False`` and a warning.
    """
    scored: list[tuple[MrzResult, float]] = []
    seen: list[str] = []
    for hypothesis in hypotheses:
        lines = split_merged([g for g in (normalise(line) for line in hypothesis) if g])
        seen = seen or ["".join(g.ch for g in line) for line in lines]
        for length, window in windows(lines):
            for variant, edits in window_variants(window, length):
                repairs = [Repair(i, pos, old, new, "length") for i, (pos, old, new) in edits]
                # a variant that dropped a data glyph (lengths.crowded) gets no check-digit repair on top:
                # its check digits agree as read or it fails (fewer chances to pass by luck, and the
                # search on a shifted line, where every field fails, costs tens of milliseconds)
                check_repair = not any(r.drops_data for r in repairs)
                scored.append(_decode_window(variant, repairs, today, check_repair=check_repair))
    if not scored:
        return empty_result(seen, "no lines with an MRZ geometry (2x44, 2x36 or 3x30)")
    return _choose(scored)


def _choose(scored: list[tuple[MrzResult, float]]) -> MrzResult:
    scored.sort(key=lambda rc: (not rc[0].valid, len(rc[0].repairs), -rc[1]))
    best, conf = scored[0]
    if not best.valid:
        return best
    for other, other_conf in scored[1:]:
        if not other.valid or len(other.repairs) > len(best.repairs):
            break
        differs = any(other.fields[k] != best.fields[k] for k in PROTECTED_FIELDS)
        if differs and abs(other_conf - conf) < 0.02:
            note = "two readings pass every check but disagree; not guessing"
            return dataclasses.replace(best, valid=False, warnings=(*best.warnings, note))
    return best


def _decode_window(
    lines: list[list[Glyph]], repairs: list[Repair], today: date, *, check_repair: bool = True
) -> tuple[MrzResult, float]:
    grid = [[Glyph(g.ch, g.conf, g.alts, g.x) for g in line] for line in lines]
    confs = [g.conf for line in grid for g in line if g.conf is not None]
    mean_conf = sum(confs) / len(confs) if confs else 1.0
    warnings: list[str] = []
    first = grid[0][0]
    if first.ch.isdigit():
        _set(grid, repairs, (0, 0), _letter_for(first), "alphabet")
    fmt = detect_format(["".join(g.ch for g in line) for line in grid])
    if fmt is None:  # cannot happen for windows of the right geometry; kept for safety
        return empty_result(["".join(g.ch for g in line) for line in grid], "no MRZ format"), mean_conf
    layout = fmt.layout
    blockers: list[str] = []  # findings that forbid valid=True although every check digit agrees
    name_factor = _alphabet_repair(grid, layout, repairs, warnings, blockers)
    name_conf = _names(grid, layout, repairs, warnings) * name_factor * _length_doubt(grid, layout, repairs)
    name_conf *= _spacing_doubt(grid, layout, warnings)
    text = ["".join(g.ch for g in line) for line in grid]
    relations, composite = _relations(layout, text)
    positions = {p for r in relations for p in (*r.data, r.digit)}
    if composite is not None:
        positions |= {*composite.data, composite.digit}
    options, unseen = _options(grid, text, layout, positions) if check_repair else ({}, {})
    outcome = search(text, options, relations, composite, unseen)
    for pos, ch in outcome.changes:
        _set(grid, repairs, pos, ch, "check")
    if outcome.ambiguous:
        warnings.append(f"check-digit repair ambiguous (best choice {outcome.posterior:.2f}); not guessing")
    text = ["".join(g.ch for g in line) for line in grid]
    result = assemble(
        tuple(text),
        fmt,
        today=today,
        repairs=tuple(sorted(repairs, key=lambda r: (r.line, r.pos))),
        name_confidence=round(max(0.0, min(1.0, name_conf)), 4),
        warnings=tuple(warnings),
    )
    if (outcome.ambiguous or blockers) and result.valid:
        result = dataclasses.replace(result, valid=False, warnings=(*result.warnings, *blockers))
    return result, mean_conf


def _name_end(grid: list[list[Glyph]], span: Span) -> int:
    """Position just after the name's last letter (its trailing filler run excluded)."""
    field = "".join(g.ch for g in grid[span.line][span.start : span.end])
    return span.start + len(field.rstrip("<"))


def _length_doubt(grid: list[list[Glyph]], layout: Layout, repairs: list[Repair]) -> float:
    """Name-confidence factor for fillers inserted or deleted inside the name (not in its trailing run)."""
    span = layout.name_field.span
    tail = _name_end(grid, span)
    inside = [r for r in repairs if r.kind == "length" and r.line == span.line and span.start <= r.pos < tail]
    return DOUBTFUL_FIX ** len(inside)


def _spacing_doubt(grid: list[list[Glyph]], layout: Layout, warnings: list[str]) -> float:
    """Name-confidence factor for a letter OCR lost inside the name.

    OCR-B is monospaced, so two neighbouring glyphs of the name more than :data:`GAP_PITCHES` character
    pitches apart have lost one between them. A lost letter leaves the line one short, which the length fix
    pads with a filler at the end, and no check digit covers the name. An example is ELIZABETH read as
    ELIZABEH. The pitch is the median step between neighbouring glyphs of the line; glyphs without a box are
    skipped, such as fillers inserted by the length fix (:func:`~.lengths.pitch`)."""
    span = layout.name_field.span
    line = grid[span.line]
    xs = centres(line)
    step = pitch(xs)
    if step is None:
        return 1.0  # too few boxes to know the pitch
    for pos in range(span.start, _name_end(grid, span) - 1):
        a, b = xs[pos], xs[pos + 1]
        if a is not None and b is not None and b - a > GAP_PITCHES * step:
            warnings.append(f"name: a gap of {(b - a) / step:.1f} character pitches after position {pos + 1}")
            return GAP_DOUBT
    return 1.0


def _set(grid: list[list[Glyph]], repairs: list[Repair], pos: Pos, ch: str, kind: str) -> None:
    g = grid[pos[0]][pos[1]]
    if ch == g.ch:
        return
    repairs.append(Repair(pos[0], pos[1], g.ch, ch, kind))  # type: ignore[arg-type]
    alt = dict(g.alts).get(ch)
    g.alts = tuple((a, s) for a, s in (*g.alts, (g.ch, g.conf or 0.0)) if a != ch)
    g.ch, g.conf = ch, alt if alt is not None else g.conf


def _letter_for(g: Glyph) -> str:
    letters = [(s, a) for a, s in g.alts if a.isalpha()]
    return max(letters)[1] if letters else DIGIT_TO_LETTERS.get(g.ch, ("O",))[0]


def _filler_digit_positions(layout: Layout) -> set[Pos]:
    """Check-digit positions where ICAO allows ``<``."""
    names = {"optional_data_check"} if layout.format is MrzFormat.TD3 else set()
    if layout.format is MrzFormat.TD1:
        names.add("document_number_check")
    return {p for f in layout.fields if f.name in names for p in f.span.positions()}


def _alphabet_repair(
    grid: list[list[Glyph]], layout: Layout, repairs: list[Repair], warnings: list[str], blockers: list[str]
) -> float:
    """Map characters of the wrong class; returns the name-confidence factor for digits fixed in names."""
    filler_ok = _filler_digit_positions(layout)
    factor = 1.0
    for f in layout.fields:
        for pos in f.span.positions():
            g = grid[pos[0]][pos[1]]
            new: str | None = None
            if f.alphabet == "numeric" and g.ch.isalpha():
                digits = [(s, a) for a, s in g.alts if a.isdigit()]
                new = max(digits)[1] if digits else LETTER_TO_DIGIT.get(g.ch)
                if pos in filler_ok and g.ch in "KX":
                    new = "<"
            elif (
                f.alphabet in ("alpha", "name")
                and g.ch.isdigit()
                and f.name not in ("issuing_country", "nationality")
            ):
                new = _letter_for(g)
                if f.alphabet == "name":
                    factor *= DOUBTFUL_FIX
            elif f.alphabet == "alnum" and g.ch == "K" and _in_trailing_fillers(grid, f.span, pos):
                new = "<"  # K and < are worth 20 and 0: no check digit sees a filler read as K
            elif f.alphabet == "sex" and g.ch not in "MFX<":
                new = SEX_LOOKALIKES.get(g.ch)
                warnings.append(f"sex: read {g.ch!r}" + (f", taken as {new!r}" if new else ""))
            if new is not None:
                _set(grid, repairs, pos, new, "alphabet")
        if f.name == "document_code" and grid[0][0].ch not in DOCUMENT_KINDS:
            blockers.append(f"document_code: {grid[0][0].ch!r} is no ICAO 9303 document kind")
        if f.name in ("issuing_country", "nationality"):
            _country(grid, f.span.positions(), f.name, repairs, warnings, blockers)
    return factor


def _in_trailing_fillers(grid: list[list[Glyph]], span: Span, pos: Pos) -> bool:
    """True if ``pos`` follows a filler and only fillers (or K) follow it up to the end of its field."""
    line = grid[pos[0]]
    after = [line[p].ch for p in range(pos[1] + 1, span.end)]
    return pos[1] > span.start and line[pos[1] - 1].ch == "<" and all(c in "<K" for c in after)


def _country(
    grid: list[list[Glyph]],
    positions: list[Pos],
    name: str,
    repairs: list[Repair],
    warnings: list[str],
    blockers: list[str],
) -> None:
    """Replace digits in a country code by look-alike letters, choosing among existing codes. A code that
    exists nowhere, or digits that fit no code or several, block ``valid``: country codes carry no check
    digit, and a wrong one usually means the whole line is shifted."""
    glyphs = [grid[line][p] for line, p in positions]
    choices = [
        [g.ch]
        if not g.ch.isdigit()
        else list(
            dict.fromkeys([a for a, _ in g.alts if a.isalpha()] + list(DIGIT_TO_LETTERS.get(g.ch, ("O",))))
        )
        for g in glyphs
    ]
    codes = ["".join(c) for c in itertools.product(*choices)]
    known = [c for c in codes if c.strip("<") in COUNTRY_CODES]
    pick = known[0] if len(known) == 1 else codes[0]
    if len(codes) > 1 and len(known) != 1:
        blockers.append(f"{name}: digits read in the code, {len(known)} existing codes fit")
    for pos, ch in zip(positions, pick, strict=True):
        _set(grid, repairs, pos, ch, "alphabet")
    if pick.strip("<") not in COUNTRY_CODES and len(codes) == 1:
        blockers.append(f"{name}: {pick.strip('<')!r} is no ICAO 9303 code (shifted or misread line?)")


def _names(grid: list[list[Glyph]], layout: Layout, repairs: list[Repair], warnings: list[str]) -> float:
    span = layout.name_field.span
    glyphs = grid[span.line][span.start : span.end]
    confs = tuple(g.conf for g in glyphs)
    cleaning = clean_name(
        "".join(g.ch for g in glyphs),
        confs if any(c is not None for c in confs) else None,
        tuple(g.alts for g in glyphs),
    )
    for pos, _, new in cleaning.edits:
        _set(grid, repairs, (span.line, span.start + pos), new, "name")
    warnings.extend(cleaning.warnings)
    return cleaning.confidence


def _relations(layout: Layout, text: list[str]) -> tuple[list[Relation], Relation | None]:
    relations: list[Relation] = []
    composite: Relation | None = None
    for spec in layout.checks:
        data = tuple(p for s in spec.data for p in s.positions())
        rel = Relation(spec.name, data, (spec.digit.line, spec.digit.start), spec.name == "optional_data")
        if spec.name == "composite":
            composite = rel
            continue
        if spec.name == "document_number" and layout.format is MrzFormat.TD1:
            long = td1_long_number(text[0])
            if long is not None and long[1]:
                end = long[2]
                data = tuple((0, p) for p in (*range(5, 14), *range(15, end - 1)))
                rel = Relation(spec.name, data, (0, end - 1))
        relations.append(rel)
    return relations, composite


def _class_factor(text: str, start: int, end: int, i: int, new: str) -> float:
    """Prior for swapping a digit for a letter or back. Both neighbours of the class of the new character
    favour it (``O`` between digits is likely a ``0``); a class rare in the rest of the field disfavours it
    (no ``O`` for ``0`` in a field of digits). Rarity never *favours* a swap: real document numbers mix
    classes freely (German, Dutch) or start with letters, so a letter among digits is no proof of error."""
    cur = text[i]
    if new == "<" or cur == "<" or new.isdigit() == cur.isdigit():
        return 1.0
    others = [c for j, c in enumerate(text[start:end], start) if j != i and c != "<"]
    same = sum(1 for c in others if c.isdigit() == new.isdigit())
    factor = min(1.0, (same + 0.5) / (len(others) - same + 0.5))
    if start < i < end - 1 and "<" not in (text[i - 1], text[i + 1]):
        left, right = text[i - 1].isdigit(), text[i + 1].isdigit()
        if left == right:
            factor *= CLASS_RESTORE if left == new.isdigit() else CLASS_BREAK
    return max(0.02, min(30.0, factor))


def _error_odds(g: Glyph) -> float:
    """Odds that OCR misread this character as something its alternatives do not name.

    Squared, because OCR confidences are not calibrated: a 0.95 character is far more reliable than one
    in twenty, while a 0.5 one really is a coin toss (0.95 → 0.003, 0.7 → 0.18, 0.5 → 1).
    """
    if g.conf is None:
        return STATIC_ODDS
    rest = max(0.0, 1.0 - g.conf - sum(s for _, s in g.alts))
    return max(MIN_ERROR_ODDS, min(2.0, (rest / max(g.conf, 0.05)) ** 2))


def _options(
    grid: list[list[Glyph]], text: list[str], layout: Layout, positions: set[Pos]
) -> tuple[dict[Pos, list[tuple[str, float]]], dict[Pos, float]]:
    """Substitutions to try at each protected position with their odds against the character read, and
    the odds of an error there that none of them covers (see :func:`.search.search`)."""
    filler_ok = _filler_digit_positions(layout)
    spans = {p: f for f in layout.fields for p in f.span.positions()}
    out: dict[Pos, list[tuple[str, float]]] = {}
    unseen: dict[Pos, float] = {}
    for pos in positions:
        g = grid[pos[0]][pos[1]]
        f = spans[pos]
        denom = max(g.conf, 0.05) if g.conf is not None else 0.9
        error = _error_odds(g)
        unseen[pos] = UNSEEN_SHARE * error
        opts: dict[str, float] = {}
        for a, score in g.alts:
            if f.alphabet == "numeric" and not (a.isdigit() or (a == "<" and pos in filler_ok)):
                continue
            opts[a] = min(2.0, score / denom)
        if f.alphabet == "alnum":
            # at least the look-alike prior: the LSTM often lists the look-alike with a score of 0.00
            # (O read at 0.99 lists 0 first, at 0.00), which must not erase what the prior knows
            for a in ALNUM_CONFUSABLES.get(g.ch, ()):
                opts[a] = max(opts.get(a, 0.0), CONFUSABLE_SHARE * error)
            line = text[pos[0]]
            opts = {a: o * _class_factor(line, f.span.start, f.span.end, pos[1], a) for a, o in opts.items()}
        if opts:
            out[pos] = sorted(opts.items(), key=lambda ao: -ao[1])
    return out, unseen
