"""Render one flat specimen document (BGR image) and its ground truth.

Example:
    >>> import numpy as np
    >>> doc, truth = make_document("kaz_id", np.random.default_rng(7))
    >>> doc.shape, truth["format"]
    ((638, 1012, 3), 'TD1')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples import render
from samples.identities import AS_OF, PASSPORT_COUNTRIES, Holder, random_expiry, random_holder
from samples.layouts import COUNTRY_NAMES, LAYOUTS, Layout
from samples.mrz_text import DOC_TYPE, MrzData, compose, transliterate

__all__ = ["LAYOUTS", "make_document"]

_DIGITS = "0123456789"
_ALNUM = "ABCDEFGHIJKLMNPRSTUVWXYZ0123456789"


def _rand(rng: np.random.Generator, alphabet: str, n: int) -> str:
    return "".join(alphabet[int(i)] for i in rng.integers(0, len(alphabet), n))


def _pick(rng: np.random.Generator, items: list[str] | tuple[str, ...]) -> str:
    return items[int(rng.integers(0, len(items)))]


def _content(lay: Layout, rng: np.random.Generator) -> tuple[Holder, MrzData]:
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

            optional = make_iin(holder.birth, "F" if holder.sex == "F" else "M", rng)
        elif rng.random() < 0.4:
            optional = _rand(rng, _DIGITS, int(rng.integers(6, 15)))
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
    expiry = random_expiry(rng)
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


def _signature(img: np.ndarray, rng: np.random.Generator, box: tuple[int, int, int, int]) -> None:
    """A smooth random scribble inside ``box`` (x, y, w, h)."""
    x, y, w, h = box
    n = int(rng.integers(3, 7))
    t = np.linspace(0, 1, 200)
    xs = x + w * t
    ys = y + h / 2 + sum(rng.uniform(-h / 4, h / 4) * np.sin(2 * np.pi * (k + 1) * t * rng.uniform(0.5, 2))
                          for k in range(n))
    pts = np.stack([xs, ys], 1).astype(np.int32)
    cv2.polylines(img, [pts], False, (120, 40, 20), 2, cv2.LINE_AA)


def _fmt_date(d: dt.date) -> str:
    return d.strftime("%d.%m.%Y")


def make_document(layout: str, rng: np.random.Generator,
                  faces_dir: Path | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Render a flat document of ``layout`` (a key of :data:`LAYOUTS`).

    Returns (BGR image, truth dict). The truth holds every key of the ground-truth schema
    except ``id``, ``seed`` and ``photo``, plus ``mrz_box_doc`` (x, y, w, h).
    """
    lay = LAYOUTS[layout]
    holder, mrz = _content(lay, rng)
    lines, fields = compose(mrz)
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

    # Portrait (and ghost) from faces/ when available.
    faces_dir = faces_dir if faces_dir is not None else render.FACES_DIR
    files = render.face_files(faces_dir)
    if holder.sex in ("M", "F"):
        want_f = holder.sex == "F"
        files = [f for f in files if (f.parent.name in render.FEMALE_IDENTITIES) == want_f] or files
    scale = w / 1012 if lay.fmt == "TD1" else w / 1100
    header_h = int(0.17 * h if lay.fmt == "TD1" else 0.13 * h)
    pw = int(0.22 * w if lay.fmt == "TD1" else 0.25 * w)
    ph = int(pw * 4 / 3)
    ph = min(ph, clear_top - header_h - int(0.06 * h))
    pw = int(ph * 3 / 4)
    pbox = (int(0.04 * w), header_h + int(0.02 * h), pw, ph)
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
    ghost_w = int(pw * 0.38) if lay.ghost else 0
    if lay.ghost:
        gh = int(ghost_w * 4 / 3)
        gbox = (w - int(0.04 * w) - ghost_w, clear_top - gh - int(0.03 * h), ghost_w, gh)
        render.print_portrait(doc, face, gbox, True, fade=float(rng.uniform(0.55, 0.7)))
    _signature(doc, rng, (pbox[0] + pw // 8, min(pbox[1] + ph + 4, clear_top - 40), pw * 3 // 4, 34))

    pil = Image.fromarray(cv2.cvtColor(doc, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil)
    acc = (lay.accent[2], lay.accent[1], lay.accent[0])
    title = lay.title or COUNTRY_NAMES.get(mrz.issuing, mrz.issuing)
    tf = render.fit_font(draw, title, "DejaVuSans-Bold", int(34 * scale), int(w * 0.9))
    draw.text((w / 2, header_h * 0.38), title, font=tf, fill=acc, anchor="mm")
    sf = render.fit_font(draw, lay.subtitle, "DejaVuSans", int(22 * scale), int(w * 0.9))
    draw.text((w / 2, header_h * 0.78), lay.subtitle, font=sf, fill=acc, anchor="mm")

    L = lay.labels
    sex = "X" if holder.sex == "<" else holder.sex
    rows: list[list[tuple[str, str]]] = [[(L["surname"], _latin_cyr(holder.surname))],
                                         [(L["given"], _latin_cyr(holder.given_names))]]
    if holder.patronymic:
        rows.append([(L["patronymic"], holder.patronymic)])
    rows.append([(L["birth"], _fmt_date(holder.birth)), (L["sex"], sex)])
    rows.append([(L["number"], mrz.document_number), (L["nationality"], mrz.nationality)])
    personal = holder.iin or holder.personal_number or (mrz.optional if lay.name == "uga_id" else "")
    if lay.fmt in ("MRV-A", "MRV-B"):
        valid_from = mrz.expiry - dt.timedelta(days=int(rng.integers(30, 365)))
        rows.append([(L["issue"], _fmt_date(valid_from)), (L["expiry"], _fmt_date(mrz.expiry)),
                     (L["personal"], _pick(rng, ["1", "2", "MULT"]))])
    elif personal:
        rows.append([(L["expiry"], _fmt_date(mrz.expiry)), (L["personal"], personal)])
    else:
        rows.append([(L["expiry"], _fmt_date(mrz.expiry))])
    fx0 = pbox[0] + pw + int(0.035 * w)
    fx1 = w - int(0.04 * w) - (ghost_w + int(0.02 * w) if lay.ghost else 0)
    _draw_cells(draw, rows, (fx0, pbox[1], fx1, clear_top - int(0.02 * h)), scale, lay.accent)
    mrz_box = render.draw_mrz(pil, lines, x0, base0, pitch, line_pitch)
    doc = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)

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
    }
    return doc, truth
