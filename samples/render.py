"""Drawing primitives for specimen documents: backgrounds, guilloche, portraits, text, MRZ.

Images are numpy uint8 BGR arrays (OpenCV order); text goes through Pillow. Coordinates are
document pixels, (x, y) from the top-left corner.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FACES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "faces"
"""Default face photo folder: ``../shared/faces`` beside the repository."""

# Identities in faces/ that are women or girls (faces/README.md); used to match the holder's sex.
FEMALE_IDENTITIES = frozenset({
    "madonna", "mindy_kaling", "maria_sharapova", "serena_williams", "bryce_dallas_howard", "keira_knightley",
    "natalie_portman", "sandra_bullock", "michelle_yeoh", "brigitte_lin", "halle_berry", "jennifer_lopez",
    "jessica_alba", "tina_fey", "azure_family1_daughter", "azure_family2_lady",
})
_OCRB_ADVANCE = 0.723  # OCR-B advance width per em (measured)


@lru_cache(maxsize=64)
def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A cached Pillow font: ``name`` is 'ocrb' or a DejaVu file stem such as 'DejaVuSans-Bold'."""
    path = OCRB if name == "ocrb" else DEJAVU / f"{name}.ttf"
    if not path.exists():  # keep working on machines without the fonts installed
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def gradient_background(w: int, h: int, c1: tuple[int, int, int], c2: tuple[int, int, int],
                        rng: np.random.Generator) -> np.ndarray:
    """Linear two-colour gradient at a random angle plus faint low-frequency mottling."""
    ang = rng.uniform(0, np.pi)
    sw, sh = max(w // 8, 2), max(h // 8, 2)  # smooth: build small, upscale
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    t = (xx * np.cos(ang) + yy * np.sin(ang))
    t = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
    a, b = np.array(c1, np.float32), np.array(c2, np.float32)
    img = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
    low = rng.normal(0, 1, (max(h // 64, 2), max(w // 64, 2))).astype(np.float32)
    img += cv2.resize(low, (sw, sh), interpolation=cv2.INTER_CUBIC)[..., None] * 4.0
    img = cv2.resize(np.clip(img, 0, 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    return img


def guilloche(img: np.ndarray, rng: np.random.Generator, color: tuple[int, int, int],
              n_rosettes: int = 2, n_waves: int = 14, alpha: float = 0.35) -> None:
    """Draw hypotrochoid rosettes and wavy bands in place, blended at ``alpha``."""
    h, w = img.shape[:2]
    layer = img.copy()
    t = np.linspace(0, 2 * np.pi * 7, 2800)
    for _ in range(n_rosettes):
        cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
        big = rng.uniform(0.18, 0.35) * min(w, h)
        ratio = rng.choice([3.5, 4.2, 5.25, 6.125, 7.0])
        r = big / ratio
        d = rng.uniform(0.6, 1.1) * r
        for k in range(3):
            s = 1.0 - 0.12 * k
            x = cx + s * ((big - r) * np.cos(t) + d * np.cos((big - r) / r * t))
            y = cy + s * ((big - r) * np.sin(t) - d * np.sin((big - r) / r * t))
            pts = np.stack([x, y], 1).astype(np.int32)
            cv2.polylines(layer, [pts], False, color, 1, cv2.LINE_AA)
    xs = np.arange(0, w + 8, 4, dtype=np.float32)
    lam = rng.uniform(0.15, 0.35) * w
    amp = rng.uniform(0.02, 0.05) * h
    for i in range(n_waves):
        y0 = (i + 0.5) * h / n_waves
        phase = rng.uniform(0, 2 * np.pi)
        for j in range(3):
            ys = y0 + amp * np.sin(2 * np.pi * xs / lam + phase + j * 0.35) + j * 3
            pts = np.stack([xs, ys], 1).astype(np.int32)
            cv2.polylines(layer, [pts], False, color, 1, cv2.LINE_AA)
    cv2.addWeighted(layer, alpha, img, 1 - alpha, 0, dst=img)


@lru_cache(maxsize=1)
def _cascade() -> cv2.CascadeClassifier | None:
    path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
    c = cv2.CascadeClassifier(str(path))
    return None if c.empty() else c


@lru_cache(maxsize=256)
def _frontal_face(path: str) -> tuple[tuple[float, float, float, float] | None, int, int]:
    """(x, y, w, h) of the largest frontal face the Haar cascade finds (None: none), plus image size."""
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    ih, iw = img.shape[:2]
    cascade = _cascade()
    if cascade is None:
        return None, iw, ih
    k = min(1.0, 360 / max(iw, ih))  # detect on a small copy: 4-5x faster, same boxes
    small = cv2.resize(img, (int(iw * k), int(ih * k)), interpolation=cv2.INTER_AREA) if k < 1 else img
    side = max(int(min(small.shape[:2]) / 12), 20)
    found = cascade.detectMultiScale(small, 1.15, 5, minSize=(side, side))
    if not len(found):
        return None, iw, ih
    x, y, w, h = (float(v) / k for v in max(found, key=lambda b: b[2] * b[3]))
    return (x, y, w, h), iw, ih


#: Photos with a shorter side below this are tight face crops (the 112x112 ones): the face fills them.
TIGHT_CROP_PX = 200


def id_photo_grade(path: Path) -> bool:
    """Whether ``path`` can be printed as a document portrait: a frontal face was found, or the photo is a
    tight face crop. ICAO 9303 portraits are frontal head-and-shoulders pictures; a profile or a scene with
    a small face (where the crop falls back to the middle of the picture) never is one."""
    face, iw, ih = _frontal_face(str(path))
    return face is not None or min(iw, ih) < TIGHT_CROP_PX


@lru_cache(maxsize=256)
def _face_crop_box(path: str) -> tuple[int, int, int, int, int, int]:
    """(x, y, w, h) of a 3:4 head-and-shoulders crop around the largest face, plus image size."""
    face, iw, ih = _frontal_face(path)
    if face is None:  # tight crops (the 112x112 ones) or no detection: the face fills the middle
        fx, fy, fw, fh = iw * 0.2, ih * 0.15, iw * 0.6, ih * 0.6
    else:
        fx, fy, fw, fh = (float(v) for v in face)
    cw = fw * 1.9
    ch = cw * 4 / 3
    shrink = max(min(1.0, iw / cw, ih / ch), 0.72)  # mostly stay inside the photo; pad tight crops
    cw, ch = cw * shrink, ch * shrink
    cx, cy = fx + fw / 2, fy + fh * 0.5
    x0 = min(max(cx - cw / 2, 0.0), iw - cw) if cw <= iw else (iw - cw) / 2
    y0 = min(max(cy - ch * 0.45, 0.0), ih - ch) if ch <= ih else cy - ch * 0.45
    return int(x0), int(y0), max(int(cw), 1), max(int(ch), 1), iw, ih


def face_files(faces_dir: Path) -> list[Path]:
    """Face photos under ``faces_dir`` (``<identity>/<identity>_NN.jpg``), sorted."""
    if not faces_dir.is_dir():
        return []
    return sorted(faces_dir.glob("*/*.jpg"))


def load_portrait(path: Path, size: tuple[int, int], backdrop: tuple[int, int, int]) -> np.ndarray:
    """Read ``path`` and return a 3:4 head-and-shoulders crop resized to ``size`` (w, h)."""
    x, y, w, h, iw, ih = _face_crop_box(str(path))
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    inside = x >= 0 and y >= 0 and x + w <= iw and y + h <= ih
    if inside:
        return cv2.resize(img[y:y + h, x:x + w], size, interpolation=cv2.INTER_AREA)
    # Tight crops: extend with the photo's own border colour and feather the seam.
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]]).astype(np.float32)
    fill = np.median(border, axis=0) * 0.5 + np.array(backdrop, np.float32) * 0.5
    pad = max(w, h)
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=fill.tolist())
    m = cv2.copyMakeBorder(np.ones((ih, iw), np.float32), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0.0,))
    crop = big[y + pad:y + pad + h, x + pad:x + pad + w].astype(np.float32)
    mc = cv2.GaussianBlur(m[y + pad:y + pad + h, x + pad:x + pad + w], (0, 0), max(w, h) * 0.03)[..., None]
    out = crop * mc + fill[None, None, :] * (1 - mc)
    return cv2.resize(np.clip(out, 0, 255).astype(np.uint8), size, interpolation=cv2.INTER_AREA)


def synthetic_head(size: tuple[int, int], rng: np.random.Generator,
                   backdrop: tuple[int, int, int]) -> np.ndarray:
    """A plain head-and-shoulders silhouette, used when no face photos are available."""
    w, h = size
    img = np.full((h, w, 3), backdrop, np.uint8)
    skin = tuple(int(v) for v in rng.choice([[90, 120, 170], [60, 90, 140], [120, 160, 210], [40, 60, 100]]))
    cloth = tuple(int(v) for v in rng.integers(20, 120, 3))
    cv2.ellipse(img, (w // 2, int(h * 1.05)), (int(w * 0.48), int(h * 0.35)), 0, 0, 360, cloth, -1, cv2.LINE_AA)
    cv2.rectangle(img, (int(w * 0.42), int(h * 0.55)), (int(w * 0.58), int(h * 0.75)), skin, -1)
    cv2.ellipse(img, (w // 2, int(h * 0.42)), (int(w * 0.26), int(h * 0.22)), 0, 0, 360, skin, -1, cv2.LINE_AA)
    hair = tuple(int(v) for v in rng.integers(10, 80, 3))
    cv2.ellipse(img, (w // 2, int(h * 0.32)), (int(w * 0.27), int(h * 0.14)), 0, 180, 360, hair, -1, cv2.LINE_AA)
    return img


def print_portrait(doc: np.ndarray, face: np.ndarray, box: tuple[int, int, int, int],
                   gray: bool, fade: float = 0.0) -> None:
    """Put ``face`` into ``doc`` at ``box`` (x, y, w, h) as printed: optionally grey,
    slightly blended with the background; ``fade`` in 0..1 lightens it (ghost images)."""
    x, y, w, h = box
    face = cv2.resize(face, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    if gray:
        g = cv2.cvtColor(face.astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(np.float32)
        face = np.repeat(g[..., None], 3, 2) * np.array([0.97, 0.98, 1.0], np.float32)
    region = doc[y:y + h, x:x + w].astype(np.float32)
    if fade > 0:
        face = face * (1 - fade) + 255 * fade
        out = np.minimum(region, face)  # like a light print multiplied onto the background
    else:
        out = face * 0.93 + region * 0.07
    doc[y:y + h, x:x + w] = np.clip(out, 0, 255).astype(np.uint8)


def fit_font(draw: ImageDraw.ImageDraw, text: str, name: str, size: int,
             max_w: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The largest font of ``name`` up to ``size`` px whose rendering of ``text`` fits ``max_w``."""
    f = font(name, size)
    while size > 8 and draw.textlength(text, font=f) > max_w:
        size -= 1
        f = font(name, size)
    return f


def draw_mrz(pil: Image.Image, lines: list[str], x0: float, baseline0: float, pitch: float,
             line_pitch: float, color: tuple[int, int, int] = (22, 22, 26)) -> tuple[int, int, int, int]:
    """Draw MRZ ``lines`` in OCR-B at a fixed character ``pitch`` (px). Returns the zone's box
    (x, y, w, h) in document pixels. ``color`` is RGB (Pillow)."""
    size = int(round(pitch / _OCRB_ADVANCE * 0.93))
    f = font("ocrb", size)
    draw = ImageDraw.Draw(pil)
    for i, line in enumerate(lines):
        base = baseline0 + i * line_pitch
        for j, ch in enumerate(line):
            draw.text((x0 + j * pitch, base), ch, font=f, fill=color, anchor="ls")
    cap = 0.73 * size
    width = max(len(s) for s in lines) * pitch
    top = baseline0 - cap
    height = (len(lines) - 1) * line_pitch + cap
    return int(x0), int(top), int(np.ceil(width)), int(np.ceil(height))
