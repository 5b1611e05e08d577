"""The decision policy: which outcome each reason code leads to, and the limits the engine enforces.

A policy is a versioned TOML file (the default is ``kyc_engine/data/policy.toml``; ``KYC_POLICY_PATH`` or
``kyc verify --policy`` choose another). The decision is the most severe outcome among the reasons:
``rejected`` > ``retry`` > ``review`` > ``verified``; ``info`` reasons are evidence only.

Example::

    policy = load_policy(Path("policy.toml"))
    decision = policy.decide(reasons, conclusive=True)
    decision.decision, [(r.code, outcome) for r, outcome in decision.outcomes]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ModelError
from .mrz.countries import COUNTRY_CODES
from .reasons import Reason, ReasonCode

Outcome = Literal["rejected", "retry", "review", "info"]
Decision = Literal["verified", "rejected", "retry", "review"]

#: Most severe first.
SEVERITY: tuple[Decision, ...] = ("rejected", "retry", "review", "verified")


class PolicyLimits(BaseModel):
    """Limits checked against the document: age, issuing state, expiry."""

    model_config = ConfigDict(extra="forbid")

    minimum_age: int = Field(18, ge=0, le=120)
    allowed_countries: frozenset[str] = frozenset()
    expired_grace_days: int = Field(0, ge=0)

    @field_validator("allowed_countries")
    @classmethod
    def _known(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - COUNTRY_CODES)
        if unknown:
            raise ValueError(f"unknown country codes: {', '.join(unknown)}")
        return value


class MrzPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reject_clear_check_digit_failure: bool = True


class FacePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: outcome of ``face.mismatch`` when the document photo failed the quality gate and its MRZ was not
    #: read: a blurred or glared portrait cannot prove a different person.
    mismatch_on_poor_document: Outcome = "retry"
    #: outcome of ``face.mismatch`` against a blurred document portrait at a distance still within the
    #: calibrated low-quality band (the face stage marks it ``low_quality_portrait``).
    mismatch_on_low_quality_portrait: Outcome = "rejected"
    #: outcome of ``face.mismatch`` when the selfie held other faces of comparable size (the face stage
    #: marks it ``other_faces_a``): the face compared may be a bystander's, not the applicant's.
    mismatch_with_other_selfie_faces: Outcome = "rejected"


class SoftCodes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: frozenset[ReasonCode] = frozenset()


class Policy(BaseModel):
    """A validated policy. Every reason code has an outcome (a missing one is an error at load)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    limits: PolicyLimits = PolicyLimits()
    outcomes: dict[ReasonCode, Outcome]
    soft: SoftCodes = SoftCodes()
    mrz: MrzPolicy = MrzPolicy()
    faces: FacePolicy = FacePolicy()

    @field_validator("outcomes")
    @classmethod
    def _complete(cls, value: dict[ReasonCode, Outcome]) -> dict[ReasonCode, Outcome]:
        missing = sorted(str(c) for c in ReasonCode if c not in value)
        if missing:
            raise ValueError(f"no outcome for: {', '.join(missing)}")
        return value

    def outcome(self, reason: Reason, *, conclusive: bool) -> Outcome:
        """The outcome of one reason; soft codes become ``info`` when the case was ``conclusive``."""
        if conclusive and reason.code in self.soft.codes:
            return "info"
        if reason.code == ReasonCode.FACE_MISMATCH and reason.detail.get("document_quality_poor"):
            return self.faces.mismatch_on_poor_document
        if reason.code == ReasonCode.FACE_MISMATCH and reason.detail.get("low_quality_portrait"):
            return self.faces.mismatch_on_low_quality_portrait
        if reason.code == ReasonCode.FACE_MISMATCH and reason.detail.get("other_faces_a"):
            return self.faces.mismatch_with_other_selfie_faces
        if reason.code == ReasonCode.MRZ_CHECK_DIGIT and reason.detail.get("clear_reading"):
            return "rejected" if self.mrz.reject_clear_check_digit_failure else self.outcomes[reason.code]
        return self.outcomes[reason.code]

    def decide(self, reasons: list[Reason] | tuple[Reason, ...], *, conclusive: bool) -> PolicyDecision:
        """Apply the policy. ``conclusive``: the MRZ was read valid and both faces were compared."""
        outcomes = tuple((r, self.outcome(r, conclusive=conclusive)) for r in reasons)
        found = {o for _, o in outcomes}
        decision: Decision = next((d for d in SEVERITY[:-1] if d in found), "verified")
        return PolicyDecision(decision, outcomes, self.version)


@dataclass(frozen=True)
class PolicyDecision:
    """The decision with each reason's outcome under the policy that produced it."""

    decision: Decision
    outcomes: tuple[tuple[Reason, Outcome], ...]
    policy_version: str


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; ModelError (``policy.invalid``) says what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelError(f"Policy file not found: {path}", code="policy.not_found") from exc
    except UnicodeDecodeError as exc:
        raise ModelError(f"Policy file {path} is not valid TOML: {exc}", code="policy.invalid") from exc
    return parse_policy(text, source=f"Policy file {path}")


def parse_policy(text: str, *, source: str = "Policy") -> Policy:
    """Validate a policy from its TOML text (e.g. the copy a re-verification run stores);
    ModelError (``policy.invalid``) says what is wrong, prefixed with ``source``."""
    try:
        return Policy.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{source} is not valid TOML: {exc}", code="policy.invalid") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ModelError(f"{source} is invalid: {problems}", code="policy.invalid") from exc


@lru_cache(maxsize=8)
def cached_policy(path: Path) -> Policy:
    """``load_policy`` once per path and process."""
    return load_policy(path)
