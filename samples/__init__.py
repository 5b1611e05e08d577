"""Specimen identity documents and simulated phone photographs, with ground truth.

Independent of ``kyc_engine`` on purpose: the MRZ composition and check digits here are
written from ICAO 9303, so tests of the engine against these samples are meaningful.

Entry points: :func:`samples.generate.generate_set`, :func:`samples.documents.make_document`,
:func:`samples.photograph.photograph`, and ``python -m samples.generate``.
"""

from __future__ import annotations

__all__ = ["LAYOUTS", "generate_set", "make_document", "photograph"]


def __getattr__(name: str) -> object:
    # Lazy re-exports keep ``import samples.mrz_text`` free of cv2/PIL imports.
    if name == "generate_set":
        from samples.generate import generate_set

        return generate_set
    if name in ("make_document", "LAYOUTS"):
        from samples import documents

        return getattr(documents, name)
    if name == "photograph":
        from samples.photograph import photograph

        return photograph
    raise AttributeError(name)
