"""1:N duplicate-identity check: the same face already verified under another registration.

Identity farming (one person, several accounts) shows up as a new verification whose face is within the
match threshold of a face stored under a *different* subject key. Each such stored case becomes one
``face.duplicate_identity`` reason (policy outcome ``review``) naming the other case, so a reviewer can
open both.

Wiring (the service does this in :mod:`kyc_engine.worker.gallery`, with one index per tenant, keyed by
:func:`subject_hash`; ``Engine.verify(..., face_index=...)`` runs the search)::

    index = FaceIndex()                                  # once, at start
    index.add_many(store.face_rows())                    # (case_id, subject_key, vector) from PostgreSQL
    ...
    report = face_stage.compare(selfie, document, selfie_checks=True)
    subject = f"{fields['issuing_country']}:{fields['document_number']}"   # normalised registration key
    selfie = report.embeddings["a"]
    reasons += find_duplicates(index, selfie, subject, face_stage.embedder.threshold)
    # once the case is verified, store it and make it searchable:
    index.add(case_id, subject, selfie.vector)           # and the portrait, report.embeddings["b"]

Which threshold: the 1:1 threshold (0.56, FAR 0.1 % on 996 impostor pairs) is a per-comparison rate, and
a 1:N search makes N comparisons; benchmarks/RESULTS.md ("duplicates") shows how many stored strangers
fall under a given distance as the gallery grows. Since the outcome is ``review`` (never a rejection), the
caller picks the threshold to trade reviewer load against missed duplicates.
"""

from __future__ import annotations

import hashlib

from kyc_engine.match.embedding import FaceEmbedding
from kyc_engine.match.index import DuplicateIndex
from kyc_engine.reasons import Reason, ReasonCode

__all__ = ["find_duplicates", "subject_hash"]

#: Distances in reasons are rounded to this many decimals (float32 search is accurate to ~1e-3).
_DECIMALS = 4


def find_duplicates(
    index: DuplicateIndex, embedding: FaceEmbedding, subject_key: str, threshold: float, *, limit: int = 5
) -> list[Reason]:
    """One ``face.duplicate_identity`` reason per stored case within ``threshold`` (Euclidean, inclusive)
    of ``embedding`` whose subject key differs from ``subject_key``, nearest first, at most ``limit``.

    Empty when no other registration holds a face that close. Detail: ``other_case_id``, ``distance``,
    ``threshold``, ``model``. Raises ValueError for a non-Euclidean embedding (the index stores dlib
    descriptors compared by Euclidean distance).

    Example::

        find_duplicates(index, report.embeddings["a"], "KAZ:N7654321", 0.56)
        # [Reason(code=<ReasonCode.FACE_DUPLICATE_IDENTITY>, detail={'other_case_id': 'case-1',
        #   'distance': 0.3112, 'threshold': 0.56, 'model': 'dlib_resnet_v1+sp5'})]
    """
    if embedding.metric != "euclidean":
        raise ValueError(f"the face index holds Euclidean descriptors, not {embedding.metric!r}")
    hits = index.duplicates(embedding.vector, subject_key, threshold, k=limit)
    return [
        Reason(
            ReasonCode.FACE_DUPLICATE_IDENTITY,
            {
                "other_case_id": hit.case_id,
                "distance": round(hit.distance, _DECIMALS),
                "threshold": threshold,
                "model": embedding.model,
            },
        )
        for hit in hits
    ]


def subject_hash(subject_key: str) -> str:
    """SHA-256 (hex) of a normalised subject key: the form stored in ``face_embeddings.subject_hash``,
    so the store never holds the document number itself.

    Example::

        subject_hash("KAZ:N1234567") == subject_hash(" kaz:n1234567 ")   # True
    """
    return hashlib.sha256(subject_key.strip().upper().encode()).hexdigest()
