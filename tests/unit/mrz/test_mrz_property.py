"""Property tests: random valid MRZs with random OCR-like corruptions must never decode to a *wrong* valid MRZ.

Corruptions are put where check digits can see them (document numbers, dates, check digits, optional data).
G/6 and K/< are not injected into alphanumeric fields: their values differ by 10 and 20, so the ICAO
check digits cannot tell them apart there and the corrupted lines are themselves a valid MRZ. Several
corruptions can also cancel out by chance; those readings are valid MRZs too and are counted apart.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable

from mrz_gen import random_sample
from mrz_specimens import TODAY

from kyc_engine.mrz import OcrLine, decode_mrz, parse_mrz
from kyc_engine.mrz.formats import detect_format

CASES = 2000
CONFUSABLE = {
    "0": "OD",
    "1": "I",
    "8": "B",
    "5": "S",
    "2": "Z",
    "6": "G",
    "O": "0",
    "D": "0",
    "I": "1",
    "B": "8",
    "S": "5",
    "Z": "2",
    "G": "6",
}


def _protected(lines: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """(line, pos, alphabet) of every position covered by some check digit."""
    fmt = detect_format(lines)
    assert fmt is not None
    layout = fmt.layout
    alphabet = layout.alphabet_map()
    spots = {p for c in layout.checks for s in (*c.data, c.digit) for p in s.positions()}
    return [(line, pos, alphabet[(line, pos)]) for line, pos in sorted(spots)]


def _undetectable(truth: tuple[str, ...], read: list[str], hit: set[tuple[int, int]]) -> bool:
    """True when some of the corruptions can hide from every check: put a subset of them (never a letter
    in a digit-only field, which the alphabet reveals) into the true text, and all check digits agree.
    That text is a valid MRZ of another document, so a reader that fixes the other corruptions lands on
    it, and no reader can tell it from the original."""
    fmt = detect_format(truth)
    assert fmt is not None
    alphabet = fmt.layout.alphabet_map()
    hidden = [
        (line, pos)
        for line, pos in hit
        if not (alphabet[(line, pos)] == "numeric" and read[line][pos].isalpha())
    ]
    for k in range(1, len(hidden) + 1):
        for subset in itertools.combinations(hidden, k):
            lines = list(truth)
            for line, pos in subset:
                lines[line] = lines[line][:pos] + read[line][pos] + lines[line][pos + 1 :]
            if tuple(lines) != truth and parse_mrz(lines, today=TODAY).valid:
                return True
    return False


def _confusable(
    rng: random.Random, lines: list[str], spots: list[tuple[int, int, str]]
) -> tuple[int, int, str] | None:
    choices = [
        (line, pos, new)
        for line, pos, alphabet in spots
        for new in CONFUSABLE.get(lines[line][pos], "")
        if not (alphabet == "alnum" and {lines[line][pos], new} == {"G", "6"})
    ]
    return rng.choice(choices) if choices else None


def _digit_swap(
    rng: random.Random, lines: list[str], spots: list[tuple[int, int, str]]
) -> tuple[int, int, str] | None:
    choices = [(line, pos) for line, pos, _ in spots if lines[line][pos].isdigit()]
    if not choices:
        return None
    line, pos = rng.choice(choices)
    return line, pos, rng.choice([d for d in "0123456789" if d != lines[line][pos]])


def _ocr(rng: random.Random, text: str, truth: str, hit: set[int]) -> OcrLine:
    """Tesseract-like scores: clean characters 0.9-1.0; a misread one 0.35-0.7, and usually the true
    character among the alternatives with most of the remaining probability."""
    confs = [rng.uniform(0.35, 0.7) if p in hit else rng.uniform(0.9, 1.0) for p in range(len(text))]
    alts = [
        ((truth[p], (1.0 - confs[p]) * rng.uniform(0.5, 1.0)),)
        if p in hit and truth[p] != text[p] and rng.random() < 0.7
        else ()
        for p in range(len(text))
    ]
    return OcrLine(text, tuple(confs), tuple(alts))


def _run(
    seed: int,
    corrupt: Callable[[random.Random, list[str], list[tuple[int, int, str]]], tuple[int, int, str] | None],
    with_confidence: bool,
    cases: int = CASES,
) -> Counter[str]:
    rng = random.Random(seed)
    tally: Counter[str] = Counter()
    for _ in range(cases):
        sample = random_sample(rng)
        truth = parse_mrz(sample.lines, today=TODAY)
        lines = list(sample.lines)
        spots = _protected(sample.lines)
        hit: set[tuple[int, int]] = set()
        for _ in range(rng.randint(1, 3)):
            change = corrupt(rng, lines, spots)
            if change is None:
                continue
            line, pos, new = change
            hit.add((line, pos))
            lines[line] = lines[line][:pos] + new + lines[line][pos + 1 :]
        if _undetectable(sample.lines, lines, hit):
            tally["undetectable"] += 1
            continue
        ocr = [
            _ocr(rng, text, sample.lines[i], {p for q, p in hit if q == i})
            if with_confidence
            else OcrLine(text)
            for i, text in enumerate(lines)
        ]
        result = decode_mrz([ocr], today=TODAY)
        if result.valid and result.fields != truth.fields:
            tally["false_valid"] += 1
        elif result.valid:
            tally["repaired"] += 1
        else:
            tally["left_invalid"] += 1
    return tally


def _report(tally: Counter[str]) -> str:
    decided = tally["repaired"] + tally["left_invalid"] + tally["false_valid"]
    rate = tally["repaired"] / max(1, decided)
    return f"{dict(tally)}; repaired {rate:.1%} of {decided} detectable"


def test_confusable_corruptions_never_give_a_wrong_valid() -> None:
    tally = _run(20261123, _confusable, with_confidence=False)
    assert tally["false_valid"] == 0, _report(tally)
    # without OCR scores only corruptions the alphabet gives away (letters in dates and check digits)
    # are repaired: one check digit cannot tell O-for-0 in a document number from a digit misread
    assert tally["repaired"] > 0.45 * CASES, _report(tally)


def test_confusable_corruptions_with_ocr_confidences() -> None:
    tally = _run(7, _confusable, with_confidence=True)
    assert tally["false_valid"] == 0, _report(tally)
    assert tally["repaired"] > 0.85 * CASES, _report(tally)


def test_digit_for_digit_corruptions_are_never_repaired_into_a_wrong_valid() -> None:
    tally = _run(11, _digit_swap, with_confidence=False, cases=CASES // 2)
    assert tally["false_valid"] == 0, _report(tally)


def test_digit_for_digit_corruptions_with_ocr_confidences() -> None:
    tally = _run(13, _digit_swap, with_confidence=True, cases=CASES // 2)
    assert tally["false_valid"] == 0, _report(tally)
    assert tally["repaired"] > 0.4 * CASES // 2, _report(tally)  # fixable only when OCR named the true digit
