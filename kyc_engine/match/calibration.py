"""ROC metrics for calibrating a 1:1 distance threshold on labelled pairs.

Distances are "lower = more alike"; a pair is accepted when ``distance < t``. A failure to find or
embed a face is passed as ``+inf`` (never accepted), so it counts against TAR, not for it.

Example::

    tar, t = tar_at_far(genuine, impostor, 0.001)   # t: the distance that keeps FAR ≤ 0.1 %
    threshold = choose_threshold(genuine, impostor, far=0.001)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["auc", "choose_threshold", "roc_curve", "tar_at_far"]


def auc(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Area under the ROC: P(impostor distance > genuine distance), ties counted half; nan if empty."""
    if genuine.size == 0 or impostor.size == 0:
        return math.nan
    g, i = genuine[:, None], impostor[None, :]
    return float(((i > g).sum() + 0.5 * (i == g).sum()) / (genuine.size * impostor.size))


def tar_at_far(genuine: np.ndarray, impostor: np.ndarray, far: float) -> tuple[float, float]:
    """``(TAR, t)`` with ``t`` the largest distance that accepts at most ``far`` of the impostors.

    With ``n`` impostor pairs, ``floor(far · n)`` of them may be accepted: for n = 996 and far = 0.1 %
    none, so ``t`` is the closest impostor distance.
    """
    if genuine.size == 0 or impostor.size == 0:
        return math.nan, math.nan
    allowed = int(math.floor(far * impostor.size + 1e-9))
    finite = np.sort(impostor[np.isfinite(impostor)])
    t = float(finite[allowed]) if allowed < finite.size else math.inf
    return float(np.mean(genuine < t)), t


def roc_curve(genuine: np.ndarray, impostor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(FAR, TAR)`` arrays, one point per distinct finite distance, accepting ``d ≤ t``."""
    ts = np.unique(np.concatenate([genuine[np.isfinite(genuine)], impostor[np.isfinite(impostor)]]))
    imp, gen = np.sort(impostor), np.sort(genuine)
    far = np.searchsorted(imp, ts, side="right") / max(1, imp.size)
    tar = np.searchsorted(gen, ts, side="right") / max(1, gen.size)
    return far, tar


def choose_threshold(
    genuine: np.ndarray, impostor: np.ndarray, far: float = 0.001, step: float = 0.01
) -> float:
    """The distance at ``far`` (see :func:`tar_at_far`) rounded *down* to a multiple of ``step``."""
    t = tar_at_far(genuine, impostor, far)[1]
    return round(math.floor(t / step + 1e-9) * step, 10)
