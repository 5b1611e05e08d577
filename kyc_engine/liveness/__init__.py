"""Selfie checks: passive liveness (MiniFASNet) and misuse (document picture or card used as selfie)."""

from .minifasnet import LivenessResult, PassiveLiveness
from .misuse import MisuseResult, selfie_misuse

__all__ = ["LivenessResult", "MisuseResult", "PassiveLiveness", "selfie_misuse"]
