"""A second face model's say in the first one's decision.

dlib's ResNet decides the face comparison (its threshold and review band are calibrated here). When a second
embedding is loaded (SFace, present only when an operator puts its file in the model directory), it is heard
on every comparison, with its own threshold and review band, and its word is limited:

- dlib in its review band, the second model firmly matching: ``match`` (two models agree);
- dlib firm, the second model firmly saying the opposite: ``uncertain`` (a person looks);
- anything else, including the second model in its own review band: dlib's decision.

So a second model can settle a borderline case or raise a doubt, and never rejects on its own.

Example::

    >>> settle("uncertain", "match"), settle("match", "no_match"), settle("no_match", "uncertain")
    ('match', 'uncertain', 'no_match')
"""

from __future__ import annotations

from typing import Final

from kyc_engine.match.compare import Decision

__all__ = ["SETTLED_BY_SECOND", "CONTRADICTED_BY_SECOND", "settle", "how_settled"]

#: ``how_settled`` values.
SETTLED_BY_SECOND: Final = "second_model_settled_review_band"
CONTRADICTED_BY_SECOND: Final = "second_model_contradicts"


def settle(primary: Decision, second: Decision | None) -> Decision:
    """The face decision from the primary model's and, when there is one, the second model's."""
    if second is None or second == "uncertain" or second == primary:
        return primary
    if primary == "uncertain":
        return "match" if second == "match" else "uncertain"
    return "uncertain"  # firm decisions that contradict each other


def how_settled(primary: Decision, second: Decision | None) -> str | None:
    """Why :func:`settle` differs from ``primary`` (one of the constants above), or None when it does not."""
    final = settle(primary, second)
    if final == primary:
        return None
    return SETTLED_BY_SECOND if primary == "uncertain" else CONTRADICTED_BY_SECOND
