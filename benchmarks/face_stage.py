"""Face-stage latency: the whole selfie-vs-document step as ``kyc verify`` runs it, against the peer.

Run from the repository root: ``.venv/bin/python -m benchmarks.face_stage [--pairs 8] [--runs 5]``.
Writes the ``face_stage`` section of benchmarks/RESULTS.md.

Engine: ``FaceStage.compare(selfie, document, selfie_checks=True)`` on 1600×1200 inputs with the models
loaded: YuNet on both images, dlib 5-point alignment + ResNet embedding of both faces, the comparison,
MiniFASNet V2 + V1SE passive liveness on the selfie, and the misuse checks (perceptual hashes, the
document detector on the selfie). Peer: plain face_recognition (HOG detector, upsample 1, encodings,
distance) on the same two images, in the same process and run.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from benchmarks.common import machine, now_utc, pct, write_section
from benchmarks.faces import FACES, table, time_peer
from benchmarks.faces_data import document_photos, load_set, selfie_frame
from kyc_engine.face_stage import FaceStage
from kyc_engine.manifest import ModelRegistry
from kyc_engine.settings import get_settings

STEPS = ("detect_a", "detect_b", "embed", "liveness", "misuse")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=8, help="selfie/document pairs (generated documents)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per pair after one warm-up")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)

    settings = get_settings()
    registry = ModelRegistry.load(settings.manifest_path, settings.model_dir, ("faces", "liveness"))
    stage = FaceStage.from_registry(registry, liveness=True)
    data = load_set(FACES)
    docs = document_photos(args.pairs * 3, args.seed)
    landscape = [k for k, (img, _, _) in docs.items() if img.shape[:2] == (1200, 1600)][: args.pairs]
    load = os.getloadavg()[0]

    wall: list[float] = []
    cpu: list[float] = []
    steps: dict[str, list[float]] = {s: [] for s in STEPS}
    peer_p50: list[float] = []
    outcomes: list[str] = []
    for doc_id in landscape:
        document, source, _ = docs[doc_id]
        other = next(
            f for f in sorted(data.images) if f.split("/")[0] == source.split("/")[0] and f != source
        )
        selfie = selfie_frame(data.images[other])
        report = None
        for run in range(args.runs + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            report = stage.compare(selfie, document, selfie_checks=True)
            if run == 0:
                continue  # warm-up
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            for s in STEPS:
                steps[s].append(report.timings_ms.get(s, 0.0))
        assert report is not None
        live = report.liveness.decision if report.liveness else "-"
        outcomes.append(f"`{doc_id}`: {report.to_dict()['decision']}, liveness {live}, "
                        f"misuse {', '.join(report.misuse.codes) if report.misuse else '-'}")  # fmt: skip
        peer_p50.append(time_peer(selfie, document, args.runs)["p50"])

    ratio = float(np.median(peer_p50)) / pct(wall, 50)
    rows = [["engine face stage (all steps)", f"{pct(wall, 50):.0f}", f"{pct(wall, 95):.0f}", f"{pct(cpu, 50):.0f}"]]
    rows += [[f"  {s}", f"{pct(steps[s], 50):.0f}", f"{pct(steps[s], 95):.0f}", "–"] for s in STEPS]
    rows += [["peer face_recognition (detect + encode + distance, no liveness)",
              f"{float(np.median(peer_p50)):.0f}", "–", "–"]]  # fmt: skip
    text = f"""## Face stage with liveness and misuse checks (issue 4)

Measured {now_utc()} on {machine()}; 1-min load average {load:.1f} at the start.
Rerun: `.venv/bin/python -m benchmarks.face_stage --pairs {args.pairs} --runs {args.runs}`.
{len(landscape)} pairs: a generated 1600×1200 ID-document photo (seed {args.seed}…) whose portrait is a `../shared/faces`
photo, and the same person's other photo enlarged into a 1600×1200 selfie; {args.runs} timed runs each after a warm-up.

{table(["step", "wall p50 ms", "wall p95 ms", "CPU p50 ms"], rows)}

Peer p50 is the median over pairs of its per-pair p50. Engine vs peer at p50: **{ratio:.1f}×** faster, while the
engine also runs liveness and the misuse checks. Outcomes: {"; ".join(outcomes)}.
"""  # fmt: skip
    print(text)
    if not args.no_write:
        write_section("face_stage", text)


if __name__ == "__main__":
    main()
