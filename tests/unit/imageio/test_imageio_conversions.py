"""Supported uploads decode to BGR uint8 with orientation applied and conversions noted."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from kyc_engine.imageio import downscale, load_image, load_image_file

LIMITS = {"max_bytes": 20_000_000, "max_pixels": 40_000_000}
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)  # RGB


def _save(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _quadrants(w: int = 240, h: int = 120) -> np.ndarray:
    """An asymmetric RGB pattern: red, green / blue, white quadrants."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[: h // 2, : w // 2] = RED
    arr[: h // 2, w // 2 :] = GREEN
    arr[h // 2 :, : w // 2] = BLUE
    arr[h // 2 :, w // 2 :] = WHITE
    return arr


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF"])
def test_formats_round_trip(fmt: str) -> None:
    rgb = _quadrants()
    data = _save(Image.fromarray(rgb), fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    img = load_image(data, **LIMITS)
    assert img.format == fmt
    assert img.bgr.dtype == np.uint8 and img.bgr.shape == (120, 240, 3) and img.bgr.flags.c_contiguous
    assert np.abs(img.bgr[..., ::-1].astype(int) - rgb).mean() < 6
    assert img.sha256 == hashlib.sha256(data).hexdigest()
    assert img.original_size == (240, 120) and img.exif_orientation == 1


@pytest.mark.parametrize(("orientation", "turns"), [(3, 2), (6, -1), (8, 1)])
def test_exif_orientation_is_applied(orientation: int, turns: int) -> None:
    stored = _quadrants(240, 120)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _save(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())
    img = load_image(data, **LIMITS)
    expected = np.rot90(stored, k=turns)  # np.rot90: k=1 is counter-clockwise, k=-1 clockwise
    assert img.exif_orientation == orientation and img.original_size == (240, 120)
    assert img.bgr.shape == expected.shape
    assert np.abs(img.bgr[..., ::-1].astype(int) - expected).mean() < 6


def test_orientation_6_puts_the_stored_top_left_at_the_top_right() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    img = load_image(_save(Image.fromarray(_quadrants(240, 120)), "PNG", exif=exif.tobytes()), **LIMITS)
    assert img.bgr.shape[:2] == (240, 120)
    assert tuple(img.bgr[10, -10][::-1]) == RED and tuple(img.bgr[10, 10][::-1]) == BLUE


def test_16_bit_grey_png_is_scaled_not_clipped() -> None:
    ramp = np.tile(np.linspace(0, 65535, 512).round().astype(np.uint16), (80, 1))
    data = _save(Image.fromarray(ramp), "PNG")
    img = load_image(data, **LIMITS)
    row = img.bgr[40, :, 0].astype(int)
    assert (np.diff(row) >= 0).all(), "gradient order lost"
    assert row[0] == 0 and row[-1] == 255
    assert len(np.unique(row)) == 256, "range squashed or clipped"
    assert np.abs(row - np.linspace(0, 255, 512)).max() <= 1
    assert (img.bgr[..., 0] == img.bgr[..., 2]).all()
    assert "16-bit scaled to 8-bit" in img.notes


def test_16_bit_big_endian_tiff() -> None:
    ramp = np.tile(np.linspace(0, 65535, 300).round().astype(np.uint16), (70, 1))
    im = Image.frombytes("I;16B", (300, 70), ramp.astype(">u2").tobytes())
    data = _save(im, "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "I;16B"
    row = load_image(data, **LIMITS).bgr[0, :, 1].astype(int)
    assert row[0] == 0 and row[-1] == 255 and (np.diff(row) >= 0).all()


@pytest.mark.parametrize("ext", [".png", ".tiff"])
def test_16_bit_rgb(ext: str) -> None:
    ramp = np.linspace(0, 65535, 256).round().astype(np.uint16)
    bgr16 = np.zeros((64, 256, 3), np.uint16)
    bgr16[..., 2] = ramp  # red ramp
    bgr16[..., 0] = 65535 - ramp  # blue falls
    ok, buf = cv2.imencode(ext, bgr16)
    assert ok
    img = load_image(buf.tobytes(), **LIMITS)
    red, blue = img.bgr[5, :, 2].astype(int), img.bgr[5, :, 0].astype(int)
    assert (red[0], red[-1], blue[0], blue[-1]) == (0, 255, 255, 0)
    assert (np.diff(red) >= 0).all() and len(np.unique(red)) == 256
    assert "16-bit scaled to 8-bit" in img.notes


def test_cmyk_jpeg_colours() -> None:
    cmyk = Image.new("CMYK", (128, 96), (0, 255, 255, 0))  # pure red in CMYK
    cmyk.paste((255, 0, 255, 0), (64, 0, 128, 96))  # pure green on the right
    img = load_image(_save(cmyk, "JPEG", quality=95), **LIMITS)
    assert "converted from CMYK" in img.notes
    assert np.abs(img.bgr[48, 20].astype(int) - (0, 0, 255)).max() < 30
    assert np.abs(img.bgr[48, 110].astype(int) - (0, 255, 0)).max() < 30


def test_rgba_transparency_is_flattened_on_white() -> None:
    rgba = np.zeros((100, 200, 4), np.uint8)  # left half: transparent black
    rgba[:, 100:] = (255, 0, 0, 255)  # right half: opaque red
    rgba[:, 90:100] = (0, 0, 0, 128)  # a half-transparent black strip
    img = load_image(_save(Image.fromarray(rgba), "PNG"), **LIMITS)
    assert (img.bgr[:, :90] == 255).all()
    assert (img.bgr[:, 150] == (0, 0, 255)).all()
    assert np.abs(img.bgr[50, 95].astype(int) - 127).max() <= 1
    assert "alpha flattened on white" in img.notes


def test_la_png_is_flattened() -> None:
    la = np.zeros((80, 80, 2), np.uint8)
    la[:40, :, 1] = 255  # top half opaque black, bottom transparent
    img = load_image(_save(Image.fromarray(la, mode="LA"), "PNG"), **LIMITS)
    assert (img.bgr[:40] == 0).all() and (img.bgr[40:] == 255).all()


def test_palette_png_with_transparent_index() -> None:
    pal = Image.fromarray(_quadrants()).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    red_index = pal.getpixel((5, 5))
    data = _save(pal, "PNG", transparency=red_index)
    img = load_image(data, **LIMITS)
    assert "palette converted" in img.notes and "alpha flattened on white" in img.notes
    assert (img.bgr[5, 5] == 255).all()  # the transparent red quadrant became white
    assert tuple(img.bgr[5, 200][::-1]) == GREEN


def test_palette_png_without_transparency() -> None:
    pal = Image.fromarray(_quadrants()).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    img = load_image(_save(pal, "PNG"), **LIMITS)
    assert "palette converted" in img.notes
    assert tuple(img.bgr[100, 10][::-1]) == BLUE


def test_grayscale_becomes_three_equal_channels() -> None:
    grey = np.tile(np.arange(256, dtype=np.uint8), (70, 1))
    img = load_image(_save(Image.fromarray(grey), "PNG"), **LIMITS)
    assert img.bgr.shape == (70, 256, 3)
    assert (img.bgr[..., 0] == grey).all() and (img.bgr[..., 2] == grey).all()


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (80, 80), RED), Image.new("RGB", (80, 80), BLUE)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    img = load_image(buf.getvalue(), **LIMITS)
    assert tuple(img.bgr[40, 40][::-1]) == RED and "first frame used" in img.notes


def test_format_is_sniffed_from_bytes_not_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "passport.png"
    path.write_bytes(_save(Image.fromarray(_quadrants()), "JPEG"))
    img = load_image_file(path, **LIMITS)
    assert img.format == "JPEG" and img.bgr.shape == (120, 240, 3)


def test_downscale() -> None:
    big = np.zeros((3000, 4000, 3), np.uint8)
    small, scale = downscale(big, 1000)
    assert small.shape == (750, 1000, 3) and scale == 0.25
    same, one = downscale(small, 1000)
    assert same is small and one == 1.0
    with pytest.raises(ValueError):
        downscale(small, 0)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_fast_path_gives_pillows_pixels_for_every_exif_orientation(orientation: int, mode: str) -> None:
    """JPEGs are decoded by OpenCV (faster); the pixels must equal Pillow's, EXIF orientation applied."""
    rng = np.random.default_rng(orientation)
    base = (rng.random((90, 160, 3)) * 255).astype(np.uint8)
    base[10:40, 20:90] = (250, 20, 20)  # an asymmetric block, so a wrong turn or flip shows
    im = Image.fromarray(base).convert(mode)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    data = buf.getvalue()
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))[..., ::-1]
    got = load_image(data, max_bytes=1 << 20, max_pixels=1 << 20, min_side=16)
    assert got.bgr.shape == expected.shape
    assert np.array_equal(got.bgr, expected)
