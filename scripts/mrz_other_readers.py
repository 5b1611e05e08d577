"""Would another recogniser read the MRZ photos the engine misses? A diagnostic, not a benchmark.

    .venv/bin/python -m scripts.mrz_other_readers --data var/bench/mrz-20261123 --ids s20261123_00044,... \\
        [--ppocr-rec PATH/PP-OCRv6_rec_small.onnx]

For each photo the MRZ stage runs as usual; every crop it reads is then read again by

- ``float``: the same ``mrz.traineddata`` as a float model (the engine runs its 8-bit conversion), with the
  crop prepared as the stage prepared it;
- ``ppocr`` (with ``--ppocr-rec``): a PaddleOCR text-line recogniser run with onnxruntime on the crop split
  into its 2 and its 3 lines by the ink profile, CTC-decoded with the model's own character list. The file is
  in the ``rapidocr`` wheel (Apache-2.0): ``pip download --no-deps rapidocr==3.10.0`` and unzip
  ``rapidocr/models/PP-OCRv6_rec_small.onnx``.

Each reading goes through the engine's check-digit decoder. A photo counts as rescued when some reading is
valid with the true lines; a valid reading with other lines is a false valid.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MRZ = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


class PaddleLineReader:
    """A PaddleOCR recognition ONNX: one grey text line in, its text out (greedy CTC)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        chars = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.chars = ["", *chars, " "]  # index 0 is CTC's blank

    def read(self, line: np.ndarray) -> str:
        h, w = line.shape[:2]
        width = max(8, math.ceil(48 * w / h))
        img = cv2.resize(line, (width, 48), interpolation=cv2.INTER_AREA if h > 48 else cv2.INTER_CUBIC)
        x = (cv2.cvtColor(img, cv2.COLOR_GRAY2BGR).astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        best = self.session.run(None, {self.session.get_inputs()[0].name: x})[0][0].argmax(1)
        text = [self.chars[i] for k, i in enumerate(best) if i and (k == 0 or i != best[k - 1])]
        out = "".join(text).upper().replace("«", "<").replace(" ", "")
        return "".join(c for c in out if c in MRZ)


def split_lines(grey: np.ndarray, n: int) -> list[np.ndarray]:
    """``n`` horizontal strips cut at the faintest rows near the even split points."""
    ink = cv2.GaussianBlur((255 - grey.astype(np.float32)).mean(1).reshape(-1, 1), (1, 5), 0).ravel()
    h = len(ink)
    cuts = [0]
    for k in range(1, n):
        c, r = h * k // n, max(1, h // (3 * n))
        lo, hi = max(1, c - r), min(h - 1, c + r)
        cuts.append(lo + int(np.argmin(ink[lo:hi])))
    cuts.append(h)
    return [grey[max(0, a - 2) : min(h, b + 2)] for a, b in zip(cuts, cuts[1:], strict=False)]


def main() -> int:
    from kyc_engine.engine import Engine
    from kyc_engine.imageio import load_image_file
    from kyc_engine.mrz.ocrline import OcrLine
    from kyc_engine.mrz.repair import decode_mrz
    from kyc_engine.mrz_stage import prepare_crop
    from kyc_engine.ocr.mrz_ocr import MrzRecognizer
    from kyc_engine.settings import get_settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("var/bench/mrz-20261123"))
    ap.add_argument("--ids", required=True, help="comma list of photo ids")
    ap.add_argument("--ppocr-rec", type=Path, default=None, help="PaddleOCR recognition .onnx")
    args = ap.parse_args()
    settings = get_settings()
    engine = Engine.from_settings(settings)
    stage = engine.mrz
    tessdata = settings.ocr.mrz_tessdata_dir or engine.models.path("mrz_ocr").parent  # as Engine finds it
    readers: dict[str, Any] = {"float": MrzRecognizer(tessdata, integer=False)}
    if args.ppocr_rec:
        readers["ppocr"] = PaddleLineReader(args.ppocr_rec)
    crops: list[tuple[np.ndarray, str]] = []
    read_crop = stage._read_crop

    def spy(crop: np.ndarray, variant: str, timer: Any) -> Any:
        crops.append((crop, variant))
        return read_crop(crop, variant, timer)

    stage._read_crop = spy  # type: ignore[method-assign]
    rescued = dict.fromkeys(readers, 0)
    for photo_id in args.ids.split(","):
        path = args.data / f"{photo_id}.jpg"
        truth = json.loads(path.with_suffix(".json").read_text())["mrz_lines"]
        crops.clear()
        report = stage.read(load_image_file(path, max_bytes=1 << 30, max_pixels=1 << 30))
        engine_ok = report.valid and report.result is not None and list(report.result.lines) == truth
        row = [photo_id, f"engine {'ok' if engine_ok else 'miss'}", f"{len(crops)} crops"]
        for name, reader in readers.items():
            readings: list[list[OcrLine]] = []
            for crop, variant in crops:
                if name == "float":
                    readings.append(reader.read(prepare_crop(crop, variant)))
                elif variant == "grey":
                    readings += [
                        [OcrLine(reader.read(line), None, None, None) for line in split_lines(crop, n)]
                        for n in (2, 3)
                    ]
            decoded = [decode_mrz([lines], today=stage.today()) for lines in readings if lines]
            good = any(d.valid and list(d.lines) == truth for d in decoded)
            false_valid = any(d.valid and list(d.lines) != truth for d in decoded)
            rescued[name] += good
            row.append(f"{name}: {'RESCUED' if good else '-'}{' +FALSE VALID' if false_valid else ''}")
        print("  ".join(row))
    print("rescued:", ", ".join(f"{k} {v}/{len(args.ids.split(','))}" for k, v in rescued.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
