"""Liveness and selfie-misuse benchmark: MiniFASNet on bona fide photos and synthetic attacks.

Run from the repository root: ``.venv/bin/python -m benchmarks.liveness [--docs 40] [--seed 7]``.
Writes the ``liveness`` section of benchmarks/RESULTS.md.

Bona fide: the full photographs of ../shared/faces used as selfies (the 112x112 aligned crops are
reported apart). Attacks, each made from every bona fide photo or from generated documents:
screen replay, print-and-photograph, the ID portrait cropped out of a photographed document, and
a photo of the whole card. The simulations are ours (not ISO 30107-3 instruments): they test what
they model, not a real presentation-attack instrument.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.common import machine, now_utc, pct, write_section
from kyc_engine.detect.document import DocumentDetector
from kyc_engine.detect.faces import Face, FaceDetector, select_main_face
from kyc_engine.liveness.minifasnet import PassiveLiveness
from kyc_engine.liveness.misuse import selfie_misuse
from kyc_engine.manifest import ModelRegistry
from kyc_engine.settings import get_settings
from samples.documents import LAYOUTS, make_document
from samples.photograph import photograph

#: Reading of the numbers, written after the last full run (re-render with --render after editing).
NOTES = """\
Reading (run of 2026-11-24 05:41 UTC, quiet machine, 30 documents, seed 7):
- The crop changed (issue 5): the YuNet box is shortened to 0.85 of its height, because upstream cropped around a
  shorter RetinaFace box, and a face wider than 200 px is scored on the image reduced (INTER_AREA) to that
  width. The thresholds are accept ≥ 0.8 (kept) and reject < 0.15 (was 0.2), both chosen on this benchmark only.
  Against the 00:25 UTC run with the old crop:
  - bona fide accepted 102 → 109/127, review 19 → 13, rejected 6 → 5;
  - attacks accepted (screen / print / ID portrait / whole card) 22/6/2/3 → 19/4/2/2;
  - 2 bona fide photos and 6 attacks that score between 0.15 and 0.2 now go to review instead of being rejected.
- Misuse table, against the same run:
  - An ID portrait cut from another photo of the card passes every check 2/30 times (was 1/30).
  - The original portrait photo re-used as the selfie passes 21/30 (was 18/30). It is a real photograph, so only
    the hashes can catch it, and liveness cannot.
- MiniFASNet separates these synthetic attacks only partly. It does not catch our screen replay well
  (16 % accepted at 0.8, 9 % even at 0.95): the simulated LCD is fine-pitched and its moiré faint, and the
  model was trained on other screens and cameras. Do not read these rates as real-world APCER.
- The bona fide set is press and web photographs, not phone selfies: the 4 % scored below 0.15 are mostly
  heavily processed or low-resolution pictures. Calibrate again on real selfies before production.
- Misuse checks complement liveness for the ID-portrait attack: a portrait cut from the submitted document
  photo is caught by the face-square pHash in 29/30 and nothing passes every check. The hashes catch the same
  picture re-used (crop, resize, JPEG), but not a re-photographed one (distances 5-29). The document detector
  flags every whole-card selfie and raises no false alarm on the 127 bona fide photos."""

FACES = Path(__file__).resolve().parents[2] / "shared" / "faces"
Image = np.ndarray


def _jpeg(img: Image, quality: int) -> Image:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


def _rephotograph(surface: Image, size: tuple[int, int], rng: np.random.Generator, bezel: bool) -> Image:
    """Photograph a flat float32 0..1 ``surface`` into a ``size`` (w, h) frame: slight perspective,
    point sampling (moiré from fine patterns), blur, sensor noise, JPEG."""
    h, w = surface.shape[:2]
    ow, oh = size
    inset = rng.uniform(0.04, 0.12) if bezel else -rng.uniform(0.0, 0.06)  # bezel visible, or cropped
    dst = np.array([[0, 0], [ow, 0], [ow, oh], [0, oh]], np.float32)
    dst += np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], np.float32) * inset * np.array([ow, oh], np.float32)
    dst += rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * np.array([ow, oh], np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    shrink = max(w / ow, h / oh)
    if shrink > 1:  # the lens resolves only part of the fine pattern; the rest aliases (moire)
        surface = cv2.GaussianBlur(surface, (0, 0), float(rng.uniform(0.25, 0.45)) * shrink)
    back = float(rng.uniform(0.02, 0.12))
    out = cv2.warpPerspective(surface, matrix, (ow, oh), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(back, back, back))
    out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.5, 1.1)))
    out = out + rng.normal(0, rng.uniform(0.008, 0.02), out.shape).astype(np.float32)
    return _jpeg(np.clip(out * 255, 0, 255).astype(np.uint8), int(rng.integers(70, 92)))


def screen_replay(bgr: Image, rng: np.random.Generator) -> Image:
    """The photo shown on an LCD (RGB stripe sub-pixels, scan-line gaps, gamma and white-point shift,
    raised black level, specular glare) and rephotographed, so that the sub-pixel grid beats against
    the camera's pixels (moiré)."""
    h, w = bgr.shape[:2]
    long_side = int(rng.integers(500, 800))  # screen pixels across the picture
    f = long_side / max(h, w)
    disp = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_CUBIC)
    disp = np.repeat(np.repeat(disp.astype(np.float32) / 255, 3, 0), 3, 1)  # 3x3 sub-pixel cells
    disp = np.power(disp, rng.uniform(0.75, 1.3))
    disp = disp * rng.uniform(0.8, 0.95) + rng.uniform(0.03, 0.08)
    disp[..., 0] *= rng.uniform(1.0, 1.12)  # cool white point
    yy, xx = np.mgrid[0 : disp.shape[0], 0 : disp.shape[1]]
    mask = np.stack([np.where(xx % 3 == 2 - c, 1.0, 0.15) for c in range(3)], -1).astype(np.float32)
    mask *= np.where(yy % 3 == 2, 0.5, 1.0)[..., None].astype(np.float32)  # gaps between rows
    disp = disp * mask * 2.2
    gy, gx = rng.uniform(0.1, 0.9) * disp.shape[0], rng.uniform(0.1, 0.9) * disp.shape[1]
    sigma = rng.uniform(0.1, 0.3) * max(disp.shape[:2])
    glare = np.exp(-((yy - gy) ** 2 + (xx - gx) ** 2) / (2 * sigma**2)).astype(np.float32)
    disp = disp + rng.uniform(0.15, 0.45) * glare[..., None]
    return _rephotograph(disp, (w, h), rng, bezel=bool(rng.random() < 0.5))


def print_attack(bgr: Image, rng: np.random.Generator) -> Image:
    """The photo printed (CMYK halftone at screen angles, dot gain, paper tone, reduced density range,
    uneven light) and rephotographed."""
    h, w = bgr.shape[:2]
    up = 1200 / max(h, w)
    big = cv2.resize(bgr, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    cmy = 1 - big[..., ::-1]  # C, M, Y from R, G, B
    k = cmy.min(-1, keepdims=True) * 0.8
    inks = np.concatenate([cmy - k, k], -1)
    yy, xx = np.mgrid[0 : big.shape[0], 0 : big.shape[1]].astype(np.float32)
    period = float(rng.uniform(4, 7))
    dots = []
    for i, angle in enumerate(np.deg2rad([15.0, 75.0, 0.0, 45.0])):
        u, v = xx * np.cos(angle) + yy * np.sin(angle), -xx * np.sin(angle) + yy * np.cos(angle)
        screen = 0.5 + 0.25 * (np.cos(2 * np.pi * u / period) + np.cos(2 * np.pi * v / period))
        dots.append((inks[..., i] > screen).astype(np.float32))
    ink = cv2.GaussianBlur(np.stack(dots, -1), (0, 0), 0.7)  # dot gain
    rgb = (1 - 0.9 * ink[..., :3]) * (1 - 0.85 * ink[..., 3:])
    paper = np.array([rng.uniform(0.88, 0.95), rng.uniform(0.92, 0.97), rng.uniform(0.93, 0.99)], np.float32)
    out = rgb[..., ::-1] * paper  # back to BGR on toned paper
    light = np.linspace(rng.uniform(0.75, 0.95), rng.uniform(0.95, 1.1), out.shape[1], dtype=np.float32)
    out = out * (light[None, :, None] if rng.random() < 0.5 else light[::-1][None, :, None])
    return _rephotograph(out, (w, h), rng, bezel=bool(rng.random() < 0.5))


def portrait_crop(photo: Image, quad: list[list[float]], rng: np.random.Generator) -> Image:
    """The portrait cut out of a document photo (bounding box + margin), enlarged to a selfie size."""
    q = np.array(quad, np.float32)
    x0, y0 = q.min(0)
    x1, y1 = q.max(0)
    m = rng.uniform(0.05, 0.25) * (x1 - x0)
    x0, y0 = int(max(0, x0 - m)), int(max(0, y0 - m))
    x1, y1 = int(min(photo.shape[1], x1 + m)), int(min(photo.shape[0], y1 + m))
    crop = photo[y0:y1, x0:x1]
    f = 480 / max(crop.shape[:2])
    return _jpeg(cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC), int(rng.integers(80, 95)))


def load_faces() -> tuple[dict[str, Image], dict[str, Image]]:
    """(full photos, 112x112 crops), keyed by path relative to the faces folder."""
    full, crops = {}, {}
    for path in sorted(FACES.glob("*/*.jpg")):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        (crops if img.shape[:2] == (112, 112) else full)[path.relative_to(FACES).as_posix()] = img
    return full, crops


class Bench:
    def __init__(self) -> None:
        settings = get_settings()
        registry = ModelRegistry.load(settings.manifest_path, settings.model_dir, stages=("faces", "liveness"))
        self.faces = FaceDetector.from_registry(registry)
        self.liveness = PassiveLiveness.from_registry(registry)
        self.documents = DocumentDetector()
        self.ms: list[float] = []

    def face(self, img: Image) -> Face | None:
        return select_main_face(self.faces.detect(img)).face

    def score(self, img: Image) -> float | None:
        """Fused live probability of the main face, None when no face is found."""
        face = self.face(img)
        if face is None:
            return None
        result = self.liveness.check(img, face)
        self.ms.append(result.elapsed_ms)
        return result.live_probability


def _documents(full: dict[str, Image], count: int, seed: int) -> list[dict[str, Any]]:
    """Generated documents whose portrait is a chosen photo P, with another photo S of the same person."""
    by_id: dict[str, list[str]] = {}
    for key in full:
        by_id.setdefault(key.split("/")[0], []).append(key)
    ids = sorted(i for i, files in by_id.items() if len(files) >= 2)
    rng = np.random.default_rng(seed)
    items = []
    for n in range(count):
        ident = ids[n % len(ids)]
        p, s = rng.choice(by_id[ident], 2, replace=False)
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / ident).mkdir()
            (Path(tmp) / p).symlink_to(FACES / p)
            doc, truth = make_document(sorted(LAYOUTS)[n % len(LAYOUTS)], rng, faces_dir=Path(tmp))
        regions = {"portrait": truth["portrait"]["box_doc"], "mrz": truth["mrz_box_doc"]}
        photo_a, meta_a = photograph(doc, rng, "normal", regions=regions)
        photo_b, meta_b = photograph(doc, rng, "normal", regions=regions)
        items.append({"portrait_src": str(p), "selfie_src": str(s), "document": photo_a, "card_photo": photo_b,
                      "crop_same": portrait_crop(photo_a, meta_a["regions"]["portrait"], rng),
                      "crop_other": portrait_crop(photo_b, meta_b["regions"]["portrait"], rng)})
    return items


def _q(values: list[float], digits: int = 3) -> str:
    if not values:
        return "n/a"
    return " / ".join(f"{pct(values, q):.{digits}f}" for q in (5, 25, 50, 75, 95))


def _rates(scores: list[float | None], accept: float, reject: float) -> tuple[str, str, str, str]:
    s = np.array([v for v in scores if v is not None])
    n = len(scores)
    missing = n - len(s)
    def share(k: int) -> str:
        return f"{k}/{n} ({100 * k / max(n, 1):.1f} %)"
    return (share(int((s >= accept).sum())), share(int(((s >= reject) & (s < accept)).sum())),
            share(int((s < reject).sum())), share(missing))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N photos of each kind (smoke test)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path("var/liveness_bench.json"),
                    help="raw scores are saved here; --render re-renders them at the current thresholds")
    ap.add_argument("--render", action="store_true")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    bench = Bench()
    if args.render:
        raw = json.loads(args.cache.read_text())
        bench.ms = raw["ms"]
        found: Misuse = (raw["misuse"], raw["dist"], raw["mms"], raw["live"])
        text = _report(bench, raw["scores"], found, argparse.Namespace(**raw["args"]), raw["seconds"],
                       raw["n_full"], raw["n_crops"])
        print(text)
        if not args.no_write:
            write_section("liveness", text)
        return
    full, crops = load_faces()
    if args.limit:
        full, crops = dict(list(full.items())[: args.limit]), dict(list(crops.items())[: args.limit])
    rng = np.random.default_rng(args.seed)
    attacks: dict[str, Callable[[Image, np.random.Generator], Image]] = {
        "screen replay": screen_replay, "print + photograph": print_attack}
    scores: dict[str, list[float | None]] = {"bona fide (full photos)": [], "bona fide (112x112 crops)": []}
    scores |= {name: [] for name in attacks}
    for img in full.values():
        scores["bona fide (full photos)"].append(bench.score(img))
        for name, make in attacks.items():
            scores[name].append(bench.score(make(img, rng)))
    for img in crops.values():
        scores["bona fide (112x112 crops)"].append(bench.score(cv2.copyMakeBorder(img, 56, 56, 56, 56,
                                                                                  cv2.BORDER_REPLICATE)))
    docs = _documents(full, args.docs, args.seed)
    scores["ID portrait cropped from a document photo"] = [bench.score(d["crop_other"]) for d in docs]
    scores["photo of the whole card"] = [bench.score(d["card_photo"]) for d in docs]
    misuse = _misuse(bench, full, docs)
    seconds = time.perf_counter() - t_start
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    args.cache.write_text(json.dumps({
        "scores": scores, "misuse": misuse[0], "dist": misuse[1], "mms": misuse[2], "live": misuse[3],
        "ms": bench.ms, "seconds": seconds, "n_full": len(full), "n_crops": len(crops),
        "args": {"docs": args.docs, "seed": args.seed}}))
    text = _report(bench, scores, misuse, args, seconds, len(full), len(crops))
    print(text)
    if not args.no_write:
        write_section("liveness", text)


Misuse = tuple[dict[str, list[tuple[str, ...]]], dict[str, list[float]], list[float], dict[str, list[float | None]]]


def _misuse(bench: Bench, full: dict[str, Image], docs: list[dict[str, Any]]) -> Misuse:
    """Per condition: codes raised by selfie_misuse, face-crop pHash distances; and the check times."""
    out: dict[str, list[tuple[str, ...]]] = {}
    bench_dist: dict[str, list[float]] = {}
    live: dict[str, list[float | None]] = {}
    ms: list[float] = []
    for d in docs:
        doc_face = bench.face(d["document"])
        for cond, selfie in (("bona fide selfie (other photo, same person)", full[d["selfie_src"]]),
                             ("original portrait photo as selfie", full[d["portrait_src"]]),
                             ("portrait cropped from the submitted document photo", d["crop_same"]),
                             ("portrait cropped from another photo of the card", d["crop_other"]),
                             ("photo of the whole card as selfie", d["card_photo"])):
            t = time.perf_counter()
            r = selfie_misuse(selfie, d["document"], document_detector=bench.documents,
                              face_box=bench.face(selfie), document_face_box=doc_face)
            ms.append((time.perf_counter() - t) * 1000)
            out.setdefault(cond, []).append(r.codes)
            live.setdefault(cond, []).append(bench.score(selfie))
            if r.same_image.face is not None:
                bench_dist.setdefault(cond, []).append(float(r.same_image.face.phash))
    # is_document false alarms over every bona fide selfie, not only the paired ones
    codes = []
    for img in full.values():
        r = selfie_misuse(img, docs[0]["document"], document_detector=bench.documents, face_box=bench.face(img))
        codes.append(tuple(c for c in r.codes if c == "selfie.is_document"))
    out["all bona fide full photos (is_document only)"] = codes
    live["all bona fide full photos (is_document only)"] = [bench.score(img) for img in full.values()]
    return out, bench_dist, ms, live


def _report(bench: Bench, scores: dict[str, list[float | None]], found: Misuse,
            args: argparse.Namespace, seconds: float, n_full: int, n_crops: int) -> str:
    acc, rej = bench.liveness.accept, bench.liveness.reject
    lines = [
        "## Liveness (MiniFASNet V2 + V1SE) and selfie misuse",
        "",
        f"{now_utc()} · {machine()} · `.venv/bin/python -m benchmarks.liveness --docs {args.docs} --seed {args.seed}`"
        f" · {seconds:.0f} s",
        "",
        f"Thresholds on the fused live probability: accept ≥ {acc}, reject < {rej}, review between.",
        "APCER = attacks accepted as live; BPCER = bona fide rejected (ISO/IEC 30107-3 terms; review counted apart).",
        "",
        "| presentation | accepted (live) | review | rejected (spoof) | no face found | p_live q5 / q25 / median / q75 / q95 |",
        "|---|---|---|---|---|---|",
    ]
    for name, vals in scores.items():
        a, r, s, m = _rates(vals, acc, rej)
        lines.append(f"| {name} | {a} | {r} | {s} | {m} | {_q([v for v in vals if v is not None])} |")
    lines += ["", "Sweep of a single threshold t (accept ≥ t) on full-photo bona fide vs each attack:", "",
              "| t | BPCER | " + " | ".join(f"APCER {n}" for n in list(scores)[2:]) + " |",
              "|---|---|" + "---|" * (len(scores) - 2)]
    bona = np.array([v for v in scores["bona fide (full photos)"] if v is not None])
    for t in (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        row = [f"{t}", f"{100 * (bona < t).mean():.1f} %"]
        for name in list(scores)[2:]:
            att = np.array([v for v in scores[name] if v is not None])
            row.append(f"{100 * (att >= t).mean():.1f} %" if len(att) else "n/a")
        lines.append("| " + " | ".join(row) + " |")
    ms = bench.ms
    lines += ["", f"Liveness check time (crop + both models, excluding face detection): median {pct(ms, 50):.1f} ms,"
              f" p95 {pct(ms, 95):.1f} ms over {len(ms)} checks.", "",
              f"Selfie misuse ({args.docs} generated documents; portrait = photo P, document photographed twice):", "",
              "| selfie | selfie.same_as_document | selfie.is_document | liveness accepts | passes everything |"
              " face-square pHash distance q5 / q25 / median / q75 / q95 |",
              "|---|---|---|---|---|---|"]
    misuse, dist, mms, live = found
    for cond, codes in misuse.items():
        n = len(codes)
        same = sum("selfie.same_as_document" in c for c in codes)
        isdoc = sum("selfie.is_document" in c for c in codes)
        ok = [p is not None and p >= acc for p in live.get(cond, [None] * n)]
        passes = sum(o and not c for o, c in zip(ok, codes, strict=True))
        lines.append(f"| {cond} | {same}/{n} | {isdoc}/{n} | {sum(ok)}/{n} | {passes}/{n} | {_q(dist.get(cond, []), 0)} |")
    lines += ["", f"Misuse check time (hashes + document detector on the selfie, face detection excluded): "
              f"median {pct(mms, 50):.0f} ms, p95 {pct(mms, 95):.0f} ms.",
              f"Bona fide: {n_full} full photos of ../shared/faces; {n_crops} 112x112 aligned crops (padded 50 %"
              " by edge replication) reported apart. Attacks are simulations made here."]
    if NOTES:
        lines += ["", NOTES]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
