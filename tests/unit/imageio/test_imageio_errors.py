"""Every bad upload becomes an InputError with a stable code. All files are generated here, at test time."""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile

from kyc_engine.errors import InputError
from kyc_engine.imageio import load_image, load_image_file

MB = 1_000_000
LIMITS = {"max_bytes": 20 * MB, "max_pixels": 40 * MB}


def _encode(arr: np.ndarray, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **kw)
    return buf.getvalue()


def _photo(w: int = 320, h: int = 240, seed: int = 0) -> np.ndarray:
    """A smooth gradient with noise: compresses like a photo, so a cut lands in the scan data."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 // w, yy * 255 // h, (xx + yy) * 255 // (w + h)], axis=2)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height, with a tiny IDAT: a decompression-bomb header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _code(data: bytes, **kw: object) -> str:
    with pytest.raises(InputError) as info:
        load_image(data, **{**LIMITS, **kw})  # type: ignore[arg-type]
    assert info.value.message.startswith(str(kw.get("name", "image")) + ": ")
    return info.value.code


def test_empty() -> None:
    assert _code(b"") == "input.empty"


def test_too_large_reports_size_and_limit() -> None:
    data = _encode(_photo(), "PNG")
    with pytest.raises(InputError) as info:
        load_image(data, max_bytes=1000, max_pixels=LIMITS["max_pixels"], name="selfie")
    assert info.value.code == "input.too_large"
    assert info.value.detail == {"name": "selfie", "size": len(data), "limit": 1000}
    assert info.value.http_status == 422


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(7).bytes(5000),
        b"Hello, this is my passport number, in a text file.\n" * 20,
        b"BMW 320d, not a bitmap" * 10,
    ],
    ids=["random", "text", "bm-prefix-text"],
)
def test_not_an_image(data: bytes) -> None:
    assert _code(data) == "input.not_an_image"


def test_zip_is_not_an_image() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("passport.jpg", _encode(_photo(), "JPEG"))
    assert _code(buf.getvalue()) == "input.not_an_image"


def test_pdf_is_refused_with_a_hint_to_upload_a_photo() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    with pytest.raises(InputError) as info:
        load_image(pdf, **LIMITS, name="document")
    assert info.value.code == "input.unsupported_format"
    assert info.value.detail["format"] == "PDF"
    assert "PDF" in info.value.message and "photo" in info.value.message


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100, "HEIC"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9"/>', "SVG"),
        (b"8BPS\x00\x01" + b"\x00" * 100, "Photoshop (PSD)"),
    ],
)
def test_other_unsupported_formats(data: bytes, fmt: str) -> None:
    with pytest.raises(InputError) as info:
        load_image(data, **LIMITS)
    assert (info.value.code, info.value.detail["format"]) == ("input.unsupported_format", fmt)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("lenient_global", [False, True])
def test_truncated(fmt: str, lenient_global: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Even if some other code flips Pillow's global to lenient, a cut upload must not decode as grey.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient_global)
    data = _encode(_photo(640, 480), fmt)
    for fraction in (0.6, 0.99):
        assert _code(data[: int(len(data) * fraction)]) == "input.truncated"


def test_truncated_webp() -> None:
    data = _encode(_photo(), "WEBP")
    assert _code(data[: len(data) // 2]) == "input.truncated"


def test_jpeg_with_trailing_data_is_not_truncated() -> None:
    # Phones append data after EOI (motion photos); random trailing bytes must not look like a cut scan.
    data = _encode(_photo(), "JPEG") + np.random.default_rng(3).bytes(20000)
    assert load_image(data, **LIMITS).format == "JPEG"


def test_header_bomb_50000_squared_is_refused_fast() -> None:
    data = _png_header_only(50_000, 50_000)
    start = time.perf_counter()
    assert _code(data) == "input.too_many_pixels"
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("pillow_guard", [True, False])
def test_header_of_50_megapixels_is_refused_before_decoding(
    pillow_guard: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pillow_guard:  # someone disabled Pillow's own bomb check globally: ours still holds
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    data = _png_header_only(8660, 5774)  # 50.0 MP, below Pillow's warning level
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_image(data, max_bytes=MB, max_pixels=40 * MB)
    assert time.perf_counter() - start < 0.5
    assert info.value.code == "input.too_many_pixels"
    assert info.value.detail["width"] == 8660 and info.value.detail["pixels"] == 8660 * 5774


def test_pillow_decompression_bomb_error_maps_to_too_many_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert _code(_encode(_photo(200, 100), "PNG")) == "input.too_many_pixels"


def test_too_small() -> None:
    with pytest.raises(InputError) as info:
        load_image(_encode(_photo(63, 200), "PNG"), **LIMITS)
    assert info.value.code == "input.too_small"
    assert info.value.detail["width"] == 63


def test_corrupt_png_data() -> None:
    data = bytearray(_encode(_photo(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 40 : idat + 400] = bytes(360)  # keep the structure, break the compressed stream
    assert _code(bytes(data)) in {"input.corrupt", "input.truncated"}


def test_mutated_uploads_never_raise_anything_but_input_error() -> None:
    rng = np.random.default_rng(20261123)
    for fmt in ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"):
        good = _encode(_photo(96, 80), fmt)
        for _ in range(15):
            data = bytearray(good)
            for pos in rng.integers(0, len(data), size=int(rng.integers(1, 20))):
                data[pos] = int(rng.integers(0, 256))
            cut = int(rng.integers(len(data) // 2, len(data) + 1))
            try:
                load_image(bytes(data[:cut]), **LIMITS)
            except InputError as exc:
                assert exc.code.startswith("input.")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_image_file(tmp_path / "missing.jpg", **LIMITS)
    assert info.value.code == "input.not_found"
    with pytest.raises(InputError) as info:
        load_image_file(tmp_path, **LIMITS)
    assert info.value.code == "input.unreadable"
    big = tmp_path / "big.png"
    big.write_bytes(_encode(_photo(), "PNG"))
    with pytest.raises(InputError) as info:
        load_image_file(big, max_bytes=100, max_pixels=MB)
    assert info.value.code == "input.too_large" and info.value.detail["name"] == "big.png"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.jpg"
    path.write_bytes(_encode(_photo(), "JPEG"))
    path.chmod(0)
    with pytest.raises(InputError) as info:
        load_image_file(path, **LIMITS)
    assert info.value.code == "input.unreadable"


def test_unreadable_file_via_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.jpg"
    path.write_bytes(_encode(_photo(), "JPEG"))

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(InputError) as info:
        load_image_file(path, **LIMITS)
    assert info.value.code == "input.unreadable" and "Permission denied" in info.value.message


def test_tiff_variant_pillow_cannot_read_is_unsupported() -> None:
    ramp = np.tile(np.linspace(0, 1, 200, dtype=np.float32), (80, 1))
    ok, buf = cv2.imencode(".tiff", np.dstack([ramp, ramp, ramp]))  # float32 RGB
    assert ok
    assert _code(buf.tobytes()) == "input.unsupported_format"
