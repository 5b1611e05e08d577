"""Second-reading confirmation up to stray glyphs, character votes, and the search's no-enumeration answer."""

from __future__ import annotations

import random

import pytest
from mrz_specimens import MRVB, TD1, TD2, TD3, TODAY

import kyc_engine.mrz.search as search_module
from kyc_engine.mrz import OcrLine, decode_mrz, parse_mrz
from kyc_engine.mrz.consensus import agrees, confirms, vote

SECOND = MRVB[1]  # "L8988901C4XXX4009078F9612109<<<<<<<<"


def test_an_extra_glyph_or_a_lost_filler_still_agrees() -> None:
    assert agrees(SECOND, SECOND)
    assert agrees(SECOND, SECOND[:10] + "O" + SECOND[10:])  # a stray O inside the data
    assert agrees(SECOND, SECOND[:-2] + "7" + SECOND[-2:])  # a stray 7 among the fillers
    assert agrees(SECOND, SECOND[:-1])  # one filler lost
    assert agrees(SECOND, "3" + SECOND + "A")  # stray glyphs at both ends


def test_a_substitution_or_a_lost_data_character_never_agrees() -> None:
    assert not agrees(SECOND, SECOND.replace("L898", "L8S8"))  # S for 8: what a 2nd reading must catch
    assert not agrees(SECOND, SECOND[:3] + SECOND[4:])  # a data character lost
    assert not agrees(SECOND, "12" + SECOND + "3")  # more stray glyphs than allowed


def test_confirms_needs_every_reported_line_in_order() -> None:
    reading = [OcrLine(MRVB[0]), OcrLine(SECOND[:12] + "X" + SECOND[12:])]
    assert confirms(MRVB, reading)
    assert not confirms(MRVB, reading[::-1])  # the lines in the wrong order
    assert not confirms(MRVB, reading[:1])  # a line missing
    assert not confirms(MRVB, [OcrLine(MRVB[0]), OcrLine(SECOND.replace("F", "E"))])  # sex misread


def test_vote_takes_the_majority_and_keeps_the_doubt() -> None:
    good = [OcrLine(line, tuple(0.9 for _ in line), tuple(() for _ in line)) for line in TD2]
    bad_line = TD2[1][:3] + "S" + TD2[1][4:]  # '1' read as 'S' once
    bad = [good[0], OcrLine(bad_line, tuple(0.9 for _ in bad_line), tuple(() for _ in bad_line))]
    voted = vote([good, bad, good], len(TD2[0]), 2)
    assert voted is not None and [v.text for v in voted] == list(TD2)
    assert voted[1].alternatives is not None and voted[1].alternatives[3][0][0] == "S"
    assert voted[1].confidences is not None and voted[1].confidences[3] == pytest.approx(2 / 3)
    assert decode_mrz([voted], today=TODAY).valid
    assert vote([good], len(TD2[0]), 2) is None  # one reading is no vote


def _random_reading(rng: random.Random, lines: tuple[str, ...]) -> list[OcrLine]:
    """The specimen with a few characters changed and random confidences and alternatives."""
    out = []
    for line in lines:
        chars = list(line)
        for _ in range(rng.choice((0, 0, 0, 0, 1, 2))):
            chars[rng.randrange(len(chars))] = rng.choice("0O1I8B5S2Z<K")
        confs = tuple(rng.choice((0.99,) * 30 + (0.97, 0.9, 0.7, 0.5)) for _ in chars)
        alts = tuple(
            tuple(
                (rng.choice("0O1I8B5S2Z6G<"), rng.choice((0.0,) * 8 + (0.05, 0.3)))
                for _ in range(rng.choice((0,) * 12 + (1, 2)))
            )
            for _ in chars
        )
        out.append(OcrLine("".join(chars), confs, alts))
    return out


def test_the_shortcut_gives_what_enumeration_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20261124)
    readings = [_random_reading(rng, rng.choice((TD1, TD2, TD3, MRVB))) for _ in range(300)]
    fast = [decode_mrz([r], today=TODAY) for r in readings]
    taken = 0
    original = search_module._settled

    def counting(*args: object) -> object:
        nonlocal taken
        out = original(*args)  # type: ignore[arg-type]
        taken += out is not None
        return out

    monkeypatch.setattr(search_module, "_settled", counting)
    [decode_mrz([r], today=TODAY) for r in readings]
    monkeypatch.setattr(search_module, "_settled", lambda *args: None)
    slow = [decode_mrz([r], today=TODAY) for r in readings]
    assert taken > 30  # the shortcut was really used, and gave the same answer every time
    assert fast == slow


def test_a_clean_reading_is_settled_without_enumerating(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("enumerated")

    monkeypatch.setattr(search_module, "enumerate_candidates", fail)
    line = [OcrLine(x, tuple(0.99 for _ in x), tuple(() for _ in x)) for x in TD3]
    assert decode_mrz([line], today=TODAY) == parse_mrz(TD3, today=TODAY)
    # a confident alternative at a checked position leaves the question open: the search enumerates
    doubt = [line[0], OcrLine(TD3[1], line[1].confidences, tuple((("S", 0.6),) for _ in TD3[1]))]
    with pytest.raises(AssertionError, match="enumerated"):
        decode_mrz([doubt], today=TODAY)
