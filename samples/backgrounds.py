"""Procedural scene backgrounds for simulated phone photographs (wood, fabric, stone, desk clutter)."""

from __future__ import annotations

import cv2
import numpy as np

KINDS = ("wood", "fabric", "solid", "stone", "paper_desk")


def _low_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Smooth noise in about -1..1, ``cells`` control points along the longer side."""
    ch = max(2, int(cells * h / max(h, w)))
    cw = max(2, int(cells * w / max(h, w)))
    small = rng.normal(0, 1, (ch, cw)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]


def _wood(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = np.array(rng.choice([[40, 80, 130], [30, 60, 100], [70, 120, 170], [50, 70, 90], [90, 140, 190]]),
                    np.float32)
    dark = base * rng.uniform(0.5, 0.75)
    horizontal = rng.random() < 0.5
    across_n, along_n = (h, w) if horizontal else (w, h)
    # Grain runs along the planks: noise is stretched 12x along them, so rings stay long and thin.
    small = rng.normal(0, 1, (max(across_n // 10, 2), max(along_n // 120, 2))).astype(np.float32)
    warp = cv2.resize(small, (along_n, across_n), interpolation=cv2.INTER_CUBIC)
    across = np.arange(across_n, dtype=np.float32)[:, None]
    grain = np.sin(across / rng.uniform(2.5, 5.0) + warp * rng.uniform(2.0, 4.0))
    fine = cv2.resize(rng.normal(0, 1, (across_n, max(along_n // 30, 2))).astype(np.float32),
                      (along_n, across_n), interpolation=cv2.INTER_LINEAR)
    t = np.clip((grain * 0.5 + 0.5) ** 3 * 0.8 + fine * 0.08, 0, 1)
    if not horizontal:
        t = np.ascontiguousarray(t.T)
    img = _mix(base, dark, t)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    along = yy if horizontal else xx  # seams between boards run with the grain
    # plank seams
    period = rng.uniform(0.18, 0.4) * max(h, w)
    seams = (np.abs(((along + 37) % period) - period / 2) > period / 2 - 2).astype(np.float32)
    img *= (1 - 0.35 * seams)[..., None]
    return img


def _fabric(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = rng.uniform(30, 200, 3).astype(np.float32)
    fx = rng.uniform(0.6, 1.4)
    x = np.sin(np.arange(w, dtype=np.float32) * fx)
    y = np.sin(np.arange(h, dtype=np.float32) * fx)
    weave = (y[:, None] * 0.5 + x[None, :] * 0.5) * rng.uniform(6, 14)
    img = base[None, None, :] + weave[..., None] + _low_noise(rng, h, w, 10)[..., None] * 10
    return img


def _solid(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = rng.uniform(20, 235, 3).astype(np.float32)
    img = np.broadcast_to(base, (h, w, 3)).astype(np.float32)
    return img + _low_noise(rng, h, w, 4)[..., None] * 6


def _stone(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = np.full(3, rng.uniform(90, 220), np.float32) + rng.uniform(-15, 15, 3).astype(np.float32)
    speck = cv2.resize(rng.normal(0, 1, (h // 3, w // 3)).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_NEAREST)
    veins = np.abs(_low_noise(rng, h, w, 8))
    img = base[None, None, :] + speck[..., None] * 12 - (veins < 0.08)[..., None] * 40
    return img


def _clutter(img: np.ndarray, rng: np.random.Generator) -> None:
    """Papers, pens, a cup rim and a keyboard edge drawn onto ``img`` in place."""
    h, w = img.shape[:2]
    for _ in range(int(rng.integers(1, 6))):
        kind = rng.random()
        color = tuple(float(c) for c in rng.uniform(0, 255, 3))
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        if kind < 0.4:  # a sheet of paper
            pw, ph = rng.uniform(0.2, 0.6) * w, rng.uniform(0.2, 0.6) * h
            box = cv2.boxPoints(((cx, cy), (pw, ph), float(rng.uniform(0, 180))))
            shade = float(rng.uniform(200, 250))
            cv2.fillConvexPoly(img, box.astype(np.int32), (shade, shade, shade - 8), cv2.LINE_AA)
            for k in range(int(rng.integers(0, 12))):  # printed text lines
                a = box[0] + (box[1] - box[0]) * 0.1 + (box[3] - box[0]) * (0.1 + 0.06 * k)
                b = a + (box[1] - box[0]) * rng.uniform(0.3, 0.8)
                cv2.line(img, a.astype(np.int32), b.astype(np.int32), (90, 90, 90), 2, cv2.LINE_AA)
        elif kind < 0.65:  # a pen
            ang = rng.uniform(0, np.pi)
            ln = rng.uniform(0.15, 0.3) * max(w, h)
            d = np.array([np.cos(ang), np.sin(ang)]) * ln / 2
            p0 = (np.array([cx, cy]) - d).astype(np.int32)
            p1 = (np.array([cx, cy]) + d).astype(np.int32)
            cv2.line(img, p0, p1, color, int(rng.integers(10, 22)), cv2.LINE_AA)
        elif kind < 0.85:  # a cup or a coin
            r = int(rng.uniform(0.04, 0.12) * max(w, h))
            cv2.circle(img, (int(cx), int(cy)), r, color, -1, cv2.LINE_AA)
            cv2.circle(img, (int(cx), int(cy)), int(r * 0.8), tuple(c * 0.7 for c in color), 3, cv2.LINE_AA)
        else:  # a keyboard edge
            kw = int(rng.uniform(0.03, 0.05) * w)
            y0 = int(rng.uniform(0, h * 0.8))
            dark = float(rng.uniform(20, 60))
            cv2.rectangle(img, (0, y0), (w, y0 + kw * 4), (dark, dark, dark), -1)
            for r_ in range(3):
                for c_ in range(0, w, kw + 6):
                    cv2.rectangle(img, (c_ + 3, y0 + r_ * kw + 4), (c_ + kw, y0 + (r_ + 1) * kw),
                                  (dark + 30, dark + 30, dark + 30), -1)


def background(rng: np.random.Generator, w: int, h: int) -> tuple[np.ndarray, str]:
    """A ``h`` x ``w`` BGR uint8 scene background and its kind (one of :data:`KINDS`).

    Textures are built at half resolution and upscaled, which keeps this near 20 ms.
    """
    kind = KINDS[int(rng.choice(len(KINDS), p=[0.3, 0.2, 0.15, 0.15, 0.2]))]
    hh, hw = h // 2, w // 2
    maker = {"wood": _wood, "fabric": _fabric, "solid": _solid, "stone": _stone,
             "paper_desk": (_wood, _solid, _stone)[int(rng.integers(0, 3))]}[kind]
    small = np.ascontiguousarray(maker(rng, hh, hw), dtype=np.float32)
    if kind == "paper_desk" or rng.random() < 0.25:
        _clutter(small, rng)
    img = cv2.resize(np.clip(small, 0, 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    return img, kind
