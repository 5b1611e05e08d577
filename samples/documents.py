"""Render one flat specimen document (BGR image) and its ground truth.

Example:
    >>> import numpy as np
    >>> doc, truth = make_document("kaz_id", np.random.default_rng(7))
    >>> doc.shape, truth["format"]
    ((638, 1012, 3), 'TD1')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples import decor, render
from samples.identities import AS_OF, PASSPORT_COUNTRIES, Holder, random_expiry, random_holder
from samples.layouts import CITIES, COUNTRY_NAMES, LAYOUTS, Layout
from samples.mrz_text import DOC_TYPE, MrzData, compose, transliterate

__all__ = ["LAYOUTS", "Forge", "make_document"]

Forge = Callable[[Holder, MrzData, list[str]], tuple[Holder, MrzData, list[str]]]
"""A forger's edit: gets (holder, MRZ data, composed MRZ lines), returns the altered triple.
The VIZ is drawn from the returned holder and data, the MRZ from the returned lines."""

_DIGITS = "0123456789"
_ALNUM = "ABCDEFGHIJKLMNPRSTUVWXYZ0123456789"


def _rand(rng: np.random.Generator, alphabet: str, n: int) -> str:
    return "".join(alphabet[int(i)] for i in rng.integers(0, len(alphabet), n))


def _pick(rng: np.random.Generator, items: list[str] | tuple[str, ...]) -> str:
    return items[int(rng.integers(0, len(items)))]


def _content(lay: Layout, rng: np.random.Generator, p_expired: float = 0.2) -> tuple[Holder, MrzData]:
    """Draw the holder and everything the MRZ carries for ``lay``."""
    issuing = lay.country or _pick(rng, PASSPORT_COUNTRIES)
    holder = random_holder(issuing, rng)
    nat = issuing if rng.random() < 0.9 or lay.country else _pick(rng, PASSPORT_COUNTRIES)
    if lay.fmt in ("MRV-A", "MRV-B"):  # visas are issued to foreigners
        nat = _pick(rng, [c for c in PASSPORT_COUNTRIES if c != issuing])
        holder = random_holder(nat, rng)
    code = _pick(rng, lay.codes)
    number = _rand(rng, _DIGITS, 9)
    optional, optional2 = "", ""
    if lay.name == "kaz_id":
        number = "0" + _rand(rng, _DIGITS, 8)
        optional = holder.iin or ""
    elif lay.name == "alb_id":
        number = _rand(rng, _DIGITS, 9)
        optional = holder.personal_number or ""
    elif lay.name == "alb_passport":
        number = "B" + _rand(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1) + _rand(rng, _DIGITS, 7)
        optional = holder.personal_number or ""
    elif lay.name in ("ken_id", "tza_id", "uga_id"):
        long_p = {"ken_id": 0.3, "tza_id": 0.5, "uga_id": 0.25}[lay.name]
        if rng.random() < long_p:
            number = _rand(rng, _DIGITS, int(rng.integers(10, 14)))
            if rng.random() < 0.4:
                optional = _rand(rng, _DIGITS, int(rng.integers(2, 15 - (len(number) - 9) - 2)))
        elif lay.name == "ken_id":
            optional = _rand(rng, _DIGITS, 8)
        elif lay.name == "uga_id":
            sexl = "F" if holder.sex == "F" else "M"
            optional = "C" + sexl + holder.birth.strftime("%y") + _rand(rng, _DIGITS, 5) + _rand(rng, "ACEFHKLMNPRTUVWXY", 5)
        if rng.random() < 0.2:
            optional2 = _rand(rng, _ALNUM, int(rng.integers(3, 12)))
    elif lay.fmt == "TD3":
        number = _rand(rng, _ALNUM, int(rng.integers(8, 10)))
        if issuing == "KAZ":
            from samples.identities import make_iin

            # The MRZ carries the holder's own IIN, the one the visual zone prints (a fresh IIN was drawn
            # here before, so the two zones disagreed). The draw is kept so every later value is unchanged.
            fresh = make_iin(holder.birth, "F" if holder.sex == "F" else "M", rng)
            optional = holder.iin or fresh
        elif rng.random() < 0.4:
            optional = _rand(rng, _DIGITS, int(rng.integers(6, 15)))
        if issuing == "ALB" and holder.personal_number:
            # Likewise an Albanian passport carries the holder's personal number, which the visual zone
            # prints whenever the field is filled (it printed that one over a random MRZ number before).
            optional = holder.personal_number
    elif lay.fmt == "TD2":
        number = _rand(rng, _ALNUM, 9)
        if rng.random() < 0.4:
            optional = _rand(rng, _ALNUM, int(rng.integers(1, 8)))
    else:  # visas
        number = _rand(rng, _ALNUM, int(rng.integers(8, 10)))
        width = 16 if lay.fmt == "MRV-A" else 8
        if rng.random() < 0.5:
            optional = _rand(rng, _ALNUM, int(rng.integers(1, width + 1)))
    if lay.name == "kaz_id" and not optional:
        raise RuntimeError("Kazakh holder without IIN")
    expiry = random_expiry(rng, p_expired)
    if lay.fmt in ("MRV-A", "MRV-B"):
        expiry = AS_OF + dt.timedelta(days=int(rng.integers(-400, 720)))
    mrz = MrzData(lay.fmt, code, issuing, holder.surname, holder.given_names, number, nat, holder.birth,
                  holder.sex, expiry, optional, optional2, german=issuing == "D")
    return holder, mrz


def _latin_cyr(name: str) -> str:
    """'КУЗНЕЦОВА / KUZNETSOVA' for Cyrillic names, the name itself otherwise."""
    if any("\u0400" <= c <= "\u04ff" for c in name):
        return f"{name} / {transliterate(name).replace('<', ' ')}"
    return name


def _draw_cells(draw: ImageDraw.ImageDraw, rows: list[list[tuple[str, str]]], box: tuple[int, int, int, int],
                scale: float, accent: tuple[int, int, int]) -> None:
    """Label/value grid inside ``box`` (x0, y0, x1, y1); each row is split evenly among its cells."""
    x0, y0, x1, y1 = box
    row_h = min((y1 - y0) / max(len(rows), 1), 64 * scale)
    lab_sz, val_sz = int(14 * scale), int(25 * scale)
    ink = (25, 25, 35)
    acc_rgb = (accent[2], accent[1], accent[0])
    for r, row in enumerate(rows):
        cw = (x1 - x0) / len(row)
        for c, (label, value) in enumerate(row):
            x = x0 + c * cw
            y = y0 + r * row_h
            lf = render.fit_font(draw, label, "DejaVuSans", lab_sz, int(cw - 8))
            draw.text((x, y), label, font=lf, fill=acc_rgb)
            vf = render.fit_font(draw, value, "DejaVuSans-Bold", val_sz, int(cw - 8))
            draw.text((x, y + lab_sz * 1.25), value, font=vf, fill=ink)


def _fmt_date(d: dt.date) -> str:
    return d.strftime("%d.%m.%Y")


def _viz_extras(lay: Layout, holder: Holder, mrz: MrzData, rng: np.random.Generator) -> dict[str, str]:
    """VIZ-only values: date of issue, place of birth, authority, visa entries."""
    years = 10 if (mrz.expiry - AS_OF).days > 5 * 365 or rng.random() < 0.5 else 5
    if lay.fmt in ("MRV-A", "MRV-B"):
        issue = mrz.expiry - dt.timedelta(days=int(rng.integers(30, 365)))
    else:
        issue = mrz.expiry.replace(year=mrz.expiry.year - years) + dt.timedelta(days=1) \
            if not (mrz.expiry.month == 2 and mrz.expiry.day == 29) else mrz.expiry - dt.timedelta(days=365 * years)
    country = holder.country
    place = _pick(rng, CITIES[country]) if country in CITIES else COUNTRY_NAMES.get(country, country)
    authority = {"KAZ": "ҚР ІІМ / MIA RK", "ALB": "DPGJC", "D": "STADT " + transliterate(place).replace("<", " ")}
    return {
        "date_of_issue": issue.isoformat(),
        "place_of_birth": place,
        "authority": authority.get(mrz.issuing, "MINISTRY OF INTERIOR" if rng.random() < 0.5 else "IMMIGRATION"),
        "entries": _pick(rng, ["1", "2", "MULT"]),
    }


def _rows(lay: Layout, holder: Holder, mrz: MrzData, viz: dict[str, str]) -> list[list[tuple[str, str]]]:
    """Label/value rows of the visual zone for ``lay``."""
    L = lay.labels
    sex = "X" if holder.sex == "<" else holder.sex
    issue = _fmt_date(dt.date.fromisoformat(viz["date_of_issue"]))
    expiry = _fmt_date(mrz.expiry)
    surname, given = [(L["surname"], _latin_cyr(holder.surname))], [(L["given"], _latin_cyr(holder.given_names))]
    personal = holder.iin or holder.personal_number or (mrz.optional if lay.name == "uga_id" else "")
    if lay.fmt == "TD3":
        rows = [[("Type", mrz.document_code.strip("<")), ("Code", mrz.issuing), (L["number"], mrz.document_number)],
                surname, given]
        if holder.patronymic:
            rows.append([(L["patronymic"], holder.patronymic)])
        rows += [[(L["nationality"], COUNTRY_NAMES.get(mrz.nationality, mrz.nationality) + f" / {mrz.nationality}")],
                 [(L["birth"], _fmt_date(holder.birth)), (L["sex"], sex), ("Place of birth", viz["place_of_birth"])],
                 [(L["issue"], issue), ("Authority", viz["authority"])],
                 [(L["expiry"], expiry)] + ([(L["personal"], personal or mrz.optional)] if mrz.optional else [])]
        return rows
    if lay.fmt in ("MRV-A", "MRV-B"):
        return [[(L["issue"], issue), (L["expiry"], expiry), (L["personal"], viz["entries"])],
                [(L["number"], mrz.document_number), ("Type", "C"), ("Duration", f"{len(viz['place_of_birth']) * 3} DAYS")],
                surname, given,
                [(L["birth"], _fmt_date(holder.birth)), (L["sex"], sex), (L["nationality"], mrz.nationality)]]
    rows = [surname, given]
    if holder.patronymic:
        rows.append([(L["patronymic"], holder.patronymic)])
    rows.append([(L["birth"], _fmt_date(holder.birth)), (L["sex"], sex)])
    rows.append([(L["number"], mrz.document_number), (L["nationality"], mrz.nationality)])
    rows.append([(L["expiry"], expiry)] + ([(L["personal"], personal)] if personal else [(L["issue"], issue)]))
    return rows


def make_document(layout: str, rng: np.random.Generator, faces_dir: Path | None = None, *,
                  faces: Sequence[Path] | None = None, p_expired: float = 0.2,
                  forge: Forge | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Render a flat document of ``layout`` (a key of :data:`LAYOUTS`).

    Returns (BGR image, truth dict). The truth holds every key of the ground-truth schema
    except ``id``, ``seed`` and ``photo``, plus ``mrz_box_doc`` (x, y, w, h) and ``viz``
    (VIZ-only values such as the date of issue).

    Optional, for labelled test cases (the defaults give the same bytes as before):
    ``faces`` restricts the portrait to these files (under ``faces_dir``); ``p_expired`` is the
    chance that the document is expired (0 or 1 forces it; visas keep their own rule);
    ``forge`` alters holder, MRZ data and lines after composition, so the printed MRZ keeps
    the original check digits (``fields`` and ``holder`` in the truth then show the altered values).
    """
    lay = LAYOUTS[layout]
    holder, mrz = _content(lay, rng, p_expired)
    lines, fields = compose(mrz)
    if forge is not None:
        holder, mrz, lines = forge(holder, mrz, list(lines))
        fields = compose(mrz)[1]
    viz = _viz_extras(lay, holder, mrz, rng)
    w, h = lay.size
    ppm = lay.px_per_mm
    doc = render.gradient_background(w, h, lay.bg[0], lay.bg[1], rng)
    render.guilloche(doc, rng, lay.ink, n_rosettes=int(rng.integers(1, 3)))

    # MRZ geometry (ICAO: 2.54 mm pitch; the zone sits at the bottom with a light clear area).
    pitch = 2.54 * ppm
    n_chars = len(lines[0])
    line_pitch = (4.3 if lay.fmt == "TD1" else 4.6) * ppm
    last_base = h - (4.8 if lay.fmt == "TD1" else 5.5) * ppm
    base0 = last_base - (len(lines) - 1) * line_pitch
    x0 = (w - n_chars * pitch) / 2 + rng.uniform(-0.5, 0.5) * ppm
    clear_top = int(base0 - 0.73 * pitch / 0.723 - 2.5 * ppm)
    doc[clear_top:] = (doc[clear_top:].astype(np.float32) * 0.45 + 255 * 0.55).astype(np.uint8)

    # header: flag band, emblem
    scale = w / 1012 if lay.fmt == "TD1" else w / 1100
    header_h = int(0.17 * h if lay.fmt == "TD1" else 0.13 * h)
    country = mrz.issuing
    bands = decor.FLAG_BANDS.get(country, [lay.accent, lay.ink])
    decor.flag_band(doc, header_h - int(0.012 * h), max(int(0.012 * h), len(bands)), bands)
    er = int(header_h * 0.36)
    decor.emblem(doc, (int(0.04 * w) + er, int(header_h * 0.47)), er, lay.accent, rng)

    # portrait (and ghost) from faces/ when available
    faces_dir = faces_dir if faces_dir is not None else render.FACES_DIR
    files = list(faces) if faces is not None else render.face_files(faces_dir)
    if holder.sex in ("M", "F"):
        want_f = holder.sex == "F"
        files = [f for f in files if (f.parent.name in render.FEMALE_IDENTITIES) == want_f] or files
    pw = int(0.22 * w if lay.fmt == "TD1" else 0.25 * w)
    ph = min(int(pw * 4 / 3), clear_top - header_h - int(0.10 * h))
    pw = int(ph * 3 / 4)
    pbox = (int(0.04 * w), header_h + int(0.025 * h), pw, ph)
    backdrop = (236, 236, 232)
    source = identity = None
    if files:
        path = files[int(rng.integers(0, len(files)))]
        face = render.load_portrait(path, (pw, ph), backdrop)
        source = path.relative_to(faces_dir).as_posix()
        identity = path.parent.name
    else:
        face = render.synthetic_head((pw, ph), rng, backdrop)
    render.print_portrait(doc, face, pbox, lay.gray_portrait)
    if rng.random() < 0.6:  # an iridescent patch over a portrait corner
        hs = int(pw * 0.45)
        decor.hologram(doc, (pbox[0] + pw - hs * 2 // 3, pbox[1] + ph - hs * 2 // 3, hs, hs), rng,
                       float(rng.uniform(0.12, 0.25)))
    ghost_w = int(pw * 0.38) if lay.ghost else 0
    if lay.ghost:
        gh = int(ghost_w * 4 / 3)
        gbox = (w - int(0.04 * w) - ghost_w, clear_top - gh - int(0.03 * h), ghost_w, gh)
        render.print_portrait(doc, face, gbox, True, fade=float(rng.uniform(0.55, 0.7)))
    sig_y = pbox[1] + ph + int(0.01 * h)
    decor.signature(doc, rng, (pbox[0] + pw // 8, sig_y, pw * 3 // 4, max(min(clear_top - sig_y - 6, 50), 10)))

    pil = Image.fromarray(cv2.cvtColor(doc, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil)
    acc = (lay.accent[2], lay.accent[1], lay.accent[0])
    ink = (lay.ink[2], lay.ink[1], lay.ink[0])
    title = lay.title or COUNTRY_NAMES.get(country, country)
    tx0 = int(0.04 * w) + 2 * er + int(0.02 * w)
    tcx = (tx0 + w - int(0.02 * w)) / 2
    tf = render.fit_font(draw, title, "DejaVuSans-Bold", int(34 * scale), w - tx0 - int(0.03 * w))
    draw.text((tcx, header_h * 0.36), title, font=tf, fill=acc, anchor="mm")
    sf = render.fit_font(draw, lay.subtitle, "DejaVuSans", int(22 * scale), w - tx0 - int(0.03 * w))
    draw.text((tcx, header_h * 0.74), lay.subtitle, font=sf, fill=acc, anchor="mm")
    decor.microtext(pil, clear_top - 12 * scale, transliterate(title).replace("<", " "), ink, max(int(7 * scale), 6))

    rows = _rows(lay, holder, mrz, viz)
    fx0 = pbox[0] + pw + int(0.035 * w)
    fx1 = w - int(0.04 * w) - (ghost_w + int(0.02 * w) if lay.ghost else 0)
    _draw_cells(draw, rows, (fx0, pbox[1], fx1, clear_top - int(0.03 * h)), scale, lay.accent)
    mrz_box = render.draw_mrz(pil, lines, x0, base0, pitch, line_pitch)
    doc = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)

    sex = "X" if holder.sex == "<" else holder.sex
    truth: dict[str, Any] = {
        "layout": layout,
        "format": lay.fmt,
        "doc_type": DOC_TYPE[lay.fmt],
        "mrz_lines": lines,
        "fields": fields,
        "holder": {
            "surname_viz": holder.surname,
            "given_names_viz": holder.given_names,
            "full_name_latin": holder.full_name_latin,
            "birth_date": holder.birth.isoformat(),
            "sex": sex,
            "iin": holder.iin,
            "personal_number": holder.personal_number,
            "country": holder.country,
        },
        "portrait": {"source": source, "identity": identity, "box_doc": list(pbox)},
        "document_size": [w, h],
        "expired": mrz.expiry < AS_OF,
        "mrz_box_doc": list(mrz_box),
        "viz": {k: v for k, v in viz.items() if k != "entries" or lay.fmt.startswith("MRV")},
    }
    return doc, truth
