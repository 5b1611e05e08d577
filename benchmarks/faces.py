"""Face benchmark: detection, 1:1 verification ROC and stage latency, engine vs plain face_recognition.

    .venv/bin/python -m benchmarks.faces            # writes benchmarks/RESULTS.md and benchmarks/faces_roc.png

Data: ``../shared/faces`` (``pairs.csv``), 112×112 crops reported apart, plus derived printed-portrait and
document-photo sets (``benchmarks.faces_data``). Peer: ``face_recognition`` as people use it (HOG
``face_locations`` + ``face_encodings``, tolerance 0.6, no face = no match), same pairs, same process.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from benchmarks.common import machine, now_utc, pct, write_section
from benchmarks.faces_data import (
    document_pairs,
    document_photos,
    load_set,
    printed_portraits,
    selfie_frame,
    subsets,
)
from kyc_engine.detect.faces import FaceDetection, FaceDetector, FaceIssue, rotate_image, select_main_face
from kyc_engine.manifest import ModelRegistry
from kyc_engine.match.calibration import auc, choose_threshold, roc_curve, tar_at_far
from kyc_engine.match.compare import FaceComparison, compare, embedding_distance
from kyc_engine.match.embedding import DlibEmbedder, Metric, SFaceEmbedder
from kyc_engine.settings import get_settings

FACES = Path(__file__).resolve().parents[2] / "shared" / "faces"
ROC_PNG = Path(__file__).resolve().parent / "faces_roc.png"
PEER_TOLERANCE = 0.6
Vectors = dict[str, np.ndarray | None]
T = TypeVar("T")


# ---------------------------------------------------------------- metrics


def split(
    pairs: list[tuple[str, str, bool]], dist: dict[tuple[str, str], float]
) -> tuple[np.ndarray, np.ndarray]:
    gen = np.array([dist[(a, b)] for a, b, s in pairs if s])
    imp = np.array([dist[(a, b)] for a, b, s in pairs if not s])
    return gen, imp


def distances(
    pairs: Iterable[tuple[str, str, bool]], vec: Vectors, metric: Metric = "euclidean"
) -> dict[tuple[str, str], float]:
    out = {}
    for a, b, _ in pairs:
        va, vb = vec[a], vec[b]
        out[(a, b)] = math.inf if va is None or vb is None else embedding_distance(va, vb, metric)
    return out


def second_model_text(
    second: SFaceEmbedder | None, sets: dict[str, list[tuple[str, str, bool]]], vec: Vectors
) -> str:
    """The second face model's (SFace, :mod:`kyc_engine.match.second_opinion`) threshold at FAR 0.1 % on
    all pairs, against the manifest's, and its TAR there per pair set; a sentence saying why when it is not
    loaded."""
    if second is None:
        return (
            "Second face model (SFace, `kyc_engine/match/second_opinion.py`): its file is not in the model "
            "directory, so it is not measured and the engine runs on dlib alone."
        )
    scored = {name: split(pairs, distances(pairs, vec, second.metric)) for name, pairs in sets.items()}
    chosen = choose_threshold(*scored["all pairs"], far=0.001)
    rows = [[name, *metrics_row(g, i), f"{i.min():.3f}" if i.size else "–"] for name, (g, i) in scored.items()]
    return (
        f"Second face model `{second.model}` ({second.metric} distance): threshold at FAR 0.1 % on all pairs "
        f"{chosen:.3f}; the manifest's is {second.threshold:.3f} (band ±{second.review_band:.2f}).\n\n"
        + table(["pairs", "AUC", "TAR @ FAR 1 %", "TAR @ FAR 0.1 %", "closest impostor d"], rows)
    )


# ---------------------------------------------------------------- detectors


def timed(images: dict[str, np.ndarray], fn: Callable[[np.ndarray], T]) -> tuple[dict[str, T], list[float]]:
    """``fn`` on every image, with its wall time in ms."""
    out, ms = {}, []
    for name, img in images.items():
        t0 = time.perf_counter()
        out[name] = fn(img)
        ms.append((time.perf_counter() - t0) * 1000)
    return out, ms


def hog_finder(upsample: int) -> Callable[[np.ndarray], int]:
    """dlib's HOG detector as face_recognition runs it; returns the number of faces."""
    import dlib

    hog = dlib.get_frontal_face_detector()
    return lambda img: len(
        hog(cv2.cvtColor(img, cv2.COLOR_GRAY2RGB if img.ndim == 2 else cv2.COLOR_BGR2RGB), upsample)
    )


# ---------------------------------------------------------------- embeddings


def engine_vectors(
    images: dict[str, np.ndarray], found: dict[str, FaceDetection], embedder: DlibEmbedder | SFaceEmbedder
) -> Vectors:
    return {
        k: embedder.embed(img, found[k].faces[0], found[k].rotation).vector if found[k].found else None
        for k, img in images.items()
    }


def peer_vectors(images: dict[str, np.ndarray]) -> Vectors:
    """face_recognition as documented: HOG locations (upsample 1), then the first encoding."""
    import face_recognition

    out: Vectors = {}
    for name, img in images.items():
        rgb = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB if img.ndim == 2 else cv2.COLOR_BGR2RGB)
        locations = face_recognition.face_locations(rgb)
        out[name] = face_recognition.face_encodings(rgb, locations)[0] if locations else None
    return out


# ---------------------------------------------------------------- latency


def time_engine(
    selfie: np.ndarray, document: np.ndarray, detector: FaceDetector, embedder: DlibEmbedder, runs: int
) -> tuple[dict[str, float], FaceComparison]:
    """Detect both, align + embed both (one batch), compare; ms over ``runs`` after one warm-up."""
    total, det_ms, cpu, result = [], [], [], None
    for _ in range(runs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        a, b = detector.detect(selfie), detector.detect(document)
        t1 = time.perf_counter()
        ea, eb = embedder.embed_many([(selfie, a.faces[0], a.rotation), (document, b.faces[0], b.rotation)])
        result = compare(ea, eb, embedder.threshold, embedder.review_band)
        total.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        det_ms.append((t1 - t0) * 1000)
    total, det_ms, cpu = total[1:], det_ms[1:], cpu[1:]
    emb = [t - d for t, d in zip(total, det_ms, strict=True)]
    assert result is not None
    stats = {"p50": pct(total, 50), "p95": pct(total, 95), "cpu": pct(cpu, 50)}
    return stats | {"det": pct(det_ms, 50), "emb": pct(emb, 50)}, result


def time_peer(selfie: np.ndarray, document: np.ndarray, runs: int) -> dict[str, float]:
    import face_recognition

    total, cpu, dist = [], [], math.nan
    rgb_a, rgb_b = (cv2.cvtColor(x, cv2.COLOR_BGR2RGB) for x in (selfie, document))
    for _ in range(runs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        ea = face_recognition.face_encodings(rgb_a, face_recognition.face_locations(rgb_a))
        eb = face_recognition.face_encodings(rgb_b, face_recognition.face_locations(rgb_b))
        dist = float(face_recognition.face_distance([ea[0]], eb[0])[0]) if ea and eb else math.inf
        total.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"p50": pct(total[1:], 50), "p95": pct(total[1:], 95), "cpu": pct(cpu[1:], 50), "distance": dist}


# ---------------------------------------------------------------- report


def metrics_row(gen: np.ndarray, imp: np.ndarray) -> list[str]:
    if gen.size == 0:
        return ["–", "–", "–"]
    far_1, far_01 = tar_at_far(gen, imp, 0.01)[0], tar_at_far(gen, imp, 0.001)[0]
    return [f"{auc(gen, imp):.4f}", f"{100 * far_1:.1f} %", f"{100 * far_01:.1f} %"]


def decisions(gen: np.ndarray, imp: np.ndarray, t: float, band: float) -> str:
    def share(d: np.ndarray) -> str:
        if d.size == 0:
            return "–"
        m, n = np.mean(d < t - band), np.mean(d > t + band)
        return f"{100 * m:.1f} / {100 * (1 - m - n):.1f} / {100 * n:.1f}"

    return f"{share(gen)} | {share(imp)}"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def plot(
    curves: list[tuple[str, np.ndarray, np.ndarray, str]], point: tuple[float, float], out: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=110)
    for label, gen, imp, style in curves:
        far, tar = roc_curve(gen, imp)
        ax.step(np.maximum(far, 1e-4), tar, style, where="post", label=f"{label} (AUC {auc(gen, imp):.4f})")
    ax.plot(
        max(point[0], 6e-4), point[1], "ko", label=f"engine auto-match at its threshold (FAR {point[0]:.2%})"
    )
    ax.set_xscale("log")
    ax.set_xlim(1e-3 / 2, 1)
    ax.set_ylim(0.6, 1.002)
    ax.set_xlabel("false accept rate (impostor pairs accepted)")
    ax.set_ylabel("true accept rate")
    ax.set_title("1:1 face verification: ../shared/faces pairs and document photos")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def flags(found: Iterable[FaceDetection]) -> str:
    """Counts of main-face issues: multiple / too small / cut off / eyes not visible."""
    issues = [select_main_face(d).issues for d in found]
    keys = (FaceIssue.MULTIPLE, FaceIssue.TOO_SMALL, FaceIssue.CUT_OFF, FaceIssue.EYES_NOT_VISIBLE)
    return " / ".join(str(sum(k in i for i in issues)) for k in keys)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=FACES)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the face stage")
    parser.add_argument("--documents", type=int, default=40, help="generated document photos")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md and the PNG")
    args = parser.parse_args(argv)
    settings = get_settings()
    registry = ModelRegistry.load(settings.manifest_path, settings.model_dir)
    detector = FaceDetector.from_registry(registry)
    second = SFaceEmbedder.from_registry(registry)
    embedder = DlibEmbedder()
    data = load_set(args.faces)
    load = os.getloadavg()[0]
    full = {k: v for k, v in data.images.items() if k not in data.crops}
    crops = {k: v for k, v in data.images.items() if k in data.crops}
    docs = document_photos(args.documents, args.seed)
    doc_images = {k: img for k, (img, _, _) in docs.items()}

    print("detection ...")
    found, _ = timed(data.images, detector.detect)
    printed = printed_portraits(data, {k: d.faces[0].box for k, d in found.items() if d.found})
    printed = {f"printed:{k}": v for k, v in printed.items()}
    hog = hog_finder(1)
    det_rows = []
    conditions: list[tuple[str, dict[str, np.ndarray], dict[str, int]]] = [
        ("full photos", full, dict.fromkeys(full, 0)),
        ("112×112 crops", crops, dict.fromkeys(crops, 0)),
        ("printed portraits (100–150 px, grey, JPEG q50)", printed, dict.fromkeys(printed, 0)),
        (f"document photos ({args.documents}, 1600×1200, any orientation)", doc_images,
         {k: turn for k, (_, _, turn) in docs.items()}),
        ("full photos turned 90° cw", {k: rotate_image(v, 90) for k, v in full.items()}, dict.fromkeys(full, 270)),
        ("full photos turned 180°", {k: rotate_image(v, 180) for k, v in full.items()}, dict.fromkeys(full, 180)),
    ]  # fmt: skip
    for label, images, want in conditions:
        runs, ms = timed(images, detector.detect)
        found |= runs if "turned" not in label else {}
        hog_runs, hog_ms = timed(images, hog)
        n = sum(d.found for d in runs.values())
        right = sum(d.found and d.rotation == want[k] for k, d in runs.items())
        det_rows.append(
            [label, str(len(images)), f"{n} ({right})", f"{pct(ms, 50):.0f} / {pct(ms, 95):.0f}",
             str(sum(v > 0 for v in hog_runs.values())), f"{pct(hog_ms, 50):.0f} / {pct(hog_ms, 95):.0f}",
             flags(runs.values()), str(sum(d.padded for d in runs.values()))]
        )  # fmt: skip

    print("embeddings: engine, alignment variant, peer ...")
    every = data.images | printed | doc_images
    vec_engine = engine_vectors(every, found, embedder)
    vec_box = engine_vectors(data.images, found, DlibEmbedder(rect_mode="box"))
    vec_peer = peer_vectors(every)

    sets = subsets(data)
    sets["printed portrait vs photo"] = [(f"printed:{a}", b, s) for a, b, s in data.pairs]
    sets["document photo vs photo"] = document_pairs(docs, data, args.seed)
    scores = {
        name: {"engine": split(ps, distances(ps, vec_engine)), "peer": split(ps, distances(ps, vec_peer))}
        for name, ps in sets.items()
    }
    gen, imp = scores["all pairs"]["engine"]
    t_far = tar_at_far(gen, imp, 0.001)[1]
    chosen = choose_threshold(gen, imp, far=0.001)
    t, band = embedder.threshold, embedder.review_band
    if abs(chosen - t) > 1e-9:
        print(f"WARNING: this run chooses {chosen:.2f}; the embedder's calibrated threshold is {t:.2f}")

    closest = []
    for name in ("all pairs", "document photo vs photo"):
        dist = distances(sets[name], vec_engine)
        x, y = min(((a, b) for a, b, same in sets[name] if not same), key=lambda p: dist[p])
        src = f" (portrait of `{docs[x][1]}`)" if x in docs else ""
        closest.append(f"{name}: `{x}`{src} vs `{y}` at {dist[(x, y)]:.3f}")
    closest_text = "; ".join(closest)
    vec_second = engine_vectors(every, found, second) if second is not None else {}
    second_text = second_model_text(second, sets, vec_second)
    print(second_text)
    ver_rows, op_rows = [], []
    for name, sc in scores.items():
        (eg, ei), (pg, pi) = sc["engine"], sc["peer"]
        peer_tar = f"{100 * np.mean(pg <= PEER_TOLERANCE):.1f} %" if pg.size else "–"
        fails = f"{int(np.isinf(np.r_[eg, ei]).sum())} / {int(np.isinf(np.r_[pg, pi]).sum())}"
        peer_op = f"{peer_tar} / {100 * np.mean(pi <= PEER_TOLERANCE):.2f} %"
        ver_rows.append(
            [
                name,
                f"{eg.size} / {ei.size}",
                *metrics_row(eg, ei),
                f"{ei.min():.3f}",
                *metrics_row(pg, pi),
                peer_op,
                fails,
            ]
        )
        op_rows.append([name, decisions(eg, ei, t, band)])
    align_rows = [
        ["HOG-geometry square on the YuNet eyes + mouth (default)", *metrics_row(gen, imp)],
        ["YuNet box as is", *metrics_row(*split(data.pairs, distances(data.pairs, vec_box)))],
        ["HOG detector's own rectangle (the peer)", *metrics_row(*scores["all pairs"]["peer"])],
    ]

    print("latency ...")
    load_latency = os.getloadavg()[0]
    timing_rows, timing_notes = [], []
    landscape = [k for k, (img, _, _) in docs.items() if img.shape[:2] == (1200, 1600)]
    for case, doc_id in (
        ("upright document", next(k for k in landscape if docs[k][2] == 0)),
        ("document turned by the photo", next(k for k in landscape if docs[k][2] != 0)),
    ):
        document, source, turn = docs[doc_id]
        other = next(f for f in sorted(full) if f.split("/")[0] == source.split("/")[0] and f != source)
        selfie = selfie_frame(data.images[other])
        te, res = time_engine(selfie, document, detector, embedder, args.runs)
        tp = time_peer(selfie, document, args.runs)
        timing_rows += [
            [f"engine, {case}", *(f"{te[k]:.0f}" for k in ("p50", "p95", "cpu", "det", "emb"))],
            [f"peer, {case}", *(f"{tp[k]:.0f}" for k in ("p50", "p95", "cpu")), "–", "–"],
        ]
        timing_notes.append(
            f"{case}: selfie `{other}` enlarged to fill 1600×1200, document `{doc_id}` (turn {turn}°) with the "
            f"portrait `{source}`; engine distance {res.distance:.3f} → `{res.decision}`, peer distance {tp['distance']:.3f}"
        )  # fmt: skip
    if not args.no_write:
        curves = [
            ("engine: YuNet + dlib 5-point + ResNet", gen, imp, "b-"),
            ("peer: face_recognition (HOG)", *scores["all pairs"]["peer"], "r-"),
            ("engine, document photo vs photo", *scores["document photo vs photo"]["engine"], "b:"),
            ("peer, document photo vs photo", *scores["document photo vs photo"]["peer"], "r:"),
        ]
        plot(curves, (float(np.mean(imp < t - band)), float(np.mean(gen < t - band))), ROC_PNG)
    text = f"""## Faces: detection and 1:1 verification (issue 4)

Measured {now_utc()} on {machine()}; load average {load:.1f} at the start (other work shared the 2 cores).
Rerun: `.venv/bin/python -m benchmarks.faces` (writes this section and `benchmarks/faces_roc.png`, ~6 min).
Data: `../shared/faces` (172 photos of 36 people; `pairs.csv`: 332 genuine + 996 impostor pairs), plus
{args.documents} generated ID-document phone photos (1600×1200, `samples.generate.make_item`, seeds {args.seed}…)
whose portrait is one of those photos; each is compared with the person's *other* photos and 10 random others.
Engine: YuNet 2023mar (score ≥ {detector.score_threshold}) → dlib 5-point shape on a HOG-geometry square → 150 px chip,
padding 0.25 → dlib ResNet 128-d, Euclidean. Peer: `face_recognition` (HOG upsample 1 + `face_encodings`),
tolerance {PEER_TOLERANCE}, a face not found = no match. Same pairs, same process.

### Detection (every image holds one face)

{table(["condition", "images", "YuNet found (right rotation)", "YuNet ms p50 / p95", "HOG found", "HOG ms p50 / p95",
        "YuNet flags: multiple / too small / cut off / eyes", "YuNet padded"], det_rows)}

HOG = `dlib.get_frontal_face_detector()`, upsample 1 (face_recognition's default). YuNet times include its extra
passes (large-face, padded, turned) and the 4-way orientation check. YuNet finds at least as many faces as HOG
in every condition and is faster on full-size photos, so it is used alone (HOG as a confirmer could only lose
the faces HOG misses).

### Verification

{table(["pairs", "genuine / impostor", "engine AUC", "TAR @ FAR 1 %", "TAR @ FAR 0.1 %", "closest impostor d",
        "peer AUC", "TAR @ FAR 1 %", "TAR @ FAR 0.1 %", "peer at 0.6: TAR / FAR", "no face: engine / peer"], ver_rows)}

TAR at FAR x: share of genuine pairs closer than the distance at which at most x of the impostor pairs are
accepted (with 996 impostors FAR 0.1 % allows none, so it rests on the closest impostor, whose engine distance
is shown; closest: {closest_text}). Crop-vs-photo pairs
are all impostors. Printed portraits: the head of each photo cut to 100–150 px, greyscale, JPEG q50 (eye distance
mostly under 30 px, i.e. flagged `face.too_small`), compared as in `pairs.csv`.

{second_text}

Rectangle handed to the 5-point predictor (all pairs):

{table(["rectangle", "AUC", "TAR @ FAR 1 %", "TAR @ FAR 0.1 %"], align_rows)}

### Operating point

Distance at FAR 0.1 % on all pairs: {t_far:.3f}, rounded down to 0.01 → **threshold {chosen:.2f}**
(the embedder's calibrated default: {t:.2f}), review band ±{band:.2f}: `match` below {t - band:.2f}, `uncertain`
(to review) {t - band:.2f}–{t + band:.2f}, `no_match` above {t + band:.2f}. Similarity = max(0, 1 − d / (2 × {t:.2f})):
threshold 0.5, band ±{band / (2 * t):.3f}.

{table(["pairs", "genuine: match / uncertain / no_match %", "impostor: match / uncertain / no_match %"], op_rows)}

### Face-stage latency (1600×1200 selfie + 1600×1200 document photo, models loaded)

{table(["", "wall p50 ms", "wall p95 ms", "CPU p50 ms", "detect both, wall p50", "align + embed both + compare, wall p50"], timing_rows)}

{args.runs} runs each after one warm-up (1-min load average {load_latency:.1f} just before, this benchmark counting ≈1);
the peer is face_recognition (HOG upsample 1 + encodings + distance).
CPU = process CPU time over all threads: on an otherwise idle 2-core machine the wall time would be at most
about this (YuNet uses 2 threads, dlib 1); the wall times here were taken with other work on the same 2 cores.
{chr(10).join("- " + n for n in timing_notes)}

![ROC](faces_roc.png)
"""  # fmt: skip
    print(text)
    if not args.no_write:
        write_section("faces", text)


if __name__ == "__main__":
    main()
