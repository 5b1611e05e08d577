"""Run the MRZ stage on benchmark photos and dump, for every miss, the crops it read and every reading.

    .venv/bin/python -m scripts.mrz_misses --data var/bench/mrz-20261123 [--ids a,b] [--out var/mrz-misses]

Writes ``<out>/summary.json`` (per photo: fully correct, valid, reason, attempts, ms) and, per missed photo,
``<id>_<n>_<variant>.png`` (each crop as OCR saw it; variant ``recovery`` for the second chances, decoded
here untrimmed) and ``<id>.txt`` (truth, each reading, the result).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def main() -> int:
    from kyc_engine import mrz_stage
    from kyc_engine.engine import Engine
    from kyc_engine.imageio import load_image_file
    from kyc_engine.mrz.parse import empty_result
    from kyc_engine.mrz.repair import decode_mrz
    from kyc_engine.settings import get_settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("var/bench/mrz-20261123"))
    ap.add_argument("--ids", default="", help="comma list of ids (default: all)")
    ap.add_argument("--ids-file", type=Path, default=None, help="summary.json of an earlier run: its misses")
    ap.add_argument("--out", type=Path, default=Path("var/mrz-misses"))
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--no-dump", action="store_true")
    args = ap.parse_args()
    images = sorted(args.data.glob("*.jpg"))[: args.count]
    if args.ids:
        wanted = set(args.ids.split(","))
        images = [p for p in images if p.stem in wanted]
    if args.ids_file:
        prior = json.loads(args.ids_file.read_text())
        wanted = {k for k, v in prior.items() if not v["ok"]}
        images = [p for p in images if p.stem in wanted]
    args.out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    engine = Engine.from_settings(settings)
    stage = engine.mrz

    log: list[tuple[np.ndarray, str, Any]] = []
    original = stage._read_crop

    def spy(crop: np.ndarray, variant: str, timer: Any) -> Any:
        result, lines = original(crop, variant, timer)
        log.append((crop, variant, (result, lines)))
        return result, lines

    stage._read_crop = spy  # type: ignore[method-assign]
    # the second chances (MrzStage._recover) call the recognizer directly: log what they read too
    recovering = [False]
    recognizer_read = stage.mrz_recognizer.read
    recover = stage._recover

    def read_spy(image: np.ndarray) -> Any:
        lines = recognizer_read(image)
        if recovering[0]:
            decoded = decode_mrz([lines], today=stage.today()) if lines else empty_result([], "no text")
            log.append((image, "recovery", (decoded, lines)))
        return lines

    def recover_spy(*args: Any, **kwargs: Any) -> Any:
        recovering[0] = True
        try:
            return recover(*args, **kwargs)
        finally:
            recovering[0] = False

    stage.mrz_recognizer.read = read_spy  # type: ignore[method-assign]
    stage._recover = recover_spy  # type: ignore[method-assign]
    summary: dict[str, Any] = {}
    times = []
    for path in images:
        truth = json.loads(path.with_suffix(".json").read_text())
        log.clear()
        t0 = time.perf_counter()
        image = load_image_file(
            path, max_bytes=settings.limits.max_upload_bytes, max_pixels=settings.limits.max_pixels
        )
        report = stage.read(image)
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        d = report.to_dict()
        ok = bool(d["valid"] and d["lines"] == truth["mrz_lines"] and d["fields"] == truth["fields"])
        summary[path.stem] = {
            "ok": ok,
            "valid": d["valid"],
            "reason": d.get("reason"),
            "reasons": [r["code"] for r in d["reasons"]],
            "attempts": report.attempts,
            "ms": round(ms, 1),
            "severity": truth["photo"]["severity"],
            "layout": truth["layout"],
        }
        if ok or args.no_dump:
            continue
        with open(args.out / f"{path.stem}.txt", "w") as fh:
            fh.write(f"{path.stem} {truth['layout']}/{truth['photo']['severity']} ms={ms:.0f}\n")
            fh.write(f"photo meta: {json.dumps(truth['photo'])}\n")
            fh.write("TRUTH\n" + "\n".join(truth["mrz_lines"]) + "\n")
            fh.write(
                f"RESULT valid={d['valid']} reason={d.get('reason')} reasons={summary[path.stem]['reasons']}\n"
            )
            fh.write("\n".join(d["lines"]) + "\n")
            fh.write(
                f"repairs={d['repairs']}\nwarnings={report.result.warnings if report.result else None}\n"
            )
            for n, (crop, variant, (result, lines)) in enumerate(log):
                name = f"{path.stem}_{n}_{variant}.png"
                shown = crop if variant == "recovery" else mrz_stage.prepare_crop(crop, variant)
                cv2.imwrite(str(args.out / name), shown)
                fh.write(f"\n--- reading {n} {variant} {crop.shape} valid={result.valid} -> {name}\n")
                for line in lines:
                    low = "".join("^" if c is not None and c < 0.9 else " " for c in (line.confidences or ()))
                    fh.write(f"  {line.text}\n  {low}\n")
                fh.write(
                    f"  parsed: {list(result.lines)} checks={result.checks} warnings={result.warnings}\n"
                )
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    n = len(summary)
    good = sum(v["ok"] for v in summary.values())
    fv = sum(1 for v in summary.values() if v["valid"] and not v["ok"])
    print(
        f"{good}/{n} fully correct, {fv} false valid, p50 {np.percentile(times, 50):.0f} ms, "
        f"p95 {np.percentile(times, 95):.0f} ms, mean {np.mean(times):.0f} ms"
    )
    for k, v in summary.items():
        if not v["ok"]:
            print(k, v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
