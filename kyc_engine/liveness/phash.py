"""Perceptual hashes (dHash, pHash) in numpy + OpenCV, and the face squares to hash.

Hashes are 64-bit Python ints; :func:`hamming` counts differing bits (0 = same picture, ~32 = unrelated).

Example::

    hamming(phash(a), phash(b))   # <= 10 of 64: near-duplicate (resize, JPEG, slight colour change)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import cv2
import numpy as np

__all__ = ["aligned_face", "dhash", "face_roll", "hamming", "phash"]

Box = tuple[float, float, float, float]
Point = tuple[float, float]

#: Side of the aligned face crop, pixels.
FACE_SIDE: Final = 64
#: Side of the square hashed around the face, in face-box sides: the face plus some hair and
#: background, which are specific to one picture, but not much beyond a document portrait's frame.
FACE_CONTEXT: Final = 1.2


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


def face_roll(landmarks: Sequence[Point]) -> float:
    """In-plane angle of a face in degrees from YuNet's five landmarks (0 upright, any sign or turn):
    the circular mean of the eye line and of the eyes-to-mouth line turned by -90 degrees."""
    p = np.asarray(landmarks, np.float64)
    eyes, mouth = p[1] - p[0], (p[3] + p[4]) / 2 - (p[0] + p[1]) / 2
    a = np.arctan2(eyes[1], eyes[0])
    b = np.arctan2(mouth[1], mouth[0]) - np.pi / 2
    return float(np.degrees(np.arctan2(np.sin(a) + np.sin(b), np.cos(a) + np.cos(b))))


def aligned_face(bgr: np.ndarray, box: Box, landmarks: Sequence[Point] | None = None) -> np.ndarray:
    """Grey, histogram-equalised ``FACE_SIDE`` square around the face box ``(x, y, w, h)`` (input pixels).

    The square is ``FACE_CONTEXT`` times the box's mean side (``sqrt(w*h)``, steadier under perspective
    than either side), centred on the box and, with ``landmarks``, turned upright by the quarter turn nearest
    :func:`face_roll` (sideways photos of a card). Equalisation cancels print tone, greyscale portraits and exposure.
    """
    grey = bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    x, y, w, h = box
    s = FACE_SIDE / (FACE_CONTEXT * float(np.sqrt(w * h)))
    # quarter turns only: YuNet's landmarks wobble by 10 degrees or more between scales of one picture
    roll = 90.0 * round(face_roll(landmarks) / 90.0) if landmarks is not None and len(landmarks) == 5 else 0.0
    matrix = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), roll, s)
    matrix[:, 2] += np.array([FACE_SIDE / 2 - x - w / 2, FACE_SIDE / 2 - y - h / 2], np.float64)
    if s < 0.5:  # anti-alias before the warp samples sparsely
        grey = cv2.GaussianBlur(grey, (0, 0), 0.4 / s)
    crop = cv2.warpAffine(
        grey, matrix, (FACE_SIDE, FACE_SIDE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return cv2.equalizeHist(crop)
