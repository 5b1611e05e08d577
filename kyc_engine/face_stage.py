"""The face stage: find the main face in two images (selfies or whole document photos), embed, compare.

Built once by the engine (``FaceStage.from_registry``); ``compare`` returns a :class:`FaceCompareReport`
whose evidence carries every score with its threshold and the model that produced it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .detect.faces import FaceDetection, FaceDetector, FaceSelection, select_main_face
from .manifest import ModelRegistry
from .match.compare import FaceComparison, compare
from .match.embedding import DlibEmbedder
from .reasons import Reason, ReasonCode


@dataclass(frozen=True)
class FaceCompareReport:
    """Result of comparing the main faces of two images ("a" and "b")."""

    comparison: FaceComparison | None
    selections: dict[str, FaceSelection]
    detections: dict[str, FaceDetection]
    reasons: tuple[Reason, ...]
    timings_ms: dict[str, float]
    elapsed_ms: float
    model: str

    @property
    def match(self) -> bool:
        return self.comparison is not None and self.comparison.decision == "match"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``kyc face-compare --json``."""
        c = self.comparison
        faces: dict[str, Any] = {}
        for key, sel in self.selections.items():
            det = self.detections[key]
            face = sel.face
            faces[key] = {
                "found": face is not None,
                "box": None if face is None else [round(float(v), 1) for v in face.box],
                "score": None if face is None else round(float(face.score), 4),
                "landmarks": None
                if face is None
                else [[round(float(x), 1), round(float(y), 1)] for x, y in face.landmarks],
                "rotation": int(sel.rotation),
                "eye_distance_px": round(float(sel.eye_distance_px), 1),
                "issues": [str(i) for i in sel.issues],
                "faces_found": len(det.faces),
                "detector": det.model,
                "detector_threshold": det.score_threshold,
            }
        return {
            "similarity": None if c is None else round(c.similarity, 4),
            "threshold": None if c is None else c.similarity_threshold,
            "review_band": None if c is None else round(c.similarity_band, 4),
            "match": self.match,
            "decision": "no_face" if c is None else c.decision,
            "distance": None if c is None else round(c.distance, 4),
            "distance_threshold": None if c is None else c.threshold,
            "model": self.model,
            "faces": faces,
            "reasons": [r.to_dict() for r in self.reasons],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


class FaceStage:
    """YuNet detection + dlib 5-point alignment + ResNet embedding + calibrated 1:1 comparison."""

    def __init__(self, detector: FaceDetector, embedder: DlibEmbedder) -> None:
        self.detector = detector
        self.embedder = embedder
        self._lock = threading.Lock()  # YuNet keeps its input size per instance

    @classmethod
    def from_registry(cls, registry: ModelRegistry) -> FaceStage:
        return cls(FaceDetector.from_registry(registry), DlibEmbedder.from_registry(registry))

    def compare(self, a: np.ndarray, b: np.ndarray) -> FaceCompareReport:
        """Compare the main face of ``a`` with that of ``b`` (BGR uint8). Never raises for 'no face'."""
        start = time.perf_counter()
        timings: dict[str, float] = {}
        detections: dict[str, FaceDetection] = {}
        selections: dict[str, FaceSelection] = {}
        reasons: list[Reason] = []
        with self._lock:
            for key, image in (("a", a), ("b", b)):
                t = time.perf_counter()
                detections[key] = self.detector.detect(image)
                selections[key] = select_main_face(detections[key])
                timings[f"detect_{key}"] = (time.perf_counter() - t) * 1000
                for issue in selections[key].issues:
                    reasons.append(Reason(ReasonCode(str(issue)), {"image": key}))
        comparison = None
        if all(s.face is not None for s in selections.values()):
            t = time.perf_counter()
            items = [
                (img, selections[k].face, int(selections[k].rotation)) for k, img in (("a", a), ("b", b))
            ]
            emb_a, emb_b = self.embedder.embed_many(items)  # type: ignore[arg-type]
            timings["embed"] = (time.perf_counter() - t) * 1000
            comparison = compare(emb_a, emb_b, self.embedder.threshold, self.embedder.review_band)
            detail = {
                "similarity": round(comparison.similarity, 4),
                "threshold": comparison.similarity_threshold,
                "distance": round(comparison.distance, 4),
                "distance_threshold": comparison.threshold,
                "model": comparison.model,
            }
            if comparison.decision == "no_match":
                reasons.append(Reason(ReasonCode.FACE_MISMATCH, detail))
            elif comparison.decision == "uncertain":
                reasons.append(Reason(ReasonCode.FACE_UNCERTAIN, detail))
        return FaceCompareReport(
            comparison=comparison,
            selections=selections,
            detections=detections,
            reasons=tuple(reasons),
            timings_ms=timings,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            model=self.embedder.model,
        )
