"""Photos with ground truth for the detector tests: the project's specimen generator (``samples``) when it
imports, else a small stand-in drawn here (``synth_photo``), which the tests also use on their own.

The stand-in draws a light card (ID-1 with a TD1 MRZ, or a passport page with a TD3 MRZ) with dark text
lines, warps it into a cluttered background with perspective, rotation, blur, noise and JPEG. Truth: the
document corners (TL, TR, BR, BL in the document's own frame) and the MRZ block corners, photo pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<"
# kind -> (width mm, height mm, lines, chars, MRZ block top mm from the bottom edge)
LAYOUT = {"ID1": (85.6, 54.0, 3, 30, 15.0), "TD3": (125.0, 88.0, 2, 44, 14.0)}
PX_PER_MM = 10.0


@dataclass(frozen=True)
class SynthPhoto:
    bgr: np.ndarray
    quad: np.ndarray  # 4x2 float32, document TL, TR, BR, BL in photo pixels
    mrz_quad: np.ndarray  # 4x2 float32, MRZ block corners (first line start, end, last line end, start)
    kind: str  # "ID1" (3-line MRZ) or "TD2_OR_TD3" (2 lines)
    rotation_deg: float
    lines: list[str]
    source: str = "synthetic"


def _from_samples() -> Callable[[int], SynthPhoto] | None:
    try:
        from samples.generate import make_item
        from samples.photograph import encode_jpeg
    except ImportError:
        return None

    def make(seed: int) -> SynthPhoto:
        _, photo, truth, quality = make_item(seed, severity_mix={"clean": 0.4, "normal": 0.6})
        bgr = cv2.imdecode(np.frombuffer(encode_jpeg(photo, quality), np.uint8), cv2.IMREAD_COLOR)
        meta = truth["photo"]
        kind = "ID1" if len(truth["mrz_lines"]) == 3 else "TD2_OR_TD3"
        quad, mrz = np.asarray(meta["quad"], np.float32), np.asarray(meta["regions"]["mrz"], np.float32)
        return SynthPhoto(bgr, quad, mrz, kind, float(meta["rotation_deg"]), truth["mrz_lines"], "samples")

    return make


@lru_cache(maxsize=64)
def photo(seed: int) -> SynthPhoto:
    """Photo number ``seed``: from ``samples`` when it imports, else from :func:`synth_photo`."""
    make = _from_samples()
    if make is not None:
        return make(seed)
    rng = np.random.default_rng(seed)
    return synth_photo(rng, kind="ID1" if seed % 2 else "TD3")


def corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean distance between corresponding corners (px)."""
    return float(np.linalg.norm(np.asarray(found) - np.asarray(truth), axis=1).mean())


def covered(region: np.ndarray, box: np.ndarray) -> float:
    """Share of the convex ``region`` (4x2) that lies inside the convex ``box`` (4x2)."""
    inter, _ = cv2.intersectConvexConvex(np.asarray(region, np.float32), np.asarray(box, np.float32))
    return float(inter) / float(cv2.contourArea(np.asarray(region, np.float32)))


def _font(size: int, ocr: bool) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = OCRB if ocr and OCRB.exists() else MONO
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default()


def draw_document(rng: np.random.Generator, kind: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The flat document at 10 px/mm (BGR), its MRZ block corners, and the MRZ lines."""
    w_mm, h_mm, n_lines, n_chars, mrz_top = LAYOUT[kind]
    w, h = round(w_mm * PX_PER_MM), round(h_mm * PX_PER_MM)
    b0, b1, b2 = (int(v) for v in rng.integers(200, 250, 3))
    img = Image.new("RGB", (w, h), (b0, b1, b2))
    d = ImageDraw.Draw(img)
    t0, t1, t2 = (int(v) for v in rng.integers(120, 230, 3))
    d.rectangle((0, 0, w, int(h * 0.14)), fill=(t0, t1, t2))
    d.rectangle(
        (int(w * 0.04), int(h * 0.2), int(w * 0.3), int(h_mm - mrz_top - 4) * 10), fill=(150, 140, 130)
    )
    viz = _font(int(PX_PER_MM * 2.6), False)
    y = int(h * 0.2)
    while y < (h_mm - mrz_top - 6) * PX_PER_MM:
        n = int(rng.integers(4, 18))
        text = "".join(rng.choice(list("ABCDEFGHIJKLMNOPRSTUVWXYZ 0123456789"), n))
        d.text((int(w * 0.34), y), text, fill=(40, 40, 50), font=viz)
        y += int(PX_PER_MM * 4.5)
    lines = ["".join(rng.choice(list(ALPHABET), n_chars)) for _ in range(n_lines)]
    font = _font(int(PX_PER_MM * 3.4), True)
    pitch = 2.54 * PX_PER_MM
    x0 = (w - n_chars * pitch) / 2
    top = (h_mm - mrz_top) * PX_PER_MM
    line_h = (mrz_top - 3.0) * PX_PER_MM / n_lines
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            d.text((x0 + j * pitch, top + i * line_h), ch, fill=(20, 20, 25), font=font)
    bottom = top + (n_lines - 1) * line_h + 2.6 * PX_PER_MM
    mrz = np.array(
        [[x0, top], [x0 + n_chars * pitch, top], [x0 + n_chars * pitch, bottom], [x0, bottom]], np.float32
    )
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    return bgr, mrz, lines


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    bg = np.zeros((h, w, 3), np.uint8)
    bg[:] = rng.integers(20, 200, 3)
    for _ in range(int(rng.integers(10, 40))):
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        p = rng.integers(0, [w, h], size=(2, 2))
        if rng.random() < 0.5:
            cv2.line(
                bg, tuple(int(v) for v in p[0]), tuple(int(v) for v in p[1]), colour, int(rng.integers(1, 12))
            )
        else:
            cv2.circle(bg, tuple(int(v) for v in p[0]), int(rng.integers(10, 200)), colour, -1)
    for _ in range(int(rng.integers(0, 6))):
        org = tuple(int(v) for v in rng.integers(0, [w, h]))
        cv2.putText(
            bg, "LOREM IPSUM 12345", org, cv2.FONT_HERSHEY_PLAIN, float(rng.uniform(1, 3)), (0, 0, 0), 2
        )
    return cv2.GaussianBlur(bg, (0, 0), float(rng.uniform(0.5, 4)))


def synth_photo(
    rng: np.random.Generator,
    kind: str = "ID1",
    rotation_deg: float | None = None,
    fill: float | None = None,
    size: tuple[int, int] = (1600, 1200),
) -> SynthPhoto:
    """A phone-like photo of a synthetic document; ``fill`` is the document width / photo width."""
    doc, mrz, lines = draw_document(rng, kind)
    dh, dw = doc.shape[:2]
    w, h = size
    rot = (
        float(rng.choice([0, 90, 180, 270]) + rng.uniform(-20, 20)) if rotation_deg is None else rotation_deg
    )
    fill = float(rng.uniform(0.5, 0.85)) if fill is None else fill
    scale = fill * w / dw
    if abs(np.sin(np.radians(rot))) > 0.5:
        scale = min(scale, 0.85 * h / dw)
    src = np.array([[0, 0], [dw, 0], [dw, dh], [0, dh]], np.float32)
    pts = (src - [dw / 2, dh / 2]) * scale
    pts += rng.uniform(-0.06, 0.06, (4, 2)) * scale * dw  # perspective tilt
    a = np.radians(rot)
    rmat = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    pts = pts @ rmat.T
    lo, hi = pts.min(0), pts.max(0)
    centre = np.array([w / 2, h / 2]) + rng.uniform(-1, 1, 2) * np.maximum(
        0, (np.array([w, h]) - (hi - lo)) / 2 - 10
    )
    dst = (pts + centre).astype(np.float32)
    homography = cv2.getPerspectiveTransform(src, dst)
    photo = _background(rng, w, h)
    warped = cv2.warpPerspective(doc, homography, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((dh, dw), 255, np.uint8), homography, (w, h))
    photo[mask > 127] = warped[mask > 127]
    shade = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.9, 1.15), w)[None, :, None]
    photo = np.clip(photo * shade, 0, 255).astype(np.uint8)
    photo = cv2.GaussianBlur(photo, (0, 0), float(rng.uniform(0.3, 1.5)))
    photo = np.clip(photo + rng.normal(0, rng.uniform(2, 8), photo.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 92))])
    photo = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else photo
    mrz_photo = cv2.perspectiveTransform(mrz[None], homography)[0]
    return SynthPhoto(
        photo, dst, mrz_photo.astype(np.float32), "ID1" if kind == "ID1" else "TD2_OR_TD3", rot, lines
    )
