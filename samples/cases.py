"""Labelled end-to-end cases for ``kyc verify``: selfie + document photo + registration JSON.

Usage (from the repository root; needs ../shared/faces)::

    python -m samples.cases --out var/cases --count 240 --seed 20261123 [--faces DIR]

Each case ``<id>`` gets ``<id>_selfie.jpg``, ``<id>_document.jpg``, ``<id>_registration.json``
and ``<id>_case.json`` (category, expected decision, notes, document truth, selfie source,
details); ``index.json`` lists them all. Case ``i`` has category ``CATEGORIES[i % 10]`` and
layout ``CASE_LAYOUTS[(i // 10) % 7]`` (``translit_name``: :data:`TRANSLIT_LAYOUTS`) and draws
everything else from ``numpy.random.default_rng(seed + i)``, so a set is bit-reproducible. Dates are relative to
:data:`samples.identities.AS_OF` (2026-11-01): verify with the clock fixed there.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from samples import registration as reg
from samples import render
from samples.documents import Forge, make_document
from samples.identities import AS_OF, Holder, random_holder
from samples.mrz_text import MrzData, check_digit, compose, transliterate, yymmdd
from samples.photograph import encode_jpeg, photograph
from samples.selfie import no_face_scene, selfie, selfie_sources, spoil_mrz

Decision = Literal["verified", "rejected", "review", "retry"]

CATEGORIES: dict[str, Decision] = {
    "genuine": "verified",
    "translit_name": "verified",
    "other_selfie": "rejected",
    "other_name": "rejected",
    "wrong_birth_date": "rejected",
    "expired": "rejected",
    "tampered_mrz": "rejected",
    "id_photo_selfie": "rejected",
    "no_face": "retry",
    "unreadable_document": "retry",
}
"""Category -> expected decision; case ``i`` is of the category at position ``i % 10``."""

CASE_LAYOUTS = ("kaz_id", "alb_id", "alb_passport", "ken_id", "tza_id", "uga_id", "passport")
"""Layouts used, in turn: case ``i`` uses ``CASE_LAYOUTS[(i // 10) % 7]`` (but see below)."""

TRANSLIT_LAYOUTS = ("kaz_id", "alb_id", "kaz_id", "alb_passport", "passport", "kaz_id", "ken_id", "alb_id",
                    "kaz_id", "uga_id", "passport", "tza_id")
"""``translit_name`` cases cycle through these instead: Cyrillic and diacritics have more spellings
than the East African names, which can only change order and case."""

SEVERITY_MIX = {"clean": 0.40, "normal": 0.52, "hard": 0.08}
"""Document photo severities (unreadable documents start from ``normal``)."""

MIN_VALID_DAYS = 180
"""Documents that should be valid expire at least this long after AS_OF (a run a few weeks
after AS_OF on the real clock still sees them valid)."""


class FacesMissingError(RuntimeError):
    """../shared/faces (or the ``--faces`` folder) is absent or has too few usable photos."""


def _doc_faces(faces_dir: Path) -> tuple[list[Path], dict[str, list[Path]]]:
    """(portrait pool, selfie sources): identities with >= 2 selfie-grade photos; the pool holds their
    photos fit to be printed as a document portrait (:func:`samples.render.id_photo_grade`)."""
    sources = {k: v for k, v in selfie_sources(faces_dir).items() if len(v) >= 2}
    if len(sources) < 4:
        raise FacesMissingError(
            f"cases need real face photos: {faces_dir} is absent or has too few usable identities "
            "(expected ../shared/faces beside the checkout, or pass --faces DIR)")
    pool = [p for p in render.face_files(faces_dir) if p.parent.name in sources and render.id_photo_grade(p)]
    return pool, sources


# -- tampering ---------------------------------------------------------------------------------

def _birth_edits(birth: dt.date) -> list[tuple[int, str, dt.date]]:
    """Every one-digit change of YYMMDD that is still a date of an adult (18-85 at AS_OF)."""
    s = yymmdd(birth)
    century = birth.year - birth.year % 100
    out = []
    for pos in range(6):
        for d in "0123456789":
            if d == s[pos]:
                continue
            t = s[:pos] + d + s[pos + 1:]
            try:
                new = dt.date(century + int(t[:2]), int(t[2:4]), int(t[4:6]))
            except ValueError:
                continue
            if 18 <= (AS_OF - new).days / 365.25 <= 85:
                out.append((pos, d, new))
    return out


_AL_CHECK = "WABCDEFGHIJKLMNOPQRSTUV"


def al_check_letter(first9: str) -> str:
    """Albanian personal-number check letter as documented by the open-source nidx project
    (weights 1, 1, 2 .. 8; letters valued by their place in ``WABC..V``; sum mod 23 indexes the
    same alphabet). It reproduces python-stdnum's NIPT examples (``J91402501L``, ``K22218003V``);
    :func:`samples.identities.make_albanian_personal_number` uses an older stand-in."""
    total = sum(max(i, 1) * (int(c) if c.isdigit() else _AL_CHECK.index(c)) for i, c in enumerate(first9))
    return _AL_CHECK[total % 23]


def _real_albanian_number(holder: Holder, mrz: MrzData, lines: list[str]) -> tuple[Holder, MrzData, list[str]]:
    """The holder's personal number with the nidx check letter, in the VIZ and the MRZ."""
    pn = holder.personal_number
    if not pn:
        return holder, mrz, lines
    fixed = pn[:9] + al_check_letter(pn[:9])
    holder = dataclasses.replace(holder, personal_number=fixed)
    if mrz.optional == pn:
        mrz = dataclasses.replace(mrz, optional=fixed)
        lines = compose(mrz)[0]
    return holder, mrz, lines


def _keep(seen: list[Holder]) -> Forge:
    """No forgery: only the Albanian check letter is set right; records the holder (the truth
    JSON has no patronymic)."""

    def forge(holder: Holder, mrz: MrzData, lines: list[str]) -> tuple[Holder, MrzData, list[str]]:
        holder, mrz, lines = _real_albanian_number(holder, mrz, lines)
        seen.append(holder)
        return holder, mrz, lines

    return forge


def _tamper(rng: np.random.Generator, details: dict[str, Any], seen: list[Holder]) -> Forge:
    """A forger's edit of one digit of the birth date or document number, in the VIZ and the
    printed MRZ, check digits left as issued. Fills ``details``; records the altered holder."""

    def forge(holder: Holder, mrz: MrzData, lines: list[str]) -> tuple[Holder, MrzData, list[str]]:
        holder, mrz, lines = _real_albanian_number(holder, mrz, lines)
        td1 = mrz.fmt == "TD1"
        number = mrz.document_number
        num_pos = [j for j, c in enumerate(number[:9]) if c.isdigit()] if len(number) <= 9 else []
        national = bool(holder.iin or holder.personal_number)  # they encode the birth date too
        if num_pos and rng.random() < (0.75 if national else 0.5):
            j = num_pos[int(rng.integers(0, len(num_pos)))]
            d = str((int(number[j]) + int(rng.integers(1, 10))) % 10)
            new_number = number[:j] + d + number[j + 1:]
            line, col, start = (0, 5 + j, 5) if td1 else (1, j, 0)
            field, original, altered = "document_number", number, new_number
            mrz = dataclasses.replace(mrz, document_number=new_number)
            span = (start, start + 9)
        else:
            edits = _birth_edits(holder.birth)
            pos, d, new_birth = edits[int(rng.integers(0, len(edits)))]
            line, col, start = (1, pos, 0) if td1 else (1, 13 + pos, 13)
            field, original, altered = "birth_date", holder.birth.isoformat(), new_birth.isoformat()
            holder = dataclasses.replace(holder, birth=new_birth)
            mrz = dataclasses.replace(mrz, birth=new_birth)
            span = (start, start + 6)
        lines[line] = lines[line][:col] + d + lines[line][col + 1:]
        data, printed = lines[line][span[0]:span[1]], lines[line][span[1]]
        if check_digit(data) == printed:  # cannot happen: 7, 3 and 1 are prime to 10
            raise RuntimeError("tampered MRZ field still passes its check digit")
        details.update({"field": field, "original": original, "altered": altered, "mrz_line": line,
                        "mrz_column": col, "field_span": list(span), "check_digit_column": span[1]})
        seen.append(holder)
        return holder, mrz, lines

    return forge


# -- registration variants -----------------------------------------------------------------------

def _similar(a: str, b: str) -> bool:
    a, b = transliterate(a), transliterate(b)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.75


def _other_person(holder: Holder, rng: np.random.Generator) -> tuple[Holder, str]:
    """Someone else of the same culture: different given name and surname, or (30 %) the same
    surname (a relative) with a different given name."""
    same_surname = rng.random() < 0.3
    for _ in range(200):
        other = random_holder(holder.country, rng)
        first_a, first_b = holder.given_names.split(" ")[0], other.given_names.split(" ")[0]
        if _similar(first_a, first_b) or _similar(holder.given_names, other.given_names):
            continue
        if same_surname:
            if other.sex == holder.sex:
                return dataclasses.replace(holder, given_names=other.given_names), "same_surname_other_given"
            continue
        if not _similar(holder.surname, other.surname):
            return dataclasses.replace(holder, given_names=other.given_names, surname=other.surname,
                                       patronymic=other.patronymic), "other_given_and_surname"
    raise RuntimeError("no distinct other person found")


def _shift_birth(birth: dt.date, rng: np.random.Generator) -> tuple[dt.date, str]:
    kind = ("days", "months", "years")[int(rng.integers(0, 3))]
    sign = 1 if rng.random() < 0.5 else -1
    for _ in range(2):
        if kind == "days":
            n = int(rng.integers(1, 21))
            new = birth + dt.timedelta(days=sign * n)
        elif kind == "months":
            n = int(rng.integers(1, 12))
            m = birth.month - 1 + sign * n
            new = dt.date(birth.year + m // 12, m % 12 + 1, min(birth.day, 28))
        else:
            n = int(rng.integers(1, 13))
            new = dt.date(birth.year + sign * n, birth.month, min(birth.day, 28))
        if (AS_OF - new).days >= 18 * 365.25 and new != birth:
            return new, f"{sign * n:+d} {kind}"
        sign = -1  # would make a minor: go back in time instead
    raise RuntimeError("no birth-date shift found")


# -- one case --------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, items: Sequence[Any]) -> Any:
    return items[int(rng.integers(0, len(items)))]


def make_case(index: int, seed: int, faces_dir: Path | None = None) -> dict[str, Any]:
    """Case ``index`` of the set ``seed``: a dict with ``selfie`` and ``document`` (BGR, JPEG
    quality), ``registration`` and ``case`` (the JSON records)."""
    faces_dir = faces_dir if faces_dir is not None else render.FACES_DIR
    pool, sources = _doc_faces(faces_dir)
    item_seed = seed + index
    rng = np.random.default_rng(item_seed)
    category = list(CATEGORIES)[index % len(CATEGORIES)]
    layouts = TRANSLIT_LAYOUTS if category == "translit_name" else CASE_LAYOUTS
    layout = layouts[(index // len(CATEGORIES)) % len(layouts)]
    severity = "normal" if category == "unreadable_document" else \
        str(rng.choice(list(SEVERITY_MIX), p=list(SEVERITY_MIX.values())))
    details: dict[str, Any] = {}
    notes: list[str] = []

    for _ in range(20):  # redraw documents that would expire soon after AS_OF (real clocks move on)
        seen: list[Holder] = []
        forge = _tamper(rng, details, seen) if category == "tampered_mrz" else _keep(seen)
        doc, truth = make_document(layout, rng, faces_dir, faces=pool,
                                   p_expired=1.0 if category == "expired" else 0.0, forge=forge)
        expiry = dt.date.fromisoformat(truth["fields"]["expiry_date"])
        if category == "expired" or (expiry - AS_OF).days >= MIN_VALID_DAYS:
            break
    regions = {"mrz": truth["mrz_box_doc"], "portrait": truth["portrait"]["box_doc"]}
    for _ in range(10):  # hard photos may cover the MRZ; only the unreadable category wants that
        photo, meta = photograph(doc, rng, severity, regions=regions, apply_jpeg=False)  # type: ignore[arg-type]
        if not (meta["glare_over_mrz"] or meta["thumb_over_mrz"]):
            break
    if category == "unreadable_document":
        photo, details["spoil"] = spoil_mrz(photo, meta["regions"]["mrz"], rng,
                                            "blur" if rng.random() < 0.65 else "glare")
        notes.append(f"MRZ made unreadable by {details['spoil']['effect']}")
    doc_quality = int(meta["jpeg_quality"])
    truth = {"id": "", "seed": item_seed, **truth, "photo": meta}

    # selfie
    identity = truth["portrait"]["identity"]
    own = [p for p in sources[identity] if p.relative_to(faces_dir).as_posix() != truth["portrait"]["source"]]
    selfie_info: dict[str, Any]
    if category == "id_photo_selfie":
        img, smeta = photograph(doc, rng, str(rng.choice(["clean", "normal"])), regions=regions,  # type: ignore[arg-type]
                                apply_jpeg=False)
        selfie_info = {"kind": "id_photo", "source": None, "identity": identity, **smeta}
        notes.append("selfie is a second photo of the same ID card")
    elif category == "no_face":
        img, smeta = no_face_scene(rng)
        selfie_info = {"source": None, "identity": None, **smeta}
    else:
        if category == "other_selfie":
            female = identity in render.FEMALE_IDENTITIES
            others = [k for k in sources if k != identity]
            same_sex = [k for k in others if (k in render.FEMALE_IDENTITIES) == female]
            who = _pick(rng, same_sex if same_sex and rng.random() < 0.7 else others)
            path = _pick(rng, sources[who])
            notes.append(f"selfie shows {who}, document portrait {identity}")
        else:
            path = _pick(rng, own)
        img, smeta = selfie(path, rng)
        selfie_info = {"source": path.relative_to(faces_dir).as_posix(), "identity": path.parent.name, **smeta}

    # registration
    holder = seen[-1]
    if category == "translit_name":
        name, form = reg.variant_name(holder, rng)
    elif category == "other_name":
        other, how = _other_person(holder, rng)
        name, form = reg.genuine_name(other, rng)
        details["other_name"] = how
        notes.append(f"name of another person ({how})")
    else:
        name, form = reg.genuine_name(holder, rng)
    details["name_form"] = form
    force = "document_number" if details.get("field") == "document_number" else None
    id_num, id_kind = reg.id_number(truth, rng, force)
    details["id_number_kind"] = id_kind
    birth = None
    if category == "wrong_birth_date":
        birth, shift = _shift_birth(holder.birth, rng)
        details["birth_shift"] = shift
        notes.append(f"registration birth date {shift} off the document")
    registration = reg.registration(truth, name, id_num, birth)
    if category == "tampered_mrz":
        notes.append(f"{details['field']} {details['original']} -> {details['altered']} in VIZ and MRZ, "
                     "check digits as issued")
        if details["field"] == "birth_date" and (holder.iin or holder.personal_number):
            notes.append("the national number still encodes the original birth date")
    if category == "expired":
        notes.append(f"expired on {truth['fields']['expiry_date']}")
    if severity == "hard":
        notes.append("hard photo: reading may fail")
    if truth["fields"]["surname"] + " " + truth["fields"]["given_names"] != \
            " ".join(w for w in transliterate(holder.surname + "<<" + holder.given_names).split("<") if w):
        notes.append("MRZ name truncated")
    notes.insert(0, f"{category}; name typed as {form}; id_number is the {id_kind}")
    case = {"id": "", "seed": item_seed, "category": category, "layout": layout,
            "expected_decision": CATEGORIES[category], "notes": "; ".join(notes), "as_of": AS_OF.isoformat(),
            "severity": severity, "selfie": selfie_info, "details": details, "truth": truth}
    return {"selfie": (img, int(selfie_info["jpeg_quality"])), "document": (photo, doc_quality),
            "registration": registration, "case": case}


def generate_cases(out_dir: Path | str, count: int = 240, seed: int = 20261123,
                   faces_dir: Path | None = None, prefix: str = "c") -> list[dict[str, Any]]:
    """Write ``count`` cases into ``out_dir`` plus ``index.json``; returns the index entries.

    Case ids are ``{prefix}{seed}_{index:05d}``. Raises :class:`FacesMissingError` without faces.
    """
    faces_dir = faces_dir if faces_dir is not None else render.FACES_DIR
    _doc_faces(faces_dir)  # fail before writing anything
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(count):
        item = make_case(i, seed, faces_dir)
        cid = f"{prefix}{seed}_{i:05d}"
        item["case"]["id"] = item["case"]["truth"]["id"] = cid
        files = {"selfie": f"{cid}_selfie.jpg", "document": f"{cid}_document.jpg",
                 "registration": f"{cid}_registration.json", "case": f"{cid}_case.json"}
        for key in ("selfie", "document"):
            img, quality = item[key]
            (out / files[key]).write_bytes(encode_jpeg(img, quality))
        for key in ("registration", "case"):
            (out / files[key]).write_text(json.dumps(item[key], ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
        c = item["case"]
        entries.append({"id": cid, "category": c["category"], "expected_decision": c["expected_decision"],
                        "layout": c["layout"], "severity": c["severity"], "files": files})
    index = {"generator": "samples.cases", "seed": seed, "count": count, "as_of": AS_OF.isoformat(),
             "categories": CATEGORIES, "counts": dict(Counter(e["category"] for e in entries)), "cases": entries}
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(prog="python -m samples.cases", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output folder")
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--faces", type=Path, default=None, help="face photo folder (default ../shared/faces)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        entries = generate_cases(args.out, args.count, args.seed, args.faces)
    except FacesMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dt_s = time.perf_counter() - t0
    counts = Counter(e["category"] for e in entries)
    print(f"wrote {len(entries)} cases to {args.out} in {dt_s:.1f} s: "
          + ", ".join(f"{k}={counts[k]}" for k in CATEGORIES if counts[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
