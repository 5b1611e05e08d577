"""Generated documents and photos: reproducibility, geometry, truth schema."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samples.documents import LAYOUTS, make_document
from samples.generate import generate_set, main
from samples.mrz_text import LINE_LENGTHS
from samples.photograph import photograph

TRUTH_KEYS = {
    "id",
    "seed",
    "layout",
    "format",
    "doc_type",
    "mrz_lines",
    "fields",
    "holder",
    "portrait",
    "document_size",
    "photo",
    "expired",
}
FIELD_KEYS = {
    "document_code",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
}
HOLDER_KEYS = {
    "surname_viz",
    "given_names_viz",
    "full_name_latin",
    "birth_date",
    "sex",
    "iin",
    "personal_number",
    "country",
}
PHOTO_KEYS = {
    "quad",
    "rotation_deg",
    "fill_ratio",
    "blur_sigma",
    "noise_sigma",
    "glare",
    "glare_over_mrz",
    "jpeg_quality",
    "severity",
    "size",
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_renders(layout: str) -> None:
    doc, truth = make_document(layout, np.random.default_rng(11))
    w, h = truth["document_size"]
    assert doc.shape == (h, w, 3)
    n, width = LINE_LENGTHS[truth["format"]]
    assert len(truth["mrz_lines"]) == n and all(len(x) == width for x in truth["mrz_lines"])
    x, y, bw, bh = truth["mrz_box_doc"]
    assert y > h * 0.5 and y + bh <= h and x >= 0 and x + bw <= w
    px, py, pw, ph = truth["portrait"]["box_doc"]
    assert py + ph <= y and px + pw <= w


def test_kazakh_iin_in_optional_data() -> None:
    _, truth = make_document("kaz_id", np.random.default_rng(5))
    assert truth["holder"]["iin"] == truth["fields"]["optional_data"]
    assert truth["mrz_lines"][0][15:27] == truth["holder"]["iin"]


def test_missing_faces_dir_draws_a_silhouette(tmp_path: Path) -> None:
    doc, truth = make_document("passport", np.random.default_rng(2), faces_dir=tmp_path / "none")
    assert truth["portrait"]["source"] is None and truth["portrait"]["identity"] is None


@pytest.mark.parametrize("severity", ["clean", "normal", "hard"])
def test_quad_inside_frame(severity: str) -> None:
    doc, truth = make_document("kaz_id", np.random.default_rng(1))
    for seed in range(2):
        photo, meta = photograph(
            doc,
            np.random.default_rng(seed),
            severity,  # type: ignore[arg-type]
            regions={"mrz": truth["mrz_box_doc"]},
        )
        fh, fw = photo.shape[:2]
        assert [fw, fh] == meta["size"]
        q = np.array(meta["quad"])
        assert (q >= 0).all() and (q[:, 0] < fw).all() and (q[:, 1] < fh).all()
        assert 0.2 < meta["fill_ratio"] < 0.95
        if severity != "hard":
            assert not meta["glare_over_mrz"]


def test_cut_off_puts_a_corner_outside() -> None:
    doc, _ = make_document("ken_id", np.random.default_rng(1))
    photo, meta = photograph(doc, np.random.default_rng(4), "normal", cut_off=True)
    fh, fw = photo.shape[:2]
    q = np.array(meta["quad"])
    outside = (q[:, 0] < 0) | (q[:, 0] >= fw) | (q[:, 1] < 0) | (q[:, 1] >= fh)
    assert meta["cut_off"] and outside.any()


def test_set_is_reproducible_and_truth_complete(tmp_path: Path) -> None:
    a = generate_set(tmp_path / "a", 3, seed=42, flat=True)
    b = generate_set(tmp_path / "b", 3, seed=42)
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
        assert pa.with_suffix(".json").read_bytes() == pb.with_suffix(".json").read_bytes()
        assert (pa.parent / f"{pa.stem}_flat.png").exists()
        truth = json.loads(pa.with_suffix(".json").read_text(encoding="utf-8"))
        assert TRUTH_KEYS <= set(truth)
        assert set(truth["fields"]) == FIELD_KEYS and set(truth["holder"]) == HOLDER_KEYS
        assert PHOTO_KEYS <= set(truth["photo"])
        assert truth["id"] == pa.stem and truth["doc_type"] in ("TD1", "TD2", "TD3")
        assert truth["fields"]["sex"] in ("M", "F", "X")


def test_cli(tmp_path: Path) -> None:
    assert (
        main(
            [
                "--out",
                str(tmp_path),
                "--count",
                "2",
                "--seed",
                "7",
                "--layouts",
                "alb_id,visa_b",
                "--severity-mix",
                "clean=1",
            ]
        )
        == 0
    )
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(tmp_path.glob("*.json"))]
    assert len(truths) == 2
    assert {t["layout"] for t in truths} <= {"alb_id", "visa_b"}
    assert all(t["photo"]["severity"] == "clean" for t in truths)


def _passports_of(country: str, n: int = 3) -> list[dict]:
    """The truths of the first ``n`` generic passports (seeds 0..399) issued by ``country``."""
    import numpy as np

    from samples.documents import make_document

    found = []
    for seed in range(400):
        _, truth = make_document("passport", np.random.default_rng(seed))
        if truth["fields"]["issuing_country"] == country:
            found.append(truth)
            if len(found) == n:
                break
    assert len(found) == n
    return found


def test_kazakh_passport_prints_one_iin_in_both_zones() -> None:
    """The TD3 personal-number field of a Kazakh passport holds the holder's IIN, the one the visual zone
    prints (it used to be a second, random IIN)."""
    for truth in _passports_of("KAZ"):
        assert truth["holder"]["iin"] and truth["fields"]["optional_data"] == truth["holder"]["iin"]


def test_albanian_passport_prints_one_personal_number_in_both_zones() -> None:
    """An Albanian holder's generic passport: the MRZ personal-number field holds the number the visual
    zone prints (it held a random number under the printed personal number before)."""
    for truth in _passports_of("ALB"):
        assert truth["fields"]["optional_data"] == truth["holder"]["personal_number"]
