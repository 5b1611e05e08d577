"""Cheap validation of an upload at submit time: no pixel is decoded in the API.

The API must answer in milliseconds while the workers keep both cores busy, so it checks what can be
checked from the bytes and the header: size, the format sniffed from the magic bytes (never the
client's Content-Type or file name), width × height against ``max_pixels`` and the minimum side, and
structural completeness (JPEG markers up to EOI, PNG chunks up to IEND) for truncation. These are exactly
the header rules and ``input.*`` codes of :func:`kyc_engine.imageio.load_image` (one implementation,
:func:`kyc_engine.imageio.probe_image`). The worker then decodes fully with ``load_image``; a file that
passes this probe but is damaged inside ends as a ``failed`` verification with ``input.corrupt``, never as
a retry.
"""

from __future__ import annotations

from ..imageio import Probed, probe_image

__all__ = ["Probed", "probe_image"]
