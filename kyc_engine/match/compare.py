"""1:1 comparison of two face embeddings against a calibrated threshold with a review band.

Distance: Euclidean for dlib (``metric="euclidean"``), ``1 - cosine`` for SFace. Similarity is the
monotonic, threshold-anchored map ``similarity = max(0, 1 - distance / (2 * threshold))``: 1.0 for
identical vectors, **0.5 exactly at the threshold**, 0 at twice the threshold and beyond. The threshold
in similarity units is therefore always 0.5, and the review band ``±b`` in distance is ``±b / (2t)``.

Decision: ``match`` when ``distance < threshold - band``, ``no_match`` when ``distance > threshold +
band``, ``uncertain`` (route to a reviewer) in between.

Example::

    result = compare(selfie_emb, portrait_emb, threshold=0.5, review_band=0.03)
    result.decision, result.similarity
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from kyc_engine.match.embedding import FaceEmbedding, Metric

__all__ = ["Decision", "FaceComparison", "compare", "embedding_distance", "similarity_from_distance"]

Decision = Literal["match", "no_match", "uncertain"]

#: Where the threshold sits on the similarity scale, by construction of the mapping.
SIMILARITY_AT_THRESHOLD = 0.5


@dataclass(frozen=True)
class FaceComparison:
    """The outcome of one 1:1 comparison with its evidence (distance units of ``metric``)."""

    distance: float
    similarity: float
    threshold: float
    review_band: float
    similarity_threshold: float
    similarity_band: float
    decision: Decision
    model: str
    metric: Metric

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def embedding_distance(a: np.ndarray, b: np.ndarray, metric: Metric) -> float:
    """Euclidean distance, or ``1 - cosine similarity`` for ``metric="cosine"``."""
    va, vb = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if metric == "cosine":
        denom = float(np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0
        return 1.0 - float(va @ vb) / denom
    return float(np.linalg.norm(va - vb))


def similarity_from_distance(distance: float, threshold: float) -> float:
    """``max(0, 1 - distance / (2 * threshold))``; 0.5 at the threshold, higher = more alike."""
    if threshold <= 0:
        raise ValueError("threshold must be positive")
    return max(0.0, 1.0 - distance / (2.0 * threshold))


def compare(a: FaceEmbedding, b: FaceEmbedding, threshold: float, review_band: float) -> FaceComparison:
    """Compare two embeddings of the same model; ValueError when their models differ."""
    if a.model != b.model or a.metric != b.metric:
        raise ValueError(f"cannot compare embeddings of {a.model!r} and {b.model!r}")
    if review_band < 0:
        raise ValueError("review_band must be >= 0")
    dist = embedding_distance(a.vector, b.vector, a.metric)
    decision: Decision
    if dist < threshold - review_band:
        decision = "match"
    elif dist > threshold + review_band:
        decision = "no_match"
    else:
        decision = "uncertain"
    return FaceComparison(
        distance=dist,
        similarity=similarity_from_distance(dist, threshold),
        threshold=threshold,
        review_band=review_band,
        similarity_threshold=SIMILARITY_AT_THRESHOLD,
        similarity_band=review_band / (2.0 * threshold),
        decision=decision,
        model=a.model,
        metric=a.metric,
    )
