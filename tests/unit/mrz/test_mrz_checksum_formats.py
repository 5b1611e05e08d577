from __future__ import annotations

import pytest
from mrz_specimens import MRVA, MRVB, TD1, TD2, TD3

from kyc_engine.mrz.checksum import char_value, check_digit
from kyc_engine.mrz.formats import LAYOUTS, MrzFormat, detect_format


def test_char_values() -> None:
    assert [char_value(c) for c in "<09AZ"] == [0, 0, 9, 10, 35]
    with pytest.raises(ValueError):
        char_value("a")
    with pytest.raises(ValueError):
        char_value("<<")


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("D23145890", "7"),
        ("ZE184226B<<<<<", "1"),
        ("", "0"),
    ],
)
def test_check_digit_icao_examples(data: str, digit: str) -> None:
    assert check_digit(data) == digit


def test_format_geometry_and_doc_type() -> None:
    assert detect_format(TD3) is MrzFormat.TD3
    assert detect_format(TD1) is MrzFormat.TD1
    assert detect_format(TD2) is MrzFormat.TD2
    assert detect_format(MRVA) is MrzFormat.MRVA
    assert detect_format(MRVB) is MrzFormat.MRVB
    assert detect_format(TD3[:1]) is None
    assert detect_format((TD3[0], TD2[1])) is None
    assert (
        MrzFormat.MRVA.doc_type == "TD3"
        and MrzFormat.MRVB.doc_type == "TD2"
        and MrzFormat.TD1.doc_type == "TD1"
    )
    assert str(MrzFormat.MRVA) == "MRV-A"


@pytest.mark.parametrize("fmt", list(MrzFormat))
def test_layout_fields_tile_every_line(fmt: MrzFormat) -> None:
    layout = LAYOUTS[fmt]
    covered = sorted(p for f in layout.fields for p in f.span.positions())
    expected = [(line, pos) for line in range(layout.line_count) for pos in range(layout.line_length)]
    assert covered == expected  # no gaps, no overlaps


def test_check_relations() -> None:
    names = {fmt: [c.name for c in LAYOUTS[fmt].checks] for fmt in MrzFormat}
    assert names[MrzFormat.TD3] == [
        "document_number",
        "birth_date",
        "expiry_date",
        "optional_data",
        "composite",
    ]
    assert names[MrzFormat.TD1][-1] == names[MrzFormat.TD2][-1] == "composite"
    assert "composite" not in names[MrzFormat.MRVA] and "composite" not in names[MrzFormat.MRVB]
    td1 = LAYOUTS[MrzFormat.TD1].checks[-1]
    assert [(s.line, s.start, s.end) for s in td1.data] == [(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)]
    assert (td1.digit.line, td1.digit.start) == (1, 29)
