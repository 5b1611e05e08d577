"""Security-print decoration for specimen documents: emblem, flag band, microtext, hologram, signature.

All functions draw in place on a BGR uint8 document image; boxes are (x, y, w, h) in document pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples import render

BGR = tuple[int, int, int]

FLAG_BANDS: dict[str, list[BGR]] = {
    "KAZ": [(200, 170, 0), (40, 190, 240)],
    "ALB": [(30, 20, 200), (20, 20, 20)],
    "KEN": [(20, 20, 20), (40, 30, 190), (40, 120, 20)],
    "TZA": [(60, 160, 30), (0, 210, 250), (20, 20, 20), (220, 160, 0)],
    "UGA": [(20, 20, 20), (0, 210, 250), (40, 30, 200)],
}


def emblem(img: np.ndarray, center: tuple[int, int], radius: int, color: BGR, rng: np.random.Generator) -> None:
    """A generic state seal: rings, a rayed sun or a star, and a dotted border."""
    cx, cy = center
    cv2.circle(img, center, radius, color, 2, cv2.LINE_AA)
    cv2.circle(img, center, int(radius * 0.86), color, 1, cv2.LINE_AA)
    for k in range(36):  # dotted border
        a = 2 * np.pi * k / 36
        p = (int(cx + radius * 0.93 * np.cos(a)), int(cy + radius * 0.93 * np.sin(a)))
        cv2.circle(img, p, max(radius // 30, 1), color, -1, cv2.LINE_AA)
    if rng.random() < 0.5:  # sun with rays
        cv2.circle(img, center, int(radius * 0.3), color, -1, cv2.LINE_AA)
        for k in range(24):
            a = 2 * np.pi * k / 24
            p0 = (int(cx + radius * 0.38 * np.cos(a)), int(cy + radius * 0.38 * np.sin(a)))
            p1 = (int(cx + radius * 0.7 * np.cos(a)), int(cy + radius * 0.7 * np.sin(a)))
            cv2.line(img, p0, p1, color, 2, cv2.LINE_AA)
    else:  # five-pointed star
        pts = []
        for k in range(10):
            a = -np.pi / 2 + np.pi * k / 5
            r = radius * (0.72 if k % 2 == 0 else 0.3)
            pts.append((cx + r * np.cos(a), cy + r * np.sin(a)))
        cv2.fillPoly(img, [np.array(pts, np.int32)], color, cv2.LINE_AA)


def flag_band(img: np.ndarray, y: int, height: int, colors: list[BGR]) -> None:
    """Horizontal stripes in the country's colours across the full width."""
    step = max(height // max(len(colors), 1), 1)
    for i, c in enumerate(colors):
        cv2.rectangle(img, (0, y + i * step), (img.shape[1], y + (i + 1) * step - 1), c, -1)


def microtext(pil: Image.Image, y: float, text: str, color: tuple[int, int, int], size: int = 8) -> None:
    """A line of tiny repeated text across the page (RGB ``color``), like security microprint."""
    draw = ImageDraw.Draw(pil)
    f = render.font("DejaVuSans", size)
    line = (text + " ") * max(1, int(pil.width / max(draw.textlength(text + " ", font=f), 1)) + 1)
    draw.text((0, y), line, font=f, fill=color)


def hologram(img: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator, strength: float) -> None:
    """An iridescent patch (rainbow bands inside an ellipse) blended over ``box``."""
    x, y, w, h = box
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = (xx * 0.7 + yy) / max(w, h) * rng.uniform(3, 6) * 2 * np.pi
    hue = ((np.sin(phase) * 0.5 + 0.5) * 179).astype(np.uint8)
    hsv = cv2.merge([hue, np.full_like(hue, 90), np.full_like(hue, 255)])
    rainbow = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR).astype(np.float32)
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, (1.0,), -1, cv2.LINE_AA)
    rings = 0.6 + 0.4 * np.cos(np.hypot(xx - w / 2, yy - h / 2) / max(w, h) * 40)
    a = (mask * rings * strength)[..., None]
    roi = img[y:y + h, x:x + w].astype(np.float32)
    img[y:y + h, x:x + w] = np.clip(roi * (1 - a) + rainbow * a, 0, 255).astype(np.uint8)


def signature(img: np.ndarray, rng: np.random.Generator, box: tuple[int, int, int, int]) -> None:
    """A smooth random pen scribble inside ``box``."""
    x, y, w, h = box
    t = np.linspace(0, 1, 240)
    loops = rng.uniform(3, 7)
    xs = x + w * t + np.sin(2 * np.pi * loops * t) * w * 0.04
    ys = y + h / 2 + sum(rng.uniform(-h / 3, h / 3) * np.sin(2 * np.pi * rng.uniform(1, 5) * t + rng.uniform(0, 6))
                         for _ in range(3))
    ys = np.clip(ys, y, y + h)
    pts = np.stack([xs, ys], 1).astype(np.int32)
    ink = (120, 40, 20) if rng.random() < 0.7 else (30, 30, 30)
    cv2.polylines(img, [pts], False, ink, 2, cv2.LINE_AA)
