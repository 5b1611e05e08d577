"""Generate a set of photographed specimen documents with ground truth.

Usage (from the repository root)::

    python -m samples.generate --out var/samples --count 300 --seed 1 \
        [--layouts kaz_id,alb_id] [--severity-mix clean=0.3,normal=0.55,hard=0.15] [--flat]

Each item ``<id>`` gets ``<id>.jpg`` (the photo) and ``<id>.json`` (ground truth), and with
``--flat`` also ``<id>_flat.png``. Item ``i`` uses ``numpy.random.default_rng(seed + i)``, so
a set is bit-reproducible and any item can be rebuilt from the ``seed`` in its JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from samples.documents import LAYOUTS, make_document
from samples.photograph import encode_jpeg, photograph

DEFAULT_MIX: dict[str, float] = {"clean": 0.30, "normal": 0.55, "hard": 0.15}
"""Default share of each photo severity."""


def make_item(item_seed: int, layouts: Sequence[str] | None = None,
              severity_mix: Mapping[str, float] | None = None, cut_off: bool = False,
              faces_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, Any], int]:
    """One item from its seed: (flat document, photo before JPEG, truth, JPEG quality)."""
    rng = np.random.default_rng(item_seed)
    names = list(layouts or LAYOUTS)
    layout = names[int(rng.integers(0, len(names)))]
    mix = dict(severity_mix or DEFAULT_MIX)
    probs = np.array(list(mix.values()), np.float64)
    severity = list(mix)[int(rng.choice(len(mix), p=probs / probs.sum()))]
    doc, truth = make_document(layout, rng, faces_dir=faces_dir)
    regions = {"mrz": truth["mrz_box_doc"], "portrait": truth["portrait"]["box_doc"]}
    photo, meta = photograph(doc, rng, severity, cut_off=cut_off, regions=regions,  # type: ignore[arg-type]
                             apply_jpeg=False)
    item_truth: dict[str, Any] = {"id": "", "seed": item_seed, **truth, "photo": meta}
    return doc, photo, item_truth, int(meta["jpeg_quality"])


def generate_set(out_dir: Path | str, count: int, seed: int = 0, layouts: Sequence[str] | None = None,
                 severity_mix: Mapping[str, float] | None = None, flat: bool = False,
                 cut_off: bool = False, faces_dir: Path | None = None, prefix: str = "s") -> list[Path]:
    """Write ``count`` photos plus truth JSON into ``out_dir``; returns the JPEG paths.

    Item ids are ``{prefix}{seed}_{index:05d}``. ``cut_off=True`` crops a document corner out of
    every frame (for quality-gate tests).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unknown = set(layouts or ()) - set(LAYOUTS)
    if unknown:
        raise ValueError(f"unknown layouts: {sorted(unknown)}")
    paths: list[Path] = []
    for i in range(count):
        doc, photo, truth, quality = make_item(seed + i, layouts, severity_mix, cut_off, faces_dir)
        item_id = f"{prefix}{seed}_{i:05d}"
        truth["id"] = item_id
        jpg = out / f"{item_id}.jpg"
        jpg.write_bytes(encode_jpeg(photo, quality))
        (out / f"{item_id}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")
        if flat:
            cv2.imwrite(str(out / f"{item_id}_flat.png"), doc)
        paths.append(jpg)
    return paths


def _parse_mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        if key.strip() not in DEFAULT_MIX:
            raise argparse.ArgumentTypeError(f"unknown severity {key!r}")
        mix[key.strip()] = float(value)
    return mix


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(prog="python -m samples.generate", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output folder")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layouts", default="", help=f"comma list from: {','.join(LAYOUTS)}")
    ap.add_argument("--severity-mix", type=_parse_mix, default=None, help="e.g. clean=0.3,normal=0.55,hard=0.15")
    ap.add_argument("--flat", action="store_true", help="also write the flat document as <id>_flat.png")
    ap.add_argument("--cut-off", action="store_true", help="crop one document corner out of every frame")
    ap.add_argument("--faces", type=Path, default=None, help="face photo folder (default ../shared/faces)")
    args = ap.parse_args(argv)
    layouts = [s.strip() for s in args.layouts.split(",") if s.strip()] or None
    unknown = sorted(set(layouts or ()) - set(LAYOUTS))
    if unknown:
        ap.error(f"unknown layouts {unknown}; choose from {','.join(LAYOUTS)}")
    t0 = time.perf_counter()
    paths = generate_set(args.out, args.count, args.seed, layouts, args.severity_mix, args.flat,
                         args.cut_off, args.faces)
    dt = time.perf_counter() - t0
    print(f"wrote {len(paths)} photos to {args.out} in {dt:.1f} s ({dt / max(len(paths), 1):.3f} s each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
