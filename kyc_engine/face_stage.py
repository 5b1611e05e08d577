"""The face stage: find the main face in two images (selfies or whole document photos), embed, compare,
and, when image ``a`` is a selfie, check it: passive liveness and selfie misuse (a photo of the document,
the document's own picture).

Built once by the engine (``FaceStage.from_registry``); ``compare`` returns a :class:`FaceCompareReport`
whose evidence carries every score with its threshold and the model that produced it.

Image ``b`` is the reference side (the document photo in ``kyc verify``): with ``mirror_average_b`` (the
manifest's ``portrait_mirror_average``) its descriptor is the mean of its chip's and the mirrored chip's, which
steadies the descriptor of a small printed portrait; image ``a``'s stays the plain descriptor (the 1:N gallery
stores it).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .detect.document import DocumentDetector
from .detect.face_quality import chip_sharpness
from .detect.faces import (
    Face,
    FaceDetection,
    FaceDetector,
    FaceSelection,
    rotate_image,
    select_main_face,
    to_rotated,
)
from .liveness.minifasnet import LivenessResult, PassiveLiveness
from .liveness.misuse import MisuseResult, selfie_misuse
from .manifest import ModelRegistry
from .match.compare import FaceComparison, compare
from .match.embedding import DlibEmbedder, FaceEmbedding, SFaceEmbedder
from .match.second_opinion import how_settled, settle
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
    liveness: LivenessResult | None = None
    misuse: MisuseResult | None = None
    #: the two descriptors ("a", "b") when both faces were embedded (not in ``to_dict``: biometric data)
    embeddings: dict[str, FaceEmbedding] = field(default_factory=dict)
    #: sharpness of image b's aligned face chip (:func:`~kyc_engine.detect.face_quality.chip_sharpness`)
    sharpness_b: float | None = None
    #: per image, the working image's size over the input's (``Engine.compare_faces`` downscales first);
    #: ``to_dict`` divides boxes and landmarks by it, so the JSON gives input-image pixels
    work_scale: dict[str, float] = field(default_factory=dict)
    #: the second model's comparison of the same two faces, when the stage has one (:mod:`.match.second_opinion`)
    second_opinion: FaceComparison | None = None

    @property
    def decision(self) -> str:
        """``match`` / ``no_match`` / ``uncertain``: the primary model's decision, settled with the second
        model's when there is one; ``no_face`` when the faces were not both found."""
        if self.comparison is None:
            return "no_face"
        second = None if self.second_opinion is None else self.second_opinion.decision
        return settle(self.comparison.decision, second)

    @property
    def match(self) -> bool:
        return self.decision == "match"

    @property
    def selfie_ok(self) -> bool | None:
        """None without selfie checks; else True when liveness said live and no misuse check flagged."""
        if self.misuse is None:
            return None
        live = self.liveness is None or self.liveness.decision == "live"
        return live and not self.misuse.codes

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``kyc face-compare --json``."""
        c, second = self.comparison, self.second_opinion
        faces: dict[str, Any] = {}
        for key, sel in self.selections.items():
            det = self.detections[key]
            face = sel.face
            k = 1.0 / self.work_scale.get(key, 1.0)
            faces[key] = {
                "found": face is not None,
                "box": None if face is None else [round(float(v) * k, 1) for v in face.box],
                "score": None if face is None else round(float(face.score), 4),
                "landmarks": None
                if face is None
                else [[round(float(x) * k, 1), round(float(y) * k, 1)] for x, y in face.landmarks],
                "work_scale": round(self.work_scale.get(key, 1.0), 6),
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
            "decision": self.decision,
            "distance": None if c is None else round(c.distance, 4),
            "distance_threshold": None if c is None else c.threshold,
            "model": self.model,
            "second_opinion": None if second is None else second_opinion_dict(second),
            "faces": faces,
            "selfie_ok": self.selfie_ok,
            "sharpness_b": None if self.sharpness_b is None else round(self.sharpness_b, 2),
            "mirror_averaged_b": "b" in self.embeddings and self.embeddings["b"].mirror_averaged,
            "liveness": None if self.liveness is None else liveness_dict(self.liveness),
            "misuse": None if self.misuse is None else misuse_dict(self.misuse),
            "reasons": [r.to_dict() for r in self.reasons],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def _second_opinion(
    model: SFaceEmbedder, a: np.ndarray, b: np.ndarray, selections: dict[str, FaceSelection]
) -> FaceComparison:
    """The second model's comparison of the two selected faces (its own alignment, threshold and band)."""
    found = [(img, selections[k]) for k, img in (("a", a), ("b", b))]
    emb_a, emb_b = (model.embed(img, sel.face, int(sel.rotation)) for img, sel in found)  # type: ignore[arg-type]
    return compare(emb_a, emb_b, model.threshold, model.review_band)


def _why_uncertain(primary: FaceComparison, second: FaceComparison | None) -> str:
    """The reviewer's one-line reason for ``face.uncertain``: the review band, or the two models disagreeing."""
    if primary.decision == "uncertain" or second is None:
        return "within the review band"
    verb = "matches" if primary.decision == "match" else "does not match"
    return (
        f"{primary.model} {verb} but {second.model} says the opposite "
        f"(distance {second.distance:.4f} vs {second.threshold}, {second.metric})"
    )


def second_opinion_dict(comparison: FaceComparison) -> dict[str, Any]:
    """JSON evidence of the second model's comparison: its model, distance, threshold, band and decision."""
    return {
        "model": comparison.model,
        "metric": comparison.metric,
        "similarity": round(comparison.similarity, 4),
        "distance": round(comparison.distance, 4),
        "distance_threshold": comparison.threshold,
        "review_band": comparison.review_band,
        "decision": comparison.decision,
    }


def liveness_dict(result: LivenessResult) -> dict[str, Any]:
    """JSON evidence of a liveness check: fused score, both thresholds, decision, per-model scores, and how
    the crop was taken (image reduction factor, box-height factor)."""
    return {
        "live_probability": round(result.live_probability, 4),
        "decision": result.decision,
        "accept_threshold": result.accept,
        "reject_threshold": result.reject,
        "models": {
            name: {"sha256": sha, "probabilities": [round(p, 4) for p in result.probabilities[name]]}
            for name, sha in result.models.items()
        },
        "crop": {"downscale": round(result.downscale, 4), "box_height": result.box_height},
        "elapsed_ms": round(result.elapsed_ms, 1),
    }


def misuse_dict(result: MisuseResult) -> dict[str, Any]:
    """JSON evidence of the selfie misuse checks, each distance or score with its threshold."""
    same, doc = result.same_image, result.document
    return {
        "codes": list(result.codes),
        "same_image": {
            "whole": {"phash_distance": same.whole.phash, "dhash_distance": same.whole.dhash,
                      "threshold": same.whole.threshold, "same": same.whole.same},
            "face": None if same.face is None else {
                "phash_distance": same.face.phash, "dhash_distance": same.face.dhash,
                "threshold": same.face.threshold, "same": same.face.same},
        },
        "document_in_selfie": {
            "found": doc.found, "score": round(doc.score, 3), "threshold": doc.threshold,
            "encloses_face": doc.encloses_face, "mrz_lines": doc.mrz_lines,
            "quad": None if doc.quad is None else np.asarray(doc.quad).round(1).tolist(),
        },
    }  # fmt: skip


def upright_face(image: np.ndarray, selection: FaceSelection) -> tuple[np.ndarray, Face]:
    """The image turned so the selected face is upright, and the face in that image's pixels."""
    assert selection.face is not None
    rotation = int(selection.rotation)
    if rotation == 0:
        return image, selection.face
    size = (image.shape[1], image.shape[0])
    x, y, w, h = selection.face.box
    corners = [to_rotated(p, size, rotation) for p in ((x, y), (x + w, y + h))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    marks = tuple(to_rotated(p, size, rotation) for p in selection.face.landmarks)
    return rotate_image(image, rotation), Face(box, marks, selection.face.score)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PortraitPolicy:
    """When a face mismatch against a blurred document portrait is only doubtful.

    A ``no_match`` whose image-b chip is less sharp than ``sharpness_min`` and whose distance is at most
    ``review_max_distance`` is marked ``low_quality_portrait`` (the policy sends it to review). Both are
    calibrated on generated cases of one seed (genuine pairs vs other people's selfies), recorded on the
    ``dlib_resnet_v1`` entry of the model manifest; see benchmarks/RESULTS.md (verify). The defaults here
    mark nothing (sharpness_min 0).
    """

    sharpness_min: float = 0.0
    review_max_distance: float = 0.0

    def doubtful(self, sharpness: float, distance: float) -> bool:
        return sharpness < self.sharpness_min and distance <= self.review_max_distance


class FaceStage:
    """YuNet detection + dlib 5-point alignment + ResNet embedding + calibrated 1:1 comparison (heard with a
    second model's when built with one: :mod:`.match.second_opinion`), and the selfie checks (MiniFASNet
    passive liveness, misuse) when built with them."""

    def __init__(
        self,
        detector: FaceDetector,
        embedder: DlibEmbedder,
        *,
        liveness: PassiveLiveness | None = None,
        document_detector: DocumentDetector | None = None,
        portrait: PortraitPolicy | None = None,
        mirror_average_b: bool = False,
        second: SFaceEmbedder | None = None,
    ) -> None:
        self.detector = detector
        self.embedder = embedder
        self.second = second
        self.portrait = portrait or PortraitPolicy()
        self.mirror_average_b = mirror_average_b
        self.liveness = liveness
        self.document_detector = document_detector or DocumentDetector()
        self._lock = threading.Lock()  # YuNet keeps its input size per instance

    @classmethod
    def from_registry(
        cls,
        registry: ModelRegistry,
        *,
        liveness: bool = False,
        document_detector: DocumentDetector | None = None,
    ) -> FaceStage:
        """Build from the manifest; ``liveness`` also loads the MiniFASNet models (stage ``liveness``);
        ``document_detector``: share the MRZ stage's detector for the misuse check."""
        extra = registry.get("dlib_resnet_v1").spec.extra or {}
        portrait = PortraitPolicy(
            sharpness_min=float(extra.get("portrait_sharpness_min", PortraitPolicy.sharpness_min)),
            review_max_distance=float(
                extra.get("portrait_review_max_distance", PortraitPolicy.review_max_distance)
            ),
        )
        return cls(
            FaceDetector.from_registry(registry),
            DlibEmbedder.from_registry(registry),
            liveness=PassiveLiveness.from_registry(registry) if liveness else None,
            document_detector=document_detector,
            portrait=portrait,
            mirror_average_b=bool(extra.get("portrait_mirror_average", False)),
            second=SFaceEmbedder.from_registry(registry),
        )

    def compare(self, a: np.ndarray, b: np.ndarray, *, selfie_checks: bool = False) -> FaceCompareReport:
        """Compare the main face of ``a`` with that of ``b`` (BGR uint8). Never raises for 'no face'.

        ``selfie_checks``: ``a`` is a selfie and ``b`` the document photo; also run passive liveness on
        ``a``'s face (when the stage has the liveness models) and the misuse checks.
        """
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
        comparison: FaceComparison | None = None
        second: FaceComparison | None = None
        sharpness_b: float | None = None
        embeddings: dict[str, FaceEmbedding] = {}
        if all(s.face is not None for s in selections.values()):
            t = time.perf_counter()
            chips = [
                self.embedder.chip(img, selections[k].face, int(selections[k].rotation))  # type: ignore[arg-type]
                for k, img in (("a", a), ("b", b))
            ]
            emb_a, emb_b = self.embedder.embed_chips(chips, [False, self.mirror_average_b], start=t)
            embeddings = {"a": emb_a, "b": emb_b}
            sharpness_b = chip_sharpness(chips[1])
            timings["embed"] = (time.perf_counter() - t) * 1000
            comparison = compare(emb_a, emb_b, self.embedder.threshold, self.embedder.review_band)
            if self.second is not None:
                t = time.perf_counter()
                second = _second_opinion(self.second, a, b, selections)
                timings["embed_second"] = (time.perf_counter() - t) * 1000
            decision = settle(comparison.decision, None if second is None else second.decision)
            detail: dict[str, Any] = {
                "similarity": round(comparison.similarity, 4),
                "threshold": comparison.similarity_threshold,
                "distance": round(comparison.distance, 4),
                "distance_threshold": comparison.threshold,
                "model": comparison.model,
                "mirror_averaged_b": emb_b.mirror_averaged,
                "sharpness_b": round(sharpness_b, 2),
            }
            if second is not None:
                detail["second_opinion"] = second_opinion_dict(second)
                settled = how_settled(comparison.decision, second.decision)
                if settled is not None:
                    detail["settled"] = settled
            if decision == "no_match" and selections["a"].others:
                # the face compared is the largest and most central one, not necessarily the applicant's
                detail["other_faces_a"] = selections["a"].others
            if decision == "no_match" and self.portrait.doubtful(sharpness_b, comparison.distance):
                # a blurred portrait that is not far off cannot prove another person: a person looks
                detail.update(low_quality_portrait=True, sharpness_min=self.portrait.sharpness_min,
                              review_max_distance=self.portrait.review_max_distance)  # fmt: skip
            if decision == "no_match":
                reasons.append(Reason(ReasonCode.FACE_MISMATCH, detail))
            elif decision == "uncertain":
                detail["why"] = _why_uncertain(comparison, second)
                reasons.append(Reason(ReasonCode.FACE_UNCERTAIN, detail))
        liveness = misuse = None
        if selfie_checks:
            liveness, misuse = self._selfie_checks(a, b, selections, timings)
            reasons.extend(_selfie_reasons(liveness, misuse))
        return FaceCompareReport(
            comparison=comparison,
            selections=selections,
            detections=detections,
            reasons=tuple(reasons),
            timings_ms=timings,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            model=self.embedder.model,
            liveness=liveness,
            misuse=misuse,
            embeddings=embeddings,
            sharpness_b=sharpness_b,
            second_opinion=second,
        )

    def _selfie_checks(
        self,
        selfie: np.ndarray,
        document: np.ndarray,
        sel: dict[str, FaceSelection],
        timings: dict[str, float],
    ) -> tuple[LivenessResult | None, MisuseResult]:
        liveness = None
        if self.liveness is not None and sel["a"].face is not None:
            t = time.perf_counter()
            liveness = self.liveness.check(*upright_face(selfie, sel["a"]))
            timings["liveness"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        misuse = selfie_misuse(
            selfie,
            document,
            document_detector=self.document_detector,
            face_box=sel["a"].face,
            document_face_box=sel["b"].face,
        )
        timings["misuse"] = (time.perf_counter() - t) * 1000
        return liveness, misuse


def _selfie_reasons(liveness: LivenessResult | None, misuse: MisuseResult) -> list[Reason]:
    reasons = []
    if liveness is not None:
        detail = {
            "live_probability": round(liveness.live_probability, 4),
            "accept_threshold": liveness.accept,
            "reject_threshold": liveness.reject,
            "models": sorted(liveness.models),
        }
        reasons += [Reason(ReasonCode(code), detail) for code in liveness.codes]
    same, doc = misuse.same_image, misuse.document
    for code in misuse.codes:
        if code == ReasonCode.SELFIE_SAME_AS_DOCUMENT:
            detail = {
                "phash_distance": same.whole.phash,
                "threshold": same.whole.threshold,
                "face_phash_distance": None if same.face is None else same.face.phash,
                "face_threshold": None if same.face is None else same.face.threshold,
            }
        else:
            detail = {"document_score": round(doc.score, 3), "threshold": doc.threshold,
                      "encloses_face": doc.encloses_face, "mrz_lines": doc.mrz_lines}  # fmt: skip
        reasons.append(Reason(ReasonCode(code), detail))
    return reasons
