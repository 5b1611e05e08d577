"""Small image effects used by :mod:`samples.photograph`: masks, page bend, blobs, thumbs, blur kernels."""

from __future__ import annotations

import cv2
import numpy as np

SKIN_BGR = ((95, 135, 190), (70, 105, 160), (120, 160, 215), (45, 70, 115), (60, 85, 130), (140, 175, 225))


def rounded_mask(w: int, h: int, radius: int) -> np.ndarray:
    """uint8 mask (255 inside) of a ``w`` x ``h`` rectangle with rounded corners."""
    mask = np.full((h, w), 255, np.uint8)
    if radius <= 0:
        return mask
    for x0, y0 in ((0, 0), (w - radius, 0), (0, h - radius), (w - radius, h - radius)):
        mask[y0:y0 + radius, x0:x0 + radius] = 0
    for cx, cy in ((radius, radius), (w - radius - 1, radius), (radius, h - radius - 1),
                   (w - radius - 1, h - radius - 1)):
        cv2.circle(mask, (cx, cy), radius, (255,), -1, cv2.LINE_AA)
    return mask


def bend_page(bgra: np.ndarray, amplitude: float) -> np.ndarray:
    """Bow a page: rows shift by ``amplitude * sin(pi x / w)`` px; corners stay put."""
    h, w = bgra.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    shift = (amplitude * np.sin(np.pi * xs / max(w - 1, 1))).astype(np.float32)
    map_x = np.broadcast_to(xs, (h, w)).copy()
    map_y = np.arange(h, dtype=np.float32)[:, None] - shift[None, :]
    return cv2.remap(bgra, map_x, map_y.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))


def gauss_blob(size: tuple[int, int], center: np.ndarray, sx: float, sy: float, ang: float,
               step: int = 4) -> np.ndarray:
    """Elliptical Gaussian (peak 1) at 1/``step`` resolution; ``size`` is the full (w, h)."""
    sw, sh = size[0] // step, size[1] // step
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    dx, dy = xx - center[0] / step, yy - center[1] / step
    c, s = np.cos(ang), np.sin(ang)
    u, v = (dx * c + dy * s) / (sx / step), (-dx * s + dy * c) / (sy / step)
    return np.exp(-0.5 * (u * u + v * v)).astype(np.float32)


def motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    """Normalised linear motion-blur kernel."""
    kern = np.zeros((length, length), np.float32)
    kern[length // 2, :] = 1.0
    rmat = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1.0)
    rotated = cv2.warpAffine(kern, rmat, (length, length))
    return rotated / max(float(rotated.sum()), 1e-6)


def thumb(img: np.ndarray, quad: np.ndarray, rng: np.random.Generator,
          avoid: np.ndarray | None, keep_clear: bool) -> tuple[bool, bool]:
    """Draw a thumb holding the document at one of its edges, in place on uint8 ``img``.

    ``avoid`` is a uint8 mask (1/4 resolution) of a region such as the MRZ, or None. With
    ``keep_clear`` the thumb is kept off it (a few positions are tried, else none is drawn).
    Returns (drawn, over_avoid).
    """
    fh, fw = img.shape[:2]
    doc_h = np.sqrt(max(cv2.contourArea(quad.astype(np.float32)), 1.0) / 1.5)
    centroid = quad.mean(0)
    for _ in range(8):
        e = int(rng.integers(0, 4))
        a, b = quad[e], quad[(e + 1) % 4]
        p = a + (b - a) * rng.uniform(0.15, 0.85)
        inward = centroid - p
        inward /= np.linalg.norm(inward) + 1e-6
        width = doc_h * rng.uniform(0.16, 0.24)
        length = width * rng.uniform(2.2, 3.0)
        depth = doc_h * rng.uniform(0.08, 0.22)
        tip = p + inward * depth
        center = tip - inward * length / 2
        ang = float(np.degrees(np.arctan2(inward[1], inward[0])))
        small = np.zeros((fh // 4, fw // 4), np.uint8)
        cv2.ellipse(small, (int(center[0] / 4), int(center[1] / 4)), (int(length / 8), int(width / 8)),
                    ang, 0, 360, (1,), -1)
        over = avoid is not None and bool((small & avoid).any())
        if over and keep_clear:
            continue
        sharp = np.zeros((fh, fw), np.uint8)
        cv2.ellipse(sharp, (int(center[0]), int(center[1])), (int(length / 2), int(width / 2)), ang, 0, 360,
                    (255,), -1, cv2.LINE_AA)
        mask = cv2.GaussianBlur(sharp, (0, 0), 2.0)
        skin = np.array(SKIN_BGR[int(rng.integers(0, len(SKIN_BGR)))], np.float32)
        # shade across the thumb: darker at its sides
        shade = gauss_blob((fw, fh), center, length / 1.6, width / 2.2, np.radians(ang), step=2)
        shade = cv2.resize(shade, (fw, fh))
        x0, y0, bw, bh = cv2.boundingRect(mask)
        if bw == 0 or bh == 0:
            return False, False
        roi = (slice(y0, y0 + bh), slice(x0, x0 + bw))
        m = mask[roi].astype(np.float32)[..., None] / 255.0
        col = skin[None, None, :] * (0.7 + 0.4 * shade[roi][..., None])
        img[roi] = np.clip(img[roi] * (1 - m) + col * m, 0, 255).astype(np.uint8)
        # the nail: a paler rounded patch near the tip
        nail_c = tip - inward * width * 0.45
        nail = np.zeros((bh, bw), np.uint8)
        cv2.ellipse(nail, (int(nail_c[0] - x0), int(nail_c[1] - y0)), (int(width * 0.32), int(width * 0.26)),
                    ang, 0, 360, (255,), -1, cv2.LINE_AA)
        nm = cv2.GaussianBlur(nail, (0, 0), 1.5).astype(np.float32)[..., None] / 255.0 * 0.45
        img[roi] = np.clip(img[roi] * (1 - nm) + np.array([200, 210, 235], np.float32) * nm, 0, 255).astype(np.uint8)
        return True, over
    return False, False
