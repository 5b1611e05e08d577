"""Perceptual hashes (dHash, pHash) in numpy + OpenCV, and the face squares to hash.

Hashes are 64-bit Python ints; :func:`hamming` counts differing bits (0 = same picture, ~32 = unrelated).

Example::

    hamming(phash(a), phash(b))   # <= 10 of 64: near-duplicate (resize, JPEG, slight colour change)
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np

__all__ = ["aligned_face", "dhash", "hamming", "phash"]

Box = tuple[float, float, float, float]

#: Side of the aligned face crop, pixels.
FACE_SIDE: Final = 64
#: Side of the square hashed around the face, in face-box sides: the face plus some hair and
#: background, which are specific to one picture, but not much beyond a document portrait's frame.
FACE_CONTEXT: Final = 1.4


def _grey(bgr: np.ndarray) -> np.ndarray:
    grey = bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    return np.asarray(grey, np.float32)


def _bits(mask: np.ndarray) -> int:
    return int("".join("1" if b else "0" for b in mask.ravel()), 2)


def dhash(bgr: np.ndarray, size: int = 8) -> int:
    """Difference hash: sign of horizontal neighbour differences on a ``(size+1) x size`` thumbnail."""
    small = cv2.resize(_grey(bgr), (size + 1, size), interpolation=cv2.INTER_AREA)
    return _bits(small[:, 1:] > small[:, :-1])


def phash(bgr: np.ndarray, size: int = 8, factor: int = 4) -> int:
    """DCT hash: the ``size x size`` lowest frequencies (DC excluded from the median) of a
    ``size*factor`` square thumbnail, each bit = coefficient above the median."""
    side = size * factor
    small = cv2.resize(_grey(bgr), (side, side), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:size, :size]
    return _bits(low > np.median(low.ravel()[1:]))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two hashes."""
    return int(bin(a ^ b).count("1"))


def aligned_face(bgr: np.ndarray, box: Box) -> np.ndarray:
    """Grey, histogram-equalised ``FACE_SIDE`` square around the face box ``(x, y, w, h)`` (input pixels).

    The square is ``FACE_CONTEXT`` times the box's longer side, centred on the box, so crops of one
    picture at any scale line up (YuNet's boxes are steadier across scales than its landmarks).
    Equalisation cancels print tone, greyscale portraits and exposure.
    """
    grey = bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    x, y, w, h = box
    s = FACE_SIDE / (FACE_CONTEXT * max(w, h))
    cx, cy = x + w / 2, y + h / 2
    matrix = np.array([[s, 0, FACE_SIDE / 2 - s * cx], [0, s, FACE_SIDE / 2 - s * cy]], np.float32)
    if s < 0.5:  # anti-alias before the warp samples sparsely
        grey = cv2.GaussianBlur(grey, (0, 0), 0.4 / s)
    crop = cv2.warpAffine(grey, matrix, (FACE_SIDE, FACE_SIDE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return cv2.equalizeHist(crop)
