"""Simulated phone selfies from ../shared/faces photos, face-free scenes, and unreadable MRZs.

A selfie is a face photo scaled (Lanczos) so the head and shoulders fill most of a phone frame,
its own background extended past its edges, lit unevenly, with sensor noise; the caller encodes
it as JPEG at ``meta["jpeg_quality"]``. Face-free scenes are walls or desk close-ups. Frames are 1200x1600 (portrait, 80 %) or 1600x1200. No
realism beyond that: no depth, no arm, no lens distortion.

Example:
    >>> import numpy as np
    >>> img, meta = no_face_scene(np.random.default_rng(1))
    >>> img.shape[:2] in ((1600, 1200), (1200, 1600))
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from samples import render
from samples.backgrounds import background

MIN_CROP_PX = 150
"""Smallest head-and-shoulders crop width (source px) a selfie may be made from: ~80 px faces."""


def selfie_sources(faces_dir: Path) -> dict[str, list[Path]]:
    """Identity -> photos good enough for a selfie, sorted: shorter side at least 200 px (so
    not the 112x112 aligned crops) and a head-and-shoulders crop at least :data:`MIN_CROP_PX`
    wide. Identities without any are left out."""
    out: dict[str, list[Path]] = {}
    for path in render.face_files(faces_dir):
        _, _, cw, _, iw, ih = render._face_crop_box(str(path))  # same crop as document portraits
        if min(iw, ih) >= render.TIGHT_CROP_PX and cw >= MIN_CROP_PX:
            out.setdefault(path.parent.name, []).append(path)
    return out


def _frame(rng: np.random.Generator) -> tuple[int, int]:
    return (1200, 1600) if rng.random() < 0.8 else (1600, 1200)


def room(rng: np.random.Generator, fw: int, fh: int) -> tuple[np.ndarray, str]:
    """An out-of-focus indoor background: a painted wall with a door, window or shelf, or a
    desk texture seen up close. Returns (BGR uint8, kind)."""
    if rng.random() < 0.35:
        img, kind = background(rng, fw, fh)
        return cv2.GaussianBlur(img, (0, 0), float(rng.uniform(4, 9))), f"blurred_{kind}"
    wall = rng.uniform(120, 235, 3).astype(np.float32)
    sw, sh = fw // 8, fh // 8
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    grad = 1 + 0.25 * ((xx * np.cos(ang) + yy * np.sin(ang)) / max(sw, sh) - 0.5)
    img = wall[None, None, :] * grad[..., None]
    for _ in range(int(rng.integers(1, 4))):  # door frames, windows, shelves, pictures
        x0, y0 = rng.uniform(-0.2, 0.9) * sw, rng.uniform(-0.2, 0.8) * sh
        w, h = rng.uniform(0.1, 0.5) * sw, rng.uniform(0.1, 0.7) * sh
        color = rng.uniform(30, 255, 3)
        cv2.rectangle(img, (int(x0), int(y0)), (int(x0 + w), int(y0 + h)), color.tolist(), -1)
        if rng.random() < 0.5:  # a frame around it
            cv2.rectangle(img, (int(x0), int(y0)), (int(x0 + w), int(y0 + h)), (color * 0.6).tolist(), 2)
    img = cv2.resize(np.clip(img, 0, 255).astype(np.uint8), (fw, fh), interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(img, (0, 0), float(rng.uniform(3, 8))), "wall"


def _finish(img: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """Uneven light, colour cast, slight blur, sensor noise; picks the JPEG quality."""
    fh, fw = img.shape[:2]
    sw, sh = fw // 8, fh // 8
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    light = 1 + rng.uniform(0.05, 0.3) * ((xx * np.cos(ang) + yy * np.sin(ang)) / max(sw, sh) - 0.5)
    light *= rng.uniform(0.85, 1.1)
    cast = 1 + rng.uniform(-0.06, 0.06, 3)
    gain = cv2.resize(cv2.merge([light * float(c) for c in cast]), (fw, fh), interpolation=cv2.INTER_LINEAR)
    out = cv2.multiply(img, gain, dtype=cv2.CV_32F)
    sigma = float(rng.uniform(0.3, 1.0))
    out = cv2.GaussianBlur(out, (0, 0), sigma)
    noise = float(rng.uniform(1.5, 4.5))
    grain = rng.standard_normal((fh // 2, fw // 2, 3), dtype=np.float32)
    out = cv2.add(out, cv2.resize(grain, (fw, fh), interpolation=cv2.INTER_LINEAR) * noise)
    meta = {"size": [fw, fh], "blur_sigma": round(sigma, 3), "noise_sigma": round(noise, 3),
            "jpeg_quality": int(rng.integers(80, 94))}
    return cv2.convertScaleAbs(np.maximum(out, 0, out=out)), meta


def selfie(path: Path, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """A phone selfie of the person in ``path``: (BGR uint8 before JPEG, meta).

    The photo itself fills the frame: scaled so its head-and-shoulders crop is 45-90 % of the
    frame height (at most 3.2x upscale where the frame allows), tilted a little; where the frame
    reaches past the photo's edge, its border pixels are smeared outwards and blurred (not
    mirrored: that would add ghost faces), so no pasted rectangle shows (an edge like that is
    what print-attack detectors look for).
    ``meta``: size [w, h], ``face_box`` (x, y, w, h of the head-and-shoulders crop, frame px,
    before the tilt), ``upscale``, ``mirrored``, ``rotation_deg``, ``background``, blur, noise,
    JPEG quality.
    """
    fw, fh = _frame(rng)
    x, y, cw, ch, iw, ih = render._face_crop_box(str(path))  # 3:4 head and shoulders, source px
    src = cv2.imread(str(path), cv2.IMREAD_COLOR)
    th = min(fh * rng.uniform(0.7, 0.9), fw * rng.uniform(0.85, 1.0) * 4 / 3)
    th = max(min(th, ch * 3.2), fh * 0.45)
    up = th / ch
    tw = cw * up
    x0 = (fw - tw) / 2 + rng.uniform(-0.06, 0.06) * fw
    y0 = fh - th * rng.uniform(0.9, 1.05) if rng.random() < 0.7 else (fh - th) * rng.uniform(0.1, 0.9)
    mirrored = bool(rng.random() < 0.5)  # front cameras often store the mirror image
    rot = float(rng.uniform(-6, 6))
    # source -> frame: scale by ``up`` with the crop's corner at (x0, y0), then tilt about the centre
    place = np.array([[up, 0, x0 - x * up], [0, up, y0 - y * up], [0, 0, 1]], np.float64)
    if mirrored:
        place = np.array([[-1, 0, fw], [0, 1, 0], [0, 0, 1]], np.float64) @ place
    tilt = np.vstack([cv2.getRotationMatrix2D((fw / 2, fh / 2), rot, 1.0), [0, 0, 1]])
    m = (tilt @ place)[:2]
    flags = cv2.INTER_LANCZOS4 if up > 1 else cv2.INTER_AREA
    sharp = cv2.warpAffine(src, m, (fw, fh), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    inside = cv2.warpAffine(np.ones((ih, iw), np.float32), m, (fw, fh), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(0.0,))
    if float(inside.min()) < 0.999:  # the frame reaches past the photo: blur the smeared edge
        soft = cv2.GaussianBlur(sharp, (0, 0), 0.02 * max(fw, fh))
        w = cv2.GaussianBlur(cv2.erode(inside, np.ones((9, 9), np.uint8)), (0, 0), 0.015 * max(fw, fh))[..., None]
        sharp = np.clip(sharp * w + soft * (1 - w), 0, 255).astype(np.uint8)
    if up > 2:  # mild unsharp mask against the mush of a large upscale
        blurred = cv2.GaussianBlur(sharp, (0, 0), up * 0.4)
        sharp = cv2.addWeighted(sharp, 1.3, blurred, -0.3, 0)
    img, meta = _finish(sharp, rng)
    box = (fw - x0 - tw if mirrored else x0, y0, tw, th)
    meta.update({"kind": "selfie", "face_box": [round(v) for v in box], "upscale": round(up, 3),
                 "mirrored": mirrored, "rotation_deg": round(-rot, 2), "background": "photo_extended",
                 "photo_inside_frame": round(float(inside.mean()), 3)})
    return img, meta


def no_face_scene(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """A "selfie" with nobody in it: a wall or a close-up of a desk. (BGR before JPEG, meta)."""
    fw, fh = _frame(rng)
    img, kind = room(rng, fw, fh)
    img, meta = _finish(img, rng)
    meta.update({"kind": "no_face", "background": kind})
    return img, meta


def spoil_mrz(photo: np.ndarray, mrz_quad: list[list[float]], rng: np.random.Generator,
              effect: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Make the MRZ unreadable. ``effect``: ``blur`` (Gaussian sigma 7-11 px over the whole
    frame, plus motion blur half the time) or ``glare`` (a blown-out highlight that saturates
    the MRZ quad and 25 % around it). Returns (photo, parameters)."""
    fh, fw = photo.shape[:2]
    if effect == "blur":
        sigma = float(rng.uniform(7, 11))
        out = cv2.GaussianBlur(photo, (0, 0), sigma)
        motion = 0
        if rng.random() < 0.5:
            motion = int(rng.integers(15, 31))
            line = np.zeros((motion, motion), np.float32)
            line[motion // 2, :] = 1.0 / motion
            rmat = cv2.getRotationMatrix2D((motion / 2 - 0.5, motion / 2 - 0.5), float(rng.uniform(0, 180)), 1)
            k = cv2.warpAffine(line, rmat, (motion, motion))
            out = cv2.filter2D(out, -1, np.asarray(k, np.float32) / np.float32(max(float(k.sum()), 1e-6)))
        return out, {"effect": "blur", "blur_sigma": round(sigma, 2), "motion_blur_px": motion}
    if effect == "glare":
        q = np.array(mrz_quad, np.float32)
        c = q.mean(0)
        big = (q - c) * 1.25 + c
        core = np.zeros((fh, fw), np.float32)
        cv2.fillConvexPoly(core, big.astype(np.int32), (1.0,))
        size = float(np.linalg.norm(q[1] - q[0]))
        halo = cv2.GaussianBlur(core, (0, 0), size * 0.04)
        glow = np.maximum(halo, cv2.erode(core, np.ones((5, 5), np.uint8)))
        out = photo.astype(np.float32) + glow[..., None] * 320.0
        return np.clip(out, 0, 255).astype(np.uint8), {"effect": "glare", "margin": 0.25}
    raise ValueError(f"unknown effect {effect!r}")
