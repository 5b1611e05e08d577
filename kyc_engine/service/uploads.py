"""Cheap validation of an upload at submit time: no pixel is decoded in the API.

The API must answer in milliseconds while the workers keep both cores busy, so it checks what can be
checked from the bytes and the header: size, the format sniffed from the magic bytes (never the
client's Content-Type or file name), width × height against ``max_pixels`` and the minimum side, and
structural completeness (JPEG markers up to EOI, PNG chunks up to IEND) for truncation. These are the
same rules and ``input.*`` codes as :func:`kyc_engine.imageio.load_image`, whose helpers it reuses.
The worker then decodes fully with ``load_image``; a file that passes this probe but is damaged inside
ends as a ``failed`` verification with ``input.corrupt``, never as a retry.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from ..imageio import MIN_SIDE_PX
from ..imageio import _err as input_error  # the imageio helpers: one set of rules, one set of codes
from ..imageio import _sniff as sniff
from ..imageio import _structurally_complete as structurally_complete


@dataclass(frozen=True)
class Probed:
    format: str
    width: int
    height: int


def probe_image(
    data: bytes, *, max_bytes: int, max_pixels: int, name: str, min_side: int = MIN_SIDE_PX
) -> Probed:
    """Raise :class:`~kyc_engine.errors.InputError` for anything ``load_image`` would refuse from the
    header; return the sniffed format and size otherwise."""
    if not data:
        raise input_error("empty", name, size=0)
    if len(data) > max_bytes:
        raise input_error("too_large", name, size=len(data), limit=max_bytes)
    fmt = sniff(data, name)
    complete = structurally_complete(fmt, data)
    try:
        im = Image.open(io.BytesIO(data), formats=[fmt])  # parses the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise input_error("bomb", name, limit=min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or 0))) from exc
    except Exception as exc:
        if not complete:
            raise input_error("truncated", name, format=fmt, size=len(data)) from exc
        if fmt == "TIFF":
            raise input_error("unsupported_format", name, format="This kind of TIFF") from exc
        raise input_error("corrupt", name, format=fmt) from exc
    with im:
        w, h = im.size
    if w * h > max_pixels:
        raise input_error("too_many_pixels", name, width=w, height=h, pixels=w * h, limit=max_pixels)
    if min(w, h) < min_side:
        raise input_error("too_small", name, width=w, height=h, min_side=min_side)
    if not complete:
        raise input_error("truncated", name, format=fmt, size=len(data))
    return Probed(fmt, w, h)
