"""Simulate a phone photograph of a flat document lying in a scene.

Severities (parameters in :data:`SEVERITIES`):

* ``clean``: small tilt (corner jitter <= 3 %), rotation jitter <= 6 deg, blur sigma <= 0.6,
  noise sigma 1-3, JPEG 85-95, soft lighting, glare rare and never on the MRZ.
* ``normal``: jitter <= 6 %, rotation jitter <= 15 deg, blur 0.3-1.3 (+ light motion blur
  sometimes), noise 2-6, JPEG 70-92, gradient light, shadows and glare kept off the MRZ.
* ``hard``: jitter <= 8 %, rotation jitter <= 20 deg, blur 0.9-2.2, motion blur often,
  noise 5-12, lower effective resolution, colour cast, JPEG 60-80, glare may cover the MRZ.

Coordinates: photo pixels, (x, y) from the top-left; quads are TL, TR, BR, BL of the
*document's own* corners. ``rotation_deg`` is the document's clockwise rotation on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import cv2
import numpy as np

from samples.backgrounds import background

Severity = Literal["clean", "normal", "hard"]

SEVERITIES: dict[str, dict[str, Any]] = {
    "clean": {"jitter": 0.03, "rot": 6.0, "blur": (0.0, 0.6), "motion_p": 0.0, "motion": (3, 5),
              "noise": (1.0, 3.0), "jpeg": (85, 95), "glare_p": 0.15, "shadow_p": 0.15, "light": 0.12,
              "downscale_p": 0.0, "cast": 0.03, "glare_on_mrz": False},
    "normal": {"jitter": 0.06, "rot": 15.0, "blur": (0.3, 1.3), "motion_p": 0.15, "motion": (3, 7),
               "noise": (2.0, 6.0), "jpeg": (70, 92), "glare_p": 0.35, "shadow_p": 0.35, "light": 0.25,
               "downscale_p": 0.1, "cast": 0.06, "glare_on_mrz": False},
    "hard": {"jitter": 0.08, "rot": 20.0, "blur": (0.9, 2.2), "motion_p": 0.45, "motion": (6, 14),
             "noise": (5.0, 12.0), "jpeg": (60, 80), "glare_p": 0.6, "shadow_p": 0.6, "light": 0.4,
             "downscale_p": 0.5, "cast": 0.12, "glare_on_mrz": True},
}
"""Per-severity parameter ranges (see the module docstring)."""


def _rounded_mask(w: int, h: int, radius: int) -> np.ndarray:
    mask = np.full((h, w), 255, np.uint8)
    if radius <= 0:
        return mask
    mask[:radius, :radius] = 0
    mask[:radius, w - radius:] = 0
    mask[h - radius:, :radius] = 0
    mask[h - radius:, w - radius:] = 0
    for cx, cy in ((radius, radius), (w - radius - 1, radius), (radius, h - radius - 1),
                   (w - radius - 1, h - radius - 1)):
        cv2.circle(mask, (cx, cy), radius, 255, -1, cv2.LINE_AA)
    return mask


def _place(w: int, h: int, fw: int, fh: int, rng: np.random.Generator, p: dict[str, Any],
           rot_deg: float, cut_off: bool) -> tuple[np.ndarray, bool]:
    """Destination quad (4x2, TL TR BR BL of the document) inside the frame."""
    fill = rng.uniform(0.40, 0.75) if rng.random() < 0.8 else rng.uniform(0.30, 0.90)
    s = np.sqrt(fill * fw * fh / (w * h))
    half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]], np.float64) / 2 * s
    jit = rng.uniform(-p["jitter"], p["jitter"], (4, 2)) * max(w, h) * s
    a = np.deg2rad(rot_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    quad = (half + jit) @ rot.T
    margin = 0.01 * min(fw, fh)
    span = quad.max(0) - quad.min(0)
    k = min(1.0, (fw - 2 * margin) / span[0], (fh - 2 * margin) / span[1])
    quad *= k
    lo = -quad.min(0) + margin
    hi = np.array([fw, fh]) - quad.max(0) - margin
    quad += lo + rng.uniform(0, 1, 2) * np.maximum(hi - lo, 0)
    if cut_off:
        c = int(rng.integers(0, 4))
        direction = quad[c] - quad.mean(0)
        direction /= np.linalg.norm(direction)
        for _ in range(400):  # push until the corner is out by 4-15 % of the document size
            if not (0 <= quad[c][0] < fw and 0 <= quad[c][1] < fh):
                break
            quad += direction * 4
        quad += direction * rng.uniform(0.04, 0.15) * max(span)
    return quad, cut_off


def _blob(fw: int, fh: int, center: np.ndarray, sx: float, sy: float, ang: float) -> np.ndarray:
    """Elliptical Gaussian (peak 1) computed at 1/4 resolution and upscaled."""
    sw, sh = fw // 4, fh // 4
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    dx, dy = xx - center[0] / 4, yy - center[1] / 4
    c, s = np.cos(ang), np.sin(ang)
    u, v = (dx * c + dy * s) / (sx / 4), (-dx * s + dy * c) / (sy / 4)
    g = np.exp(-0.5 * (u * u + v * v))
    return cv2.resize(g, (fw, fh), interpolation=cv2.INTER_LINEAR)


def encode_jpeg(img: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of a BGR image (baseline, 4:2:0 as phones do)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def photograph(doc_bgr: np.ndarray, rng: np.random.Generator, severity: Severity = "normal", *,
               cut_off: bool = False, regions: Mapping[str, Sequence[int]] | None = None,
               apply_jpeg: bool = True) -> tuple[np.ndarray, dict[str, Any]]:
    """Place ``doc_bgr`` in a scene and degrade it like a phone camera would.

    ``regions`` maps names to (x, y, w, h) boxes in document pixels; their quads in the photo
    are returned in ``meta["regions"]``. The one named ``mrz`` keeps glare off the MRZ in the
    clean and normal severities. With ``apply_jpeg`` the result went through JPEG at
    ``meta["jpeg_quality"]``; otherwise the caller encodes it (see :func:`encode_jpeg`).
    Returns (photo BGR uint8, meta). Example: ``photo, meta = photograph(doc, rng, "hard")``.
    """
    p = SEVERITIES[severity]
    h, w = doc_bgr.shape[:2]
    portrait_frame = rng.random() < 0.2
    fw, fh = (1200, 1600) if portrait_frame else (1600, 1200)
    if portrait_frame:
        quadrant = int(rng.choice([0, 90, 180, 270], p=[0.15, 0.4, 0.05, 0.4]))
    else:
        quadrant = int(rng.choice([0, 90, 180, 270], p=[0.76, 0.06, 0.12, 0.06]))
    rot = quadrant + float(rng.uniform(-p["rot"], p["rot"]))
    img, bg_kind = background(rng, fw, fh)
    quad, cut = _place(w, h, fw, fh, rng, p, rot, cut_off)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = cv2.getPerspectiveTransform(src, quad.astype(np.float32))

    radius = int(0.037 * w) if w / h > 1.45 else int(0.01 * w)  # ID-1 cards: 3.18 mm corners
    mask = cv2.warpPerspective(_rounded_mask(w, h, radius), hom, (fw, fh), flags=cv2.INTER_LINEAR)
    warped = cv2.warpPerspective(doc_bgr, hom, (fw, fh), flags=cv2.INTER_LINEAR)
    alpha = mask.astype(np.float32)[..., None] / 255.0
    # drop shadow of the document on the table
    off = rng.uniform(-0.012, 0.012, 2) * fw
    sh_mask = cv2.warpAffine(mask, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (fw, fh))
    sh_mask = cv2.GaussianBlur(cv2.resize(sh_mask, (fw // 4, fh // 4)), (0, 0), 4)
    sh = cv2.resize(sh_mask, (fw, fh)).astype(np.float32)[..., None] / 255.0
    out = img.astype(np.float32) * (1 - 0.45 * sh)
    out = out * (1 - alpha) + warped.astype(np.float32) * alpha

    # lighting: gradient + vignette, and a colour cast
    yy, xx = np.mgrid[0:fh // 8, 0:fw // 8].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    grad = (xx * np.cos(ang) + yy * np.sin(ang)) / max(fw, fh) * 8
    grad = 1 + p["light"] * (grad - grad.mean()) * rng.uniform(0.5, 1.0)
    r2 = ((xx - fw / 16) ** 2 + (yy - fh / 16) ** 2) / ((fw / 16) ** 2 + (fh / 16) ** 2)
    light = grad * (1 - rng.uniform(0.05, 0.3) * r2) * rng.uniform(0.85, 1.08)
    shadow = rng.random() < p["shadow_p"]
    if shadow:  # a soft shadow of the phone or a hand
        poly = (rng.uniform(0, 1, (5, 2)) * [fw / 8, fh / 8]).astype(np.int32)
        edge = int(rng.integers(0, 4))
        poly[:2, edge % 2] = 0 if edge < 2 else [fw // 8, fh // 8][edge % 2]
        smask = np.zeros((fh // 8, fw // 8), np.float32)
        cv2.fillPoly(smask, [cv2.convexHull(poly)], 1.0)
        smask = cv2.GaussianBlur(smask, (0, 0), rng.uniform(2, 6))
        light *= 1 - rng.uniform(0.2, 0.45) * smask
    light_full = cv2.resize(light, (fw, fh), interpolation=cv2.INTER_LINEAR)
    cast = 1 + rng.uniform(-p["cast"], p["cast"], 3).astype(np.float32)
    out *= light_full[..., None] * cast[None, None, :]

    # specular glare
    meta_regions: dict[str, list[list[float]]] = {}
    mrz_mask = None
    for name, (rx, ry, rw, rh) in (regions or {}).items():
        pts = np.array([[[rx, ry], [rx + rw, ry], [rx + rw, ry + rh], [rx, ry + rh]]], np.float32)
        q = cv2.perspectiveTransform(pts, hom)[0]
        meta_regions[name] = q.round(2).tolist()
        if name == "mrz":
            mrz_mask = np.zeros((fh, fw), np.uint8)
            cv2.fillConvexPoly(mrz_mask, q.astype(np.int32), 1)
    glare = glare_mrz = False
    if rng.random() < p["glare_p"]:
        for _ in range(12):
            bary = rng.dirichlet([1, 1, 1, 1])
            center = bary @ quad
            sx = rng.uniform(0.04, 0.12) * fw
            g = _blob(fw, fh, center, sx, sx * rng.uniform(0.3, 1.0), rng.uniform(0, np.pi))
            over = mrz_mask is not None and float((g * mrz_mask).max()) > 0.2
            if over and not p["glare_on_mrz"]:
                continue
            strength = rng.uniform(0.5, 0.95)
            g = (g * strength * alpha[..., 0])[..., None]
            out = out + (255 * 1.1 - out) * g
            glare, glare_mrz = True, over
            break

    # optics and sensor
    if rng.random() < p["downscale_p"]:
        f = rng.uniform(0.45, 0.8)
        out = cv2.resize(cv2.resize(out, (int(fw * f), int(fh * f)), interpolation=cv2.INTER_AREA), (fw, fh))
    sigma = float(rng.uniform(*p["blur"]))
    if sigma > 0.05:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    motion = 0
    if rng.random() < p["motion_p"]:
        motion = int(rng.integers(p["motion"][0], p["motion"][1] + 1))
        kern = np.zeros((motion, motion), np.float32)
        kern[motion // 2, :] = 1.0 / motion
        rmat = cv2.getRotationMatrix2D((motion / 2 - 0.5, motion / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kern = cv2.warpAffine(kern, rmat, (motion, motion))
        out = cv2.filter2D(out, -1, kern / max(float(kern.sum()), 1e-6))
    noise = float(rng.uniform(*p["noise"]))
    luma = rng.standard_normal((fh, fw), dtype=np.float32) * noise
    chroma = rng.standard_normal((fh // 4, fw // 4, 3), dtype=np.float32) * (noise * 0.5)
    out += luma[..., None] + cv2.resize(chroma, (fw, fh), interpolation=cv2.INTER_LINEAR)
    photo = np.clip(out, 0, 255).astype(np.uint8)
    quality = int(rng.integers(p["jpeg"][0], p["jpeg"][1] + 1))
    if apply_jpeg:
        photo = cv2.imdecode(np.frombuffer(encode_jpeg(photo, quality), np.uint8), cv2.IMREAD_COLOR)

    area = float(cv2.contourArea(quad.astype(np.float32)))
    meta: dict[str, Any] = {
        "severity": severity,
        "size": [fw, fh],
        "quad": quad.round(2).tolist(),
        "rotation_deg": round(rot % 360, 2),
        "rotation_quadrant": quadrant,
        "fill_ratio": round(area / (fw * fh), 4),
        "blur_sigma": round(sigma, 3),
        "motion_blur_px": motion,
        "noise_sigma": round(noise, 3),
        "glare": glare,
        "glare_over_mrz": glare_mrz,
        "shadow": shadow,
        "jpeg_quality": quality,
        "background": bg_kind,
        "cut_off": cut,
        "regions": meta_regions,
    }
    return photo, meta
