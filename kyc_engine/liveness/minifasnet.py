"""Passive (single-image) liveness with the two MiniFASNet models of Silent-Face-Anti-Spoofing.

Pre-processing follows upstream (``src/generate_patches.py``, ``src/anti_spoof_predict.py``): the crop
scale and input size come from the file name (``2.7_80x80_MiniFASNetV2`` -> scale 2.7, 80x80); the
scale is clamped so the crop fits the image, the crop is shifted back inside (never shrunk), sliced
inclusively on integer corners and resized bilinearly; the input is BGR float32 0..255 (no
normalisation), NCHW. Each model's logits go through softmax; class 1 is "real". The two probability
vectors are averaged and the fused class-1 probability is compared with two thresholds.

Two adaptations to our inputs, both measured on ``benchmarks/liveness.py`` (see the manifest comment):

- **Box convention.** Upstream cropped around the box of its Caffe RetinaFace detector; YuNet's box is
  taller for the same face, so its height is scaled by ``box_height`` (0.85, same centre) before the crop.
- **Resolution.** Upstream's frames came from an Android video stream (3:4, resolution not stated), so
  its faces were presumably far smaller than the 300-600 px faces of a 1600x1200 selfie; a bilinear
  80x80 resize of a 1000+ px crop samples only every 13th-20th pixel (aliasing that can read as a
  recapture texture). The width 200 px was chosen on the benchmark. When the face box is wider than
  ``face_width`` px, the whole image is first reduced with ``INTER_AREA`` so that it is ``face_width`` px
  wide; smaller faces are left as they are (never enlarged).

Example::

    liveness = PassiveLiveness.from_registry(registry)   # once, at engine start
    result = liveness.check(bgr, face)                    # face: detect.faces.Face, input pixels
    result.decision, result.live_probability, result.accept
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import cv2
import numpy as np
import onnxruntime as ort

from kyc_engine.errors import ModelError

if TYPE_CHECKING:
    from kyc_engine.detect.faces import Face
    from kyc_engine.manifest import ModelRegistry

__all__ = ["LivenessResult", "PassiveLiveness", "crop_box", "crop_geometry", "parse_model_name"]

log = logging.getLogger(__name__)

LivenessDecision = Literal["live", "spoof", "uncertain"]
Box = tuple[float, float, float, float]

MODEL_NAMES: Final = ("minifasnet_v2", "minifasnet_v1se")
#: Fused live probability at or above which the selfie is accepted as live (see benchmarks/RESULTS.md).
DEFAULT_ACCEPT: Final = 0.8
#: Fused live probability below which the selfie is rejected as a spoof; between the two: review.
DEFAULT_REJECT: Final = 0.15
#: Face-box width in pixels that a larger face is reduced to (INTER_AREA, whole image) before cropping.
DEFAULT_FACE_WIDTH: Final = 200.0
#: Factor on the detector box's height (same centre) to approach upstream's RetinaFace box.
DEFAULT_BOX_HEIGHT: Final = 0.85
LIVE_CLASS: Final = 1

_NAME = re.compile(r"^(?P<scale>[0-9.]+)(?:_\d+)*_(?P<h>\d+)x(?P<w>\d+)_")


@dataclass(frozen=True)
class LivenessResult:
    """Evidence of one passive liveness check.

    ``live_probability``: fused softmax probability of class 1 ("real"), in 0..1, compared with
    ``accept`` (>= -> "live") and ``reject`` (< -> "spoof"); in between: "uncertain" (review).
    ``probabilities``: model name -> softmax vector (spoof-a, real, spoof-b). ``box``: the face box
    ``(x, y, w, h)`` in input pixels, as detected; ``crops``: model name -> crop ``(x0, y0, x1, y1)``
    inclusive, input pixels (rounded back from the reduced image when ``downscale`` < 1);
    ``scales``: model name -> crop scale after clamping; ``downscale``: factor the image was reduced by
    before cropping (1.0: not reduced); ``box_height``: factor applied to the box height.
    """

    live_probability: float
    decision: LivenessDecision
    accept: float
    reject: float
    probabilities: dict[str, tuple[float, float, float]]
    box: Box
    crops: dict[str, tuple[int, int, int, int]]
    scales: dict[str, float]
    models: dict[str, str]
    elapsed_ms: float
    downscale: float = 1.0
    box_height: float = 1.0

    @property
    def codes(self) -> tuple[str, ...]:
        """Reason codes this result raises (empty when live)."""
        return {"live": (), "spoof": ("liveness.spoof",), "uncertain": ("liveness.uncertain",)}[self.decision]


def parse_model_name(path: Path | str) -> tuple[float, int, int]:
    """``(scale, height, width)`` from an upstream file name, e.g. ``4_0_0_80x80_MiniFASNetV1SE.onnx``
    -> ``(4.0, 80, 80)`` (upstream reads the scale from the first ``_`` field only)."""
    match = _NAME.match(Path(path).name)
    if match is None:
        raise ModelError(
            f"Cannot read crop scale and size from model file name {Path(path).name!r}",
            code="model.manifest_invalid",
        )
    return float(match["scale"]), int(match["h"]), int(match["w"])


def crop_box(image_size: tuple[int, int], box: Box, scale: float) -> tuple[tuple[int, int, int, int], float]:
    """Upstream ``CropImage._get_new_box``: the crop around ``box`` at ``scale``, shifted inside.

    ``image_size`` is ``(width, height)``; returns ``((x0, y0, x1, y1), scale_used)`` with inclusive
    integer corners (slice ``[y0:y1+1, x0:x1+1]``). The scale is first limited to
    ``min(scale, (H-1)/h, (W-1)/w)`` so that the crop fits.
    """
    src_w, src_h = image_size
    x, y, bw, bh = box
    scale = min((src_h - 1) / bh, (src_w - 1) / bw, scale)
    new_w, new_h = bw * scale, bh * scale
    cx, cy = x + bw / 2, y + bh / 2
    x0, y0, x1, y1 = cx - new_w / 2, cy - new_h / 2, cx + new_w / 2, cy + new_h / 2
    if x0 < 0:
        x1 -= x0
        x0 = 0
    if y0 < 0:
        y1 -= y0
        y0 = 0
    if x1 > src_w - 1:
        x0 -= x1 - src_w + 1
        x1 = src_w - 1
    if y1 > src_h - 1:
        y0 -= y1 - src_h + 1
        y1 = src_h - 1
    return (int(x0), int(y0), int(x1), int(y1)), float(scale)


def crop_geometry(
    image_size: tuple[int, int], box: Box, *, face_width: float | None, box_height: float
) -> tuple[float, tuple[int, int], Box]:
    """``(factor, reduced (width, height), box in reduced pixels)`` for a face ``box`` ``(x, y, w, h)``.

    ``factor`` = ``face_width / w`` when the box is wider than ``face_width`` (else 1.0, also when
    ``face_width`` is None); the box height is multiplied by ``box_height`` about its centre. Example:
    a 1600x1200 image with a 400x480 box at (600, 300), ``face_width`` 200, ``box_height`` 0.85 ->
    ``(0.5, (800, 600), (300.0, 168.0, 200.0, 204.0))``.
    """
    src_w, src_h = image_size
    x, y, w, h = box
    factor = 1.0 if face_width is None or w <= face_width else face_width / w
    size = (max(1, round(src_w * factor)), max(1, round(src_h * factor)))
    fx, fy = size[0] / src_w, size[1] / src_h
    new_h = h * box_height
    return factor, size, (x * fx, (y + (h - new_h) / 2) * fy, w * fx, new_h * fy)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max()
    e = np.exp(z)
    return e / e.sum()


class _Model:
    """One MiniFASNet ONNX session with its crop geometry."""

    def __init__(self, name: str, path: Path, sha256: str, threads: int) -> None:
        self.name, self.sha256 = name, sha256
        self.scale, self.height, self.width = parse_model_name(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"Cannot load liveness model {path}: {exc}", code="model.load_failed") from exc
        self.input = self.session.get_inputs()[0].name

    def prepare(self, bgr: np.ndarray, box: Box) -> tuple[np.ndarray, tuple[int, int, int, int], float]:
        """Upstream crop of ``box`` (pixels of ``bgr``); returns (NCHW tensor, inclusive crop, scale used)."""
        h, w = bgr.shape[:2]
        (x0, y0, x1, y1), scale = crop_box((w, h), box, self.scale)
        patch = cv2.resize(bgr[y0 : y1 + 1, x0 : x1 + 1], (self.width, self.height))
        tensor = patch.astype(np.float32).transpose(2, 0, 1)[None]  # BGR, 0..255, NCHW
        return tensor, (x0, y0, x1, y1), scale

    def probabilities(self, tensor: np.ndarray) -> np.ndarray:
        logits = np.asarray(self.session.run(None, {self.input: tensor})[0], np.float64)[0]
        return _softmax(logits)


class PassiveLiveness:
    """MiniFASNetV2 (scale 2.7) + MiniFASNetV1SE (scale 4.0), fused by averaging softmax vectors.

    Build once; ``check`` is thread-safe (onnxruntime sessions may be run concurrently).
    ``paths``: manifest name -> (file, sha256). Thresholds apply to the fused live probability.
    ``face_width``: faces wider than this (px) are scored on the image reduced so they are this wide
    (None: never reduce, upstream as-is); ``box_height``: factor on the box height (1.0: upstream as-is).
    """

    def __init__(
        self,
        paths: dict[str, tuple[Path, str]],
        *,
        accept: float = DEFAULT_ACCEPT,
        reject: float = DEFAULT_REJECT,
        face_width: float | None = DEFAULT_FACE_WIDTH,
        box_height: float = DEFAULT_BOX_HEIGHT,
        threads: int = 2,
    ) -> None:
        if not 0.0 <= reject <= accept <= 1.0:
            raise ModelError(
                f"Liveness thresholds need 0 <= reject ({reject}) <= accept ({accept}) <= 1",
                code="model.manifest_invalid",
            )
        if (face_width is not None and face_width <= 0) or box_height <= 0:
            raise ModelError(
                f"Liveness face_width ({face_width}) and box_height ({box_height}) must be positive",
                code="model.manifest_invalid",
            )
        self.accept, self.reject = float(accept), float(reject)
        self.face_width = None if face_width is None else float(face_width)
        self.box_height = float(box_height)
        self.models = [_Model(name, path, sha, threads) for name, (path, sha) in paths.items()]

    @classmethod
    def from_registry(cls, registry: ModelRegistry, **options: float | int) -> PassiveLiveness:
        """Build from the manifest entries ``minifasnet_v2`` and ``minifasnet_v1se``.

        Thresholds and crop settings are read from the ``minifasnet_v2`` entry's ``live_accept`` /
        ``live_reject`` / ``face_width_px`` / ``box_height_factor`` keys when present; ModelError if a
        file is absent.
        """
        extra = registry.get(MODEL_NAMES[0]).spec.extra or {}
        for key, option in (("live_accept", "accept"), ("live_reject", "reject"),
                            ("face_width_px", "face_width"), ("box_height_factor", "box_height")):  # fmt: skip
            if key in extra:
                options.setdefault(option, float(extra[key]))
        paths = {name: (registry.path(name), registry.get(name).spec.sha256) for name in MODEL_NAMES}
        return cls(paths, **options)  # type: ignore[arg-type]

    def check(self, bgr: np.ndarray, face: Face | Box) -> LivenessResult:
        """Score the face (a detected ``Face`` or a box ``(x, y, w, h)`` in pixels of ``bgr``).

        ``bgr`` is the full BGR uint8 image the face was found in (grey and BGRA are converted).
        """
        start = time.perf_counter()
        if bgr.ndim == 2 or bgr.shape[2] != 3:
            bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR if bgr.ndim == 2 else cv2.COLOR_BGRA2BGR)
        box: Box = tuple(float(v) for v in (face if isinstance(face, tuple) else face.box))  # type: ignore[assignment]
        if box[2] <= 0 or box[3] <= 0:
            raise ValueError(f"face box must have a positive size, got {box}")
        height, width = bgr.shape[:2]
        factor, size, crop_around = crop_geometry(
            (width, height), box, face_width=self.face_width, box_height=self.box_height
        )
        work = bgr if factor == 1.0 else cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        fx, fy = size[0] / width, size[1] / height
        probs: dict[str, tuple[float, float, float]] = {}
        crops: dict[str, tuple[int, int, int, int]] = {}
        scales: dict[str, float] = {}
        total = np.zeros(3)
        for model in self.models:
            tensor, (x0, y0, x1, y1), scales[model.name] = model.prepare(work, crop_around)
            crops[model.name] = (round(x0 / fx), round(y0 / fy), round(x1 / fx), round(y1 / fy))
            p = model.probabilities(tensor)
            probs[model.name] = (float(p[0]), float(p[1]), float(p[2]))
            total += p
        live = float(total[LIVE_CLASS] / len(self.models))
        decision: LivenessDecision = (
            "live" if live >= self.accept else "spoof" if live < self.reject else "uncertain"
        )
        log.debug("liveness p_live=%.3f decision=%s", live, decision)
        return LivenessResult(
            live_probability=live,
            decision=decision,
            accept=self.accept,
            reject=self.reject,
            probabilities=probs,
            box=box,
            crops=crops,
            scales=scales,
            models={m.name: m.sha256 for m in self.models},
            elapsed_ms=(time.perf_counter() - start) * 1000,
            downscale=factor,
            box_height=self.box_height,
        )
