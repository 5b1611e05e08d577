"""Visual-zone OCR on generated documents: the fields read are compared with the generator's ground truth.

Real Tesseract runs here (Debian's eng/kaz/sqi data); a layout that is not installed skips.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest

from kyc_engine.checks import compare_registration, viz_fields, viz_mrz_checks
from kyc_engine.ocr.viz import LayoutHint, VizField, VizReader, VizResult, clean_value, upright_page
from kyc_engine.ocr.viz_layouts import default_layouts
from kyc_engine.registration.model import parse_registration
from samples.documents import make_document
from samples.photograph import photograph

TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
LAYOUTS = ("kaz_id", "alb_id", "alb_passport", "ken_id", "tza_id", "uga_id", "passport")


@pytest.fixture(scope="module")
def reader() -> VizReader:
    if not (TESSDATA / "kaz.traineddata").is_file() or not (TESSDATA / "sqi.traineddata").is_file():
        pytest.skip("Tesseract kaz/sqi data not installed (apt tesseract-ocr-kaz tesseract-ocr-sqi)")
    return VizReader(TESSDATA)


def expected(truth: dict) -> dict[str, str]:
    holder, fields = truth["holder"], truth["fields"]
    out = {
        "surname": holder["surname_viz"],
        "given_names": holder["given_names_viz"],
        "birth_date": holder["birth_date"],
        "document_number": fields["document_number"],
        "expiry_date": fields["expiry_date"],
    }
    personal = holder["iin"] or holder["personal_number"]
    if personal:
        out["personal_number"] = personal
    if holder["sex"] in ("M", "F"):
        out["sex"] = holder["sex"]
    return out


def same(name: str, got: str | None, value: str) -> bool:
    """Exact, except that alphanumeric document numbers may swap O/0 and I/1 (the printed font draws them
    nearly alike; the VIZ/MRZ comparison folds them the same way)."""
    if got == value:
        return True
    fold = str.maketrans("OI", "01")
    return name.endswith("number") and got is not None and got.translate(fold) == value.translate(fold)


def hint(truth: dict) -> LayoutHint:
    return LayoutHint(truth["format"], truth["fields"]["issuing_country"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_flat_documents_read_every_field(reader: VizReader, layout: str) -> None:
    """On the flat rendering every field of two documents per layout is read exactly, names in the printed
    script (diacritics may be lost on the generic passport, whose names are read with eng)."""
    right = total = 0
    for seed in (11, 12):
        doc, truth = make_document(layout, np.random.default_rng(seed))
        result = reader.read(doc, hint(truth))
        assert result.method == "template"
        assert result.layout is not None
        for name, value in expected(truth).items():
            total += 1
            got = result.value(name)
            right += same(name, got, value) or (layout == "passport" and name in ("surname", "given_names") and got is not None
                                      and len(got) == len(value))  # fmt: skip
    assert right >= total - 1, f"{right}/{total} fields right"


def test_kazakh_card_reads_cyrillic_name_and_iin(reader: VizReader) -> None:
    doc, truth = make_document("kaz_id", np.random.default_rng(5))
    result = reader.read(doc, LayoutHint("TD1", "KAZ"))
    assert result.layout == "kaz_id"
    assert result.value("surname") == truth["holder"]["surname_viz"]  # ЖҰМАБЕКОВ: Kazakh letters kept
    assert any(c in result.value("surname") or "" for c in "ӘҒҚҢӨҰҮҺІ")
    assert result.value("personal_number") == truth["holder"]["iin"]
    surname = result.fields["surname"]
    assert surname.latin is not None and surname.latin.startswith("ZHUMABEKOV")
    x0, y0, x1, y1 = surname.box
    assert 250 <= x0 < x1 <= 890 and 123 <= y0 < y1 <= 200  # the first row of the template's field area
    assert 0.8 <= surname.confidence <= 1.0


def test_photographed_documents(reader: VizReader) -> None:
    """Phone photos (clean and normal severity): the page is warped from the true corners, its way up
    found without help (the photos are turned by 0-360 degrees), and most fields read exactly."""
    right = total = 0
    turned_seen = False
    for i, layout in enumerate(("kaz_id", "alb_id", "uga_id", "passport", "alb_passport", "tza_id")):
        rng = np.random.default_rng(100 + i)
        doc, truth = make_document(layout, rng)
        photo, meta = photograph(doc, rng, "clean" if i % 2 else "normal", apply_jpeg=False)
        page, turned = upright_page(photo, meta["quad"], "ID1" if truth["format"] == "TD1" else "TD2_OR_TD3")
        assert not turned  # the truth quad is in the document's own corner order
        rotated_quad = np.roll(np.asarray(meta["quad"], np.float32), 2, axis=0)  # TL given as the BR corner
        _, turned_back = upright_page(
            photo, rotated_quad, "ID1" if truth["format"] == "TD1" else "TD2_OR_TD3"
        )
        turned_seen |= turned_back
        result = reader.read_photo(
            photo, rotated_quad, "ID1" if truth["format"] == "TD1" else "TD2_OR_TD3", hint(truth)
        )
        for name, value in expected(truth).items():
            total += 1
            right += same(name, result.value(name), value)
    assert turned_seen
    assert right >= 0.8 * total, f"{right}/{total} fields right"


def test_label_fallback_without_template(reader: VizReader) -> None:
    """No template for the hint: the labels (English halves of bilingual labels) anchor the values."""
    doc, truth = make_document("ken_id", np.random.default_rng(21))
    result = reader.read(doc, LayoutHint("TD1", "ZZZ"))
    assert result.layout is None
    assert result.method == "labels"
    assert result.value("birth_date") == truth["holder"]["birth_date"]
    assert result.value("document_number") == truth["fields"]["document_number"]


def test_layouts_are_data() -> None:
    layouts = default_layouts()
    assert layouts.choose(LayoutHint("TD1", "KAZ")).name == "kaz_id"  # type: ignore[union-attr]
    assert layouts.choose(LayoutHint("TD3", "KAZ")).name == "passport_kaz"  # type: ignore[union-attr]
    assert layouts.choose(LayoutHint("TD3", "FRA")).name == "passport"  # type: ignore[union-attr]
    assert layouts.choose(LayoutHint("TD1", "FRA")) is None
    boxes = layouts.choose(LayoutHint("TD1", "ALB")).value_boxes()  # type: ignore[union-attr]
    assert boxes["birth_date"][1] < boxes["document_number"][1] < boxes["expiry_date"][1]
    assert boxes["sex"][0] > boxes["birth_date"][0]


def test_clean_value_forms() -> None:
    assert clean_value("birth_date", "12.04.2002", 0.9)[:3] == ("2002-04-12", 0.9, True)
    assert clean_value("birth_date", "31.02.2002", 0.9)[2] is False
    assert clean_value("sex", "F", 0.9)[:3] == ("F", 0.9, True)
    assert clean_value("surname", "ЖҰМАБЕКОВ / ZHUMABEKOV", 0.9) == ("ЖҰМАБЕКОВ", 0.9, True, "ZHUMABEKOV")
    value, conf, valid, _ = clean_value("personal_number", "1.2", 0.9)
    assert not valid and conf < 0.9


def _viz(**values: str) -> VizResult:
    return VizResult("kaz_id", "template", {k: VizField(v, 0.95, (0, 0, 1, 1), v) for k, v in values.items()})


def test_viz_mrz_mismatch_and_agreement() -> None:
    fields = {"surname": "ZHUMABEKOV", "given_names": "TILEUBERDI", "birth_date": "2002-04-12",
              "document_number": "022429187", "optional_data": "020412538330", "sex": "M",
              "expiry_date": "2035-04-09"}  # fmt: skip
    same = _viz(surname="ЖҰМАБЕКОВ", given_names="ТІЛЕУБЕРДІ", birth_date="2002-04-12",
                document_number="022429187", personal_number="020412538330", sex="M")  # fmt: skip
    agreed = viz_mrz_checks(same, fields)
    assert agreed.reasons == ()
    assert agreed.checks["name"]["decision"] == "match"  # Cyrillic vs ICAO Latin
    edited = _viz(surname="ЖҰМАБЕКОВ", given_names="ТІЛЕУБЕРДІ", birth_date="2002-04-13")
    found = viz_mrz_checks(edited, fields)
    assert [str(r.code) for r in found.reasons] == ["document.viz_mrz_mismatch"]
    assert found.reasons[0].detail["fields"] == ["birth_date"]
    other = _viz(surname="СЕРІКОВ", given_names="АЙДОС")
    assert viz_mrz_checks(other, fields).reasons[0].detail["fields"] == ["name"]
    # a confusable letter/digit misreading is not a disagreement
    assert viz_mrz_checks(_viz(personal_number="O2O412538330"), fields).reasons == ()


def test_registration_uses_viz_where_the_mrz_lacks_it() -> None:
    """A Cyrillic registration with the patronymic, and an ID number only the VIZ prints."""
    fields = {"surname": "ZHUMABEKOV", "given_names": "TILEUBERDI", "birth_date": "2002-04-12",
              "document_number": "022429187", "optional_data": "", "sex": "M", "issuing_country": "UGA",
              "nationality": "UGA"}  # fmt: skip
    registration = parse_registration(
        b'{"full_name": "Tileuberdi Zhumabekov", "birth_date": "2002-04-12", "id_number": "CM02123456ABCDE"}',
        today=date(2026, 11, 1),
    )
    viz = _viz(surname="ZHUMABEKOV", given_names="TILEUBERDI", personal_number="CM02123456ABCDE")
    with_viz = compare_registration(registration, fields, viz=viz)
    without = compare_registration(registration, fields)
    assert with_viz.checks["id_number"]["matched"] is True
    assert with_viz.checks["personal_number_source"] == "viz"
    assert "registration.id_number_mismatch" in {str(r.code) for r in without.reasons}
    assert "registration.id_number_mismatch" not in {str(r.code) for r in with_viz.reasons}


def test_upright_page_uses_the_portrait(reader: VizReader) -> None:
    doc, truth = make_document("alb_id", np.random.default_rng(3))
    h, w = doc.shape[:2]
    turned_doc = cv2.rotate(doc, cv2.ROTATE_180)
    quad = [[0, 0], [w, 0], [w, h], [0, h]]
    x, y, pw, ph = truth["portrait"]["box_doc"]
    page, turned = upright_page(turned_doc, quad, "ID1", portrait_center=(w - x - pw / 2, h - y - ph / 2))
    assert turned
    assert np.abs(page.astype(int) - doc.astype(int)).mean() < 3


def test_viz_fields_stand_in_for_an_unreadable_mrz() -> None:
    """Only confident, well-formed fields, under the MRZ's names; registration compared against them."""
    viz = _viz(
        surname="ЖҰМАБЕКОВ", given_names="ТІЛЕУБЕРДІ", birth_date="2002-04-12", personal_number="020412538330"
    )
    viz.fields["document_number"] = VizField("022429187", 0.4, (0, 0, 1, 1), "022429187")  # too unsure
    printed = viz_fields(viz)
    assert printed == {"surname": "ЖҰМАБЕКОВ", "given_names": "ТІЛЕУБЕРДІ", "birth_date": "2002-04-12",
                       "optional_data": "020412538330"}  # fmt: skip
    registration = parse_registration(
        b'{"full_name": "Tileuberdi Zhumabekov", "birth_date": "2002-04-12"}', today=date(2026, 11, 1)
    )
    match = compare_registration(registration, printed)
    assert match.checks["name"]["decision"] == "match" and match.checks["birth_date"]["match"] is True


def test_anchored_values_pick_the_phrase_under_the_longest_label() -> None:
    from kyc_engine.ocr.viz_labels import anchored_values

    words = [("MBIEMRI", (0, 0, 70, 12), 0.9), ("/", (75, 0, 80, 12), 0.9), ("Surname", (85, 0, 150, 12), 0.9),
             ("HOXHA", (0, 18, 90, 40), 0.95), ("EMRI", (0, 50, 40, 62), 0.9), ("KLEJDI", (0, 68, 80, 90), 0.9),
             ("STRAY", (400, 20, 460, 40), 0.5)]  # fmt: skip
    found = {name: text for name, text, _, _ in anchored_values(words, default_layouts().labels)}
    assert found == {"surname": "HOXHA", "given_names": "KLEJDI"}  # EMRI inside MBIEMRI is not given names


def test_partial_readings_are_not_disagreements() -> None:
    """OCR that lost part of a printed name or number (seen on generated photos) is no evidence of an edit."""
    fields = {"surname": "GABDULLIN", "given_names": "NURSULTAN", "document_number": "165144555"}
    partial = _viz(surname="ҒАБДУЛЛИН", given_names="СҰЛТАН", document_number="144555")
    result = viz_mrz_checks(partial, fields)
    assert result.reasons == ()
    assert result.checks["name"]["decision"] == "no_match"  # still shown to a reviewer
