"""Evaluation sets for ``benchmarks.faces``: the shared photos and pairs, plus derived conditions.

Derived conditions: small printed portraits (head crop, 100–150 px, greyscale, JPEG q50), phone photos of
generated ID documents whose portrait is one of the photos (``samples.generate``), and 1600×1200 selfies.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

Pair = tuple[str, str, bool]


@dataclass(frozen=True)
class FaceSet:
    images: dict[str, np.ndarray]  # file -> BGR
    crops: frozenset[str]  # the 112x112 aligned crops
    pairs: list[Pair]


def load_set(faces: Path) -> FaceSet:
    rows = list(csv.DictReader((faces / "identities.csv").open(encoding="utf-8")))
    images = {r["file"]: cv2.imread(str(faces / r["file"]), cv2.IMREAD_COLOR) for r in rows}
    crops = frozenset(r["file"] for r in rows if r["source_repo"].startswith("ElisonSherton/"))
    pairs = [(p["a"], p["b"], p["same"] == "1") for p in csv.DictReader((faces / "pairs.csv").open())]
    return FaceSet(images, crops, pairs)


def subsets(data: FaceSet) -> dict[str, list[Pair]]:
    c = data.crops
    return {
        "all pairs": data.pairs,
        "full photos": [p for p in data.pairs if p[0] not in c and p[1] not in c],
        "112×112 crops": [p for p in data.pairs if p[0] in c and p[1] in c],
        "crop vs photo": [p for p in data.pairs if (p[0] in c) != (p[1] in c)],
    }


def printed_portraits(
    data: FaceSet, boxes: dict[str, tuple[float, float, float, float]]
) -> dict[str, np.ndarray]:
    """A small printed-portrait version of each photo: head crop, 100/125/150 px, greyscale, JPEG q50."""
    out = {}
    for i, (name, img) in enumerate(sorted(data.images.items())):
        x, y, w, h = boxes[name]
        cx, cy, s = x + w / 2, y + h / 2, max(w, h)
        x0, y0 = int(max(0, cx - 0.8 * s)), int(max(0, cy - 1.0 * s))
        x1, y1 = int(min(img.shape[1], cx + 0.8 * s)), int(min(img.shape[0], cy + 1.0 * s))
        crop = img[y0:y1, x0:x1]
        f = (100, 125, 150)[i % 3] / max(crop.shape[:2])
        grey = cv2.cvtColor(
            cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY
        )
        ok, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 50])
        out[name] = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def document_photos(count: int, seed: int) -> dict[str, tuple[np.ndarray, str, int]]:
    """Phone photos of generated ID documents with a ../shared/faces portrait.

    id -> (BGR, portrait source file, clockwise turn that makes the document upright).
    """
    from samples.generate import make_item
    from samples.photograph import encode_jpeg

    out = {}
    for i in range(count):
        _, photo, truth, quality = make_item(seed + i)
        img = cv2.imdecode(np.frombuffer(encode_jpeg(photo, quality), np.uint8), cv2.IMREAD_COLOR)
        upright = (360 - int(truth["photo"]["rotation_quadrant"])) % 360
        out[f"doc{seed + i}"] = (img, truth["portrait"]["source"], upright)
    return out


def document_pairs(
    docs: dict[str, tuple[np.ndarray, str, int]], data: FaceSet, seed: int, impostors_per_doc: int = 10
) -> list[Pair]:
    """Document portrait vs every *other* photo of that person, and vs random photos of other people."""
    rng = np.random.default_rng(seed)
    files = sorted(data.images)
    pairs = []
    for doc, (_, source, _) in docs.items():
        person = source.split("/")[0]
        pairs += [(doc, f, True) for f in files if f.split("/")[0] == person and f != source]
        others = [f for f in files if f.split("/")[0] != person]
        pairs += [(doc, str(f), False) for f in rng.choice(others, impostors_per_doc, replace=False)]
    return pairs


def selfie_frame(img: np.ndarray, size: tuple[int, int] = (1600, 1200)) -> np.ndarray:
    """A photo enlarged and centre-cropped to fill ``size`` (w, h), like a phone selfie."""
    w, h = size
    f = max(w / img.shape[1], h / img.shape[0])
    big = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    y0, x0 = (big.shape[0] - h) // 2, (big.shape[1] - w) // 2
    return np.ascontiguousarray(big[y0 : y0 + h, x0 : x0 + w])
