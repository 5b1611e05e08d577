"""Cheap validation of an upload at submit time: no pixel is decoded in the API.

The API must answer in milliseconds while the workers keep both cores busy, so it checks what can be
checked from the bytes and the header: size, the format sniffed from the magic bytes (never the
client's Content-Type or file name), width × height against ``max_pixels`` and the minimum side, and
structural completeness (JPEG markers up to EOI, PNG chunks up to IEND) for truncation. These are exactly
the header rules and ``input.*`` codes of :func:`kyc_engine.imageio.load_image` (one implementation,
:func:`kyc_engine.imageio.probe_image`). The worker then decodes fully with ``load_image``; a file that
passes this probe but is damaged inside ends as a ``failed`` verification with ``input.corrupt``, never as
a retry.

The multipart body itself is split by :func:`parse_multipart` (RFC 7578 ``multipart/form-data``) in a
few ``bytes.find`` calls over the whole body, instead of a callback parser fed chunk by chunk that copies
each file through a spooled temporary file: the submit path's largest CPU cost in the event loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ..errors import InputError
from ..imageio import Probed, probe_image

__all__ = ["FormPart", "Probed", "boundary_of", "parse_multipart", "probe_image"]

MAX_HEADER_BYTES: Final = 8 * 1024
"""Largest header block of one part."""

# ``; key=value`` or ``; key="quoted \" value"`` parameters of a header (Content-Type, Content-Disposition)
_PARAM: Final = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart/form-data body. ``filename`` is None for a plain field."""

    name: str
    filename: str | None
    data: bytes


def _malformed(why: str) -> InputError:
    return InputError(f"The multipart body cannot be parsed: {why}", code="input.malformed_body")


def _params(value: str) -> dict[str, str]:
    """The ``key=value`` parameters after the first ``;`` (keys lower-cased, quotes removed)."""
    out: dict[str, str] = {}
    for key, raw in _PARAM.findall(value):
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        out[key.lower()] = raw
    return out


def boundary_of(content_type: str) -> bytes:
    """The ``boundary`` parameter of a multipart Content-Type (1-70 characters, RFC 2046)."""
    boundary = _params(content_type).get("boundary", "")
    if not 1 <= len(boundary) <= 70 or not boundary.isascii():
        raise _malformed("no valid boundary in the Content-Type.")
    return boundary.encode("ascii")


def _part(body: bytes, start: int, end: int) -> FormPart:
    """The part in ``body[start:end]``: its header block, then its content (copied once)."""
    split = body.find(b"\r\n\r\n", start, min(end, start + MAX_HEADER_BYTES))
    if split < 0:
        raise _malformed("a part has no complete header block.")
    disposition = None
    for line in body[start:split].split(b"\r\n"):
        key, sep, value = line.partition(b":")
        if not sep:
            raise _malformed("a part header has no colon.")
        if key.strip().lower() == b"content-disposition":
            disposition = value.decode("utf-8", errors="replace").strip()
    if disposition is None or not disposition.lower().startswith("form-data"):
        raise _malformed("a part has no Content-Disposition: form-data header.")
    params = _params(disposition)
    if "name" not in params:
        raise _malformed("a part has no name.")
    filename = params.get("filename", params.get("filename*"))
    return FormPart(params["name"], filename, body[split + 4 : end])


def parse_multipart(body: bytes, boundary: bytes, *, max_parts: int) -> list[FormPart]:
    """Split a complete ``multipart/form-data`` body into its parts, in order.

    Strict where it matters (every part is closed by a delimiter, the body ends with the close delimiter
    ``--boundary--``, headers are bounded) and lenient where RFC 2046 is (preamble, epilogue, transport
    padding after a delimiter). Raises ``InputError(input.malformed_body)``; part contents are returned
    as they are (no charset or transfer decoding; clients send binary parts as-is)."""
    delimiter = b"--" + boundary
    next_delimiter = b"\r\n" + delimiter
    if body.startswith(delimiter):
        pos = 0
    else:  # a preamble before the first delimiter is allowed (and ignored)
        pos = body.find(next_delimiter)
        if pos < 0:
            raise _malformed("the boundary does not occur in the body.")
        pos += 2
    parts: list[FormPart] = []
    while True:
        pos += len(delimiter)
        if body.startswith(b"--", pos):  # the close delimiter; anything after it is the epilogue
            return parts
        while body.startswith((b" ", b"\t"), pos):  # transport padding
            pos += 1
        if not body.startswith(b"\r\n", pos):
            raise _malformed("a delimiter is not followed by a line break.")
        start = pos + 2
        end = body.find(next_delimiter, start)
        if end < 0:
            raise _malformed("the body ends inside a part (truncated?).")
        if len(parts) >= max_parts:
            raise _malformed(f"more than {max_parts} parts.")
        parts.append(_part(body, start, end))
        pos = end + 2
