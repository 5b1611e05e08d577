"""Sharpness of a face chip: how much detail a (printed, photographed) document portrait still holds.

A blurred or heavily compressed portrait pushes a genuine pair's embedding distance up; such a portrait
cannot prove a different person as firmly as a sharp one. The measure is the variance of the Laplacian of
the aligned 150x150 grey chip after a 1 px Gaussian (which takes most sensor noise out first).

Example::

    chip = embedder.chip(bgr, face, rotation)   # 150x150 RGB, as embedded
    chip_sharpness(chip)                         # ~2-5 for a blurred print, 15-60 for a sharp photo
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["chip_sharpness"]


def chip_sharpness(chip: np.ndarray) -> float:
    """Variance of the Laplacian of the grey chip smoothed with sigma 1 px (unitless; higher = sharper)."""
    grey = chip if chip.ndim == 2 else cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    smooth = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
    return float(cv2.Laplacian(smooth, cv2.CV_32F).var())
