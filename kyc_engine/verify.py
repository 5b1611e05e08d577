"""One verification: selfie + document photo(s) + registration data → a decision with reasons.

``Engine.verify`` runs the stages (MRZ, faces with liveness and misuse checks), then the document and
registration checks, and applies the policy. The report's ``to_dict`` is the JSON of ``kyc verify --json``,
the service's result object and what reviewers see.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from .checks import compare_registration, document_checks, viz_fields, viz_mrz_checks
from .face_stage import FaceCompareReport
from .imageio import LoadedImage
from .match.duplicates import find_duplicates
from .match.index import DuplicateIndex
from .mrz_stage import MrzReport
from .ocr.viz import LayoutHint, VizResult, empty_result
from .policy import Policy, PolicyDecision
from .reasons import Reason, ReasonCode
from .registration.model import Registration

if TYPE_CHECKING:
    from .engine import Engine

#: Face-stage image keys as the verification report names them.
IMAGE_NAMES = {"a": "selfie", "b": "document"}


@dataclass(frozen=True)
class VerifyReport:
    """Everything one verification found, and the decision the policy drew from it."""

    decision: PolicyDecision
    mrz: MrzReport
    mrz_side: str
    faces: FaceCompareReport | None
    viz: VizResult | None
    registration: dict[str, Any]
    models: dict[str, str]
    input_sha256: dict[str, str]
    timings_ms: dict[str, float]
    elapsed_ms: float
    today: date
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def subject_key(self) -> str | None:
        """The registration the document identifies (``issuing state:document number``), None without a
        valid MRZ: the key under which this case's face is stored for the 1:N duplicate search."""
        return subject_key(self.mrz)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(r for r, _ in self.decision.outcomes)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The JSON object of ``kyc verify --json`` (schema in the README)."""
        reasons = []
        for reason, outcome in self.decision.outcomes:
            item = reason.to_dict(lang=lang)
            item["outcome"] = outcome
            reasons.append(item)
        face: dict[str, Any] = {}
        liveness: dict[str, Any] | None = None
        misuse: dict[str, Any] | None = None
        if self.faces is not None:
            full = self.faces.to_dict()
            liveness, misuse = full.pop("liveness"), full.pop("misuse")
            full.pop("reasons", None)
            full["faces"] = {IMAGE_NAMES[k]: v for k, v in full["faces"].items()}
            face = full
        mrz = self.mrz.to_dict()
        return {
            "decision": self.decision.decision,
            "reasons": reasons,
            "document": {
                "mrz": mrz,
                "mrz_side": self.mrz_side,
                "viz": {} if self.viz is None else self.viz.to_dict(),
                "box": mrz["document"]["quad"],
            },
            "face": face,
            "liveness": liveness,
            "misuse": misuse,
            "registration_match": self.registration,
            "policy_version": self.decision.policy_version,
            "models": self.models,
            "input_sha256": self.input_sha256,
            "today": self.today.isoformat(),
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "elapsed_ms": round(self.elapsed_ms, 1),
            "notes": list(self.notes),
        }


#: Reader notes that follow from the failing check itself or from the layout, not from a doubtful reading.
_NOT_DOUBTS = ("check digits disagree", "check-digit repair ambiguous", "document_number: long number")


def clear_check_digit_failure(report: MrzReport) -> bool:
    """The MRZ failed its check digits on a photo that passed the quality gate, read in a known format with
    every line whole, one field (and the composite) failing and nothing else doubtful: an altered zone is
    then more likely than a misreading (misread confusable characters are repaired by the reader)."""
    result = report.result
    if result is None or result.valid or result.format is None:
        return False
    if any(str(r.code).startswith("quality.") for r in report.reasons):
        return False
    if any(r.drops_data for r in result.repairs):
        return False  # OCR saw a glyph too many that was taken out (mrz.lengths.crowded): not read whole
    failed = [k for k, v in result.checks.items() if v == "invalid"]
    other_doubts = [w for w in result.warnings if not w.startswith(_NOT_DOUBTS)]
    field_failures = [k for k in failed if k != "composite"]
    return len(field_failures) == 1 and not other_doubts


def subject_key(mrz: MrzReport) -> str | None:
    """``issuing state:document number`` of a valid MRZ, else None."""
    if not mrz.valid or mrz.result is None:
        return None
    fields = mrz.result.fields
    return f"{fields.get('issuing_country')}:{fields.get('document_number')}"


def _mrz_reasons(report: MrzReport) -> list[Reason]:
    out = []
    for reason in report.reasons:
        if reason.code == ReasonCode.MRZ_CHECK_DIGIT:
            reason = Reason(
                reason.code, {**reason.detail, "clear_reading": clear_check_digit_failure(report)}
            )
        out.append(reason)
    return out


def _face_reasons(report: FaceCompareReport, mrz: MrzReport) -> list[Reason]:
    poor_document = not mrz.valid and any(str(r.code).startswith("quality.") for r in mrz.reasons)
    out = []
    for reason in report.reasons:
        image = reason.detail.get("image")
        if image in IMAGE_NAMES:
            reason = Reason(reason.code, {**reason.detail, "image": IMAGE_NAMES[image]})
        if reason.code == ReasonCode.FACE_MISMATCH and poor_document:
            reason = Reason(reason.code, {**reason.detail, "document_quality_poor": True})
        out.append(reason)
    return out


def read_viz(
    engine: Engine, document: LoadedImage, mrz: MrzReport, faces: FaceCompareReport | None
) -> VizResult:
    """The visual zone of the document photo, read on the page the MRZ stage found, with the template
    its MRZ names (format, issuing state). The portrait the face stage found says which way up it is."""
    if engine.viz is None:
        return empty_result("visual-zone reader not loaded")
    doc = mrz.document
    if not doc.get("found") or doc.get("quad") is None or doc.get("kind") is None:
        return empty_result("no document found in the photo")
    fields = mrz.result.fields if mrz.result is not None else {}
    fmt = None if mrz.result is None or mrz.result.format is None else str(mrz.result.format.value)
    hint = LayoutHint(fmt, fields.get("issuing_country") or None)
    center = None
    if faces is not None and faces.selections["b"].face is not None:
        scale = faces.work_scale.get("b", 1.0)
        x, y = faces.selections["b"].face.center
        center = (x / scale, y / scale)
    return engine.viz.read_photo(document.bgr, doc["quad"], str(doc["kind"]), hint, portrait_center=center)


def run_verification(
    engine: Engine,
    selfie: LoadedImage,
    document: LoadedImage,
    registration: Registration,
    *,
    document_back: LoadedImage | None = None,
    policy: Policy,
    face_index: DuplicateIndex | None = None,
) -> VerifyReport:
    """Run every stage and check on one case and decide. Never raises for business outcomes.

    ``face_index`` (default ``engine.face_index``) is searched for the selfie under other registrations."""
    start = time.perf_counter()
    timings: dict[str, float] = {}
    notes: list[str] = []
    today = engine.today()

    t = time.perf_counter()
    mrz, side = engine.read_mrz(document), "front"
    front = mrz
    if not mrz.valid and document_back is not None:
        back = engine.read_mrz(document_back)
        if back.valid or (mrz.result is None and back.result is not None):
            mrz, side = back, "back"
    timings["mrz"] = (time.perf_counter() - t) * 1000

    faces = None
    if engine.faces is not None:
        t = time.perf_counter()
        faces = engine.compare_faces(selfie, document, selfie_checks=True)
        timings["faces"] = (time.perf_counter() - t) * 1000
        for step, ms in faces.timings_ms.items():
            timings[f"faces.{step}"] = ms
        if faces.liveness is None:
            notes.append("liveness models not loaded: the selfie was not checked for liveness")

    viz = None
    if engine.viz is not None:
        t = time.perf_counter()
        viz = read_viz(engine, document, front, faces)
        timings["viz"] = (time.perf_counter() - t) * 1000

    reasons: list[Reason] = _mrz_reasons(mrz)
    if faces is not None:
        reasons += _face_reasons(faces, mrz)
    t = time.perf_counter()
    registration_checks: dict[str, Any] = {}
    if mrz.valid and mrz.result is not None:
        fields = mrz.result.fields
        reasons += document_checks(fields, policy.limits, today)
        consistency = viz_mrz_checks(viz, fields) if viz is not None else None
        match = compare_registration(registration, fields, name_truncated=mrz.result.name_truncated, viz=viz)
        registration_checks = match.checks
        reasons += match.reasons
        if consistency is not None:
            registration_checks["viz_vs_mrz"] = consistency.checks
            reasons += consistency.reasons
        key = subject_key(mrz)
        index = face_index if face_index is not None else engine.face_index
        if index is not None and faces is not None and "a" in faces.embeddings and key:
            threshold = engine.settings.duplicate_max_distance
            reasons += find_duplicates(index, faces.embeddings["a"], key, threshold)
    elif viz is not None and (printed := viz_fields(viz)).get("surname"):
        # evidence for a reviewer only: without a valid MRZ nothing is decided on the printed fields
        match = compare_registration(registration, printed, viz=None)
        registration_checks = {**match.checks, "source": "viz", "evidence_only": True,
                               "findings": [str(r.code) for r in match.reasons]}  # fmt: skip
        notes.append(
            "MRZ not read valid: the registration was compared with the visual zone as evidence only"
        )
    else:
        notes.append("registration data not compared: the document's MRZ was not read valid")
    timings["checks"] = (time.perf_counter() - t) * 1000

    conclusive = mrz.valid and faces is not None and faces.comparison is not None
    decision = policy.decide(reasons, conclusive=conclusive)
    if decision.decision == "verified" and (faces is None or faces.liveness is None):
        # never verify without every check having run
        decision = PolicyDecision("review", decision.outcomes, decision.policy_version)
    inputs = {"selfie": selfie.sha256, "document": document.sha256}
    if document_back is not None:
        inputs["document_back"] = document_back.sha256
    return VerifyReport(
        decision=decision,
        mrz=mrz,
        mrz_side=side,
        faces=faces,
        viz=viz,
        registration=registration_checks,
        models={name: entry.spec.sha256 for name, entry in engine.models.available().items()},
        input_sha256=inputs,
        timings_ms=timings,
        elapsed_ms=(time.perf_counter() - start) * 1000,
        today=today,
        notes=tuple(notes),
    )
