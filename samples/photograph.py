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
from functools import lru_cache
from typing import Any, Literal

import cv2
import numpy as np

from samples import effects as fx
from samples.backgrounds import background

Severity = Literal["clean", "normal", "hard"]

SEVERITIES: dict[str, dict[str, Any]] = {
    "clean": {"jitter": 0.03, "rot": 6.0, "blur": (0.0, 0.6), "motion_p": 0.0, "motion": (3, 5),
              "noise": (1.0, 3.0), "jpeg": (85, 95), "glare_p": 0.15, "shadow_p": 0.15, "light": 0.12,
              "exposure": (0.92, 1.05), "downscale_p": 0.0, "cast": 0.03, "thumb_p": 0.0, "bend": 0.0,
              "mrz_occlusion_ok": False},
    "normal": {"jitter": 0.06, "rot": 15.0, "blur": (0.3, 1.3), "motion_p": 0.15, "motion": (3, 7),
               "noise": (2.0, 6.0), "jpeg": (70, 92), "glare_p": 0.35, "shadow_p": 0.35, "light": 0.25,
               "exposure": (0.85, 1.08), "downscale_p": 0.1, "cast": 0.06, "thumb_p": 0.12, "bend": 0.012,
               "mrz_occlusion_ok": False},
    "hard": {"jitter": 0.08, "rot": 20.0, "blur": (0.9, 2.2), "motion_p": 0.45, "motion": (6, 14),
             "noise": (5.0, 12.0), "jpeg": (60, 80), "glare_p": 0.6, "shadow_p": 0.6, "light": 0.4,
             "exposure": (0.65, 1.3), "downscale_p": 0.5, "cast": 0.12, "thumb_p": 0.3, "bend": 0.03,
             "mrz_occlusion_ok": True},
}
"""Per-severity parameter ranges (see the module docstring)."""


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
        for _ in range(400):  # push until the corner leaves the frame, then 2-8 % of the size further
            if not (0 <= quad[c][0] < fw and 0 <= quad[c][1] < fh):
                break
            quad += direction * 4
        quad += direction * rng.uniform(0.02, 0.08) * max(span)
    return quad, cut_off


@lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    """Unit Gaussian sensor noise, half-resolution grain upscaled (demosaicing correlates
    neighbours), from a fixed seed. Each photo adds a randomly offset window of it: ~8 ms
    instead of ~60 ms for fresh full-frame noise, and still reproducible."""
    side = 1700
    half = np.random.default_rng(20261123).standard_normal((side // 2, side // 2, 3), dtype=np.float32)
    up = cv2.resize(half, (side, side), interpolation=cv2.INTER_LINEAR)
    fine = np.random.default_rng(20261124).standard_normal((side, side, 3), dtype=np.float32)
    return cv2.addWeighted(up, 1.1, fine, 0.5, 0.0)


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
    bg, bg_kind = background(rng, fw, fh)
    quad, cut = _place(w, h, fw, fh, rng, p, rot, cut_off)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = cv2.getPerspectiveTransform(src, quad.astype(np.float32))

    is_card = w / h > 1.55
    radius = int(0.037 * w) if is_card else int(0.01 * w)  # ID-1 cards: 3.18 mm corners
    bgra = cv2.merge([*cv2.split(doc_bgr), fx.rounded_mask(w, h, radius)])
    bend = 0.0
    if not is_card and p["bend"] > 0:  # booklet pages bow; the corners stay where they are
        bend = float(rng.uniform(0, p["bend"]) * h * rng.choice([-1, 1]))
        bgra = fx.bend_page(bgra, bend)
    chans = cv2.split(cv2.warpPerspective(bgra, hom, (fw, fh), flags=cv2.INTER_LINEAR))
    a8 = chans[3]
    warped = cv2.merge(chans[:3])
    alpha = a8.astype(np.float32) * (1 / 255.0)
    base = bg
    cv2.copyTo(warped, (a8 == 255).view(np.uint8), base)
    ey, ex = np.nonzero((a8 > 0) & (a8 < 255))  # anti-aliased rim: blend those pixels only
    ea = alpha[ey, ex][:, None]
    base[ey, ex] = (warped[ey, ex] * ea + base[ey, ex] * (1 - ea)).astype(np.uint8)

    # region quads; the MRZ also as a 1/4-resolution mask for keeping glare and thumbs off it
    meta_regions: dict[str, list[list[float]]] = {}
    mrz_small = None
    for name, (rx, ry, rw, rh) in (regions or {}).items():
        pts = np.array([[[rx, ry], [rx + rw, ry], [rx + rw, ry + rh], [rx, ry + rh]]], np.float32)
        q = cv2.perspectiveTransform(pts, hom)[0]
        meta_regions[name] = q.round(2).tolist()
        if name == "mrz":
            mrz_small = np.zeros((fh // 4, fw // 4), np.uint8)
            cv2.fillConvexPoly(mrz_small, (q / 4).astype(np.int32), (1,))
    finger = finger_mrz = False
    if rng.random() < p["thumb_p"]:
        finger, finger_mrz = fx.thumb(base, quad, rng, mrz_small, keep_clear=not p["mrz_occlusion_ok"])

    # light field at 1/4 resolution: gradient, vignette, exposure, drop shadow, cast shadow
    sw, sh_ = fw // 4, fh // 4
    yy, xx = np.mgrid[0:sh_, 0:sw].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    grad = (xx * np.cos(ang) + yy * np.sin(ang)) / max(sw, sh_)
    grad = 1 + p["light"] * (grad - grad.mean()) * rng.uniform(0.5, 1.0)
    r2 = ((xx - sw / 2) ** 2 + (yy - sh_ / 2) ** 2) / ((sw / 2) ** 2 + (sh_ / 2) ** 2)
    light = grad * (1 - rng.uniform(0.05, 0.3) * r2) * rng.uniform(*p["exposure"])
    alpha_s = cv2.resize(alpha, (sw, sh_), interpolation=cv2.INTER_AREA)
    off = rng.uniform(-0.012, 0.012, 2) * sw
    drop = cv2.warpAffine(alpha_s, np.array([[1, 0, off[0]], [0, 1, off[1]]], np.float32), (sw, sh_))
    light *= 1 - 0.45 * cv2.GaussianBlur(drop, (0, 0), 4) * (1 - alpha_s)
    shadow = rng.random() < p["shadow_p"]
    if shadow:  # a soft shadow of the phone or a hand, entering from one side
        poly = (rng.uniform(0, 1, (5, 2)) * [sw, sh_]).astype(np.int32)
        edge = int(rng.integers(0, 4))
        poly[:2, edge % 2] = 0 if edge < 2 else (sw, sh_)[edge % 2]
        smask = np.zeros((sh_, sw), np.float32)
        cv2.fillPoly(smask, [cv2.convexHull(poly)], (1.0,))
        light *= 1 - rng.uniform(0.2, 0.45) * cv2.GaussianBlur(smask, (0, 0), rng.uniform(4, 12))

    glare = glare_mrz = False
    gmap = None
    if rng.random() < p["glare_p"]:
        for _ in range(12):
            center = rng.dirichlet([1, 1, 1, 1]) @ quad
            sx = rng.uniform(0.04, 0.12) * fw
            g = fx.gauss_blob((fw, fh), center, sx, sx * rng.uniform(0.3, 1.0), rng.uniform(0, np.pi))
            over = mrz_small is not None and float(g[mrz_small > 0].max(initial=0)) > 0.2
            if over and not p["mrz_occlusion_ok"]:
                continue
            gmap = g * alpha_s * rng.uniform(0.5, 0.95)
            glare, glare_mrz = True, over
            break
    cast = 1 + rng.uniform(-p["cast"], p["cast"], 3)
    if gmap is not None:
        light = light * (1 - gmap)
    gain = cv2.resize(cv2.merge([light * float(c) for c in cast]), (fw, fh), interpolation=cv2.INTER_LINEAR)
    out = cv2.multiply(base, gain, dtype=cv2.CV_32F)
    if gmap is not None:  # specular highlight: towards over-white, on the document only
        g3 = cv2.resize(cv2.merge([gmap * 280.0] * 3), (fw, fh), interpolation=cv2.INTER_LINEAR)
        out = cv2.add(out, g3)

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
        out = cv2.filter2D(out, -1, fx.motion_kernel(motion, float(rng.uniform(0, 180))))
    noise = float(rng.uniform(*p["noise"]))
    bank = _noise_bank()
    oy, ox = int(rng.integers(0, bank.shape[0] - fh + 1)), int(rng.integers(0, bank.shape[1] - fw + 1))
    out = cv2.scaleAdd(bank[oy:oy + fh, ox:ox + fw], noise, out)
    photo = cv2.convertScaleAbs(np.maximum(out, 0, out=out))  # clamps to 0..255
    quality = int(rng.integers(p["jpeg"][0], p["jpeg"][1] + 1))
    if apply_jpeg:
        photo = cv2.imdecode(np.frombuffer(encode_jpeg(photo, quality), np.uint8), cv2.IMREAD_COLOR)

    area = float(cv2.contourArea(quad.astype(np.float32)))
    frame = np.array([[0, 0], [fw, 0], [fw, fh], [0, fh]], np.float32)
    visible = float(cv2.intersectConvexConvex(quad.astype(np.float32), frame)[0]) if cut else area
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
        "thumb": finger,
        "thumb_over_mrz": finger_mrz,
        "page_bend_px": round(bend, 2),
        "jpeg_quality": quality,
        "background": bg_kind,
        "cut_off": cut,
        "visible_fraction": round(visible / max(area, 1.0), 4),
        "regions": meta_regions,
    }
    return photo, meta
