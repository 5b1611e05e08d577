"""MRZ text recognition with an in-process Tesseract (tesserocr) and the OCR-B ``mrz`` model.

Measured here (``../shared/notes/offline-stack.md``): the Doubango ``mrz.traineddata`` reads OCR-B at about
1 % character error where Tesseract's stock ``eng`` data is near 23 %; a warm API avoids the 100+ ms
process spawn of the CLI. Each character comes back with its confidence and the LSTM's alternatives,
which the check-digit repair uses to decide what to try first.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np
import tesserocr
from PIL import Image

from ..mrz.ocrline import OcrLine

log = logging.getLogger(__name__)

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

#: sha256 of the float ``mrz.traineddata`` (the manifest's) -> sha256 of its integer conversion by
#: ``lstmtraining --stop_training --convert_to_int`` (Tesseract 5.3.0, Debian's tesseract-ocr; the
#: conversion is deterministic). Tesseract's own "fast" models are made the same way. On 148 generated
#: MRZ crops the integer model read 134 MRZs right where the float one read 136, in half the CPU time.
INTEGER_MODELS = {
    "e44f5b7a6bdd3f382ef3bfa84ee0057f5897946a84a094c26910e0a124f3a9bd": (
        "1227c70eca69d762608d8c5f9512746bb2c61b9b0ebc624114fd0162ab0eaa3e"
    ),
}


def integer_model(traineddata: Path, cache_dir: Path | None = None) -> Path | None:
    """The integer (8-bit) version of a float LSTM ``traineddata`` whose sha256 is in
    :data:`INTEGER_MODELS`: converted once with Tesseract's ``combine_tessdata`` and ``lstmtraining``
    into ``cache_dir`` (default: ``<tmp>/kyc_engine-tessdata``), checked against the pinned sha256, and
    returned as a file named like the source. ``None`` when the source is not a known model or the
    tools are missing or produce something else (the caller then keeps the float model)."""
    source_hash = _sha256(traineddata)
    expected = INTEGER_MODELS.get(source_hash)
    if expected is None:
        return None
    folder = (cache_dir or Path(tempfile.gettempdir()) / "kyc_engine-tessdata") / expected[:16]
    target = folder / traineddata.name
    if target.is_file() and _sha256(target) == expected:
        return target
    combine, lstmtraining = shutil.which("combine_tessdata"), shutil.which("lstmtraining")
    if combine is None or lstmtraining is None:
        log.warning("lstmtraining not found: the MRZ OCR keeps the float model (about 2x slower)")
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as work:
            lstm, out = Path(work) / "model.lstm", Path(work) / traineddata.name
            subprocess.run(
                [combine, "-e", str(traineddata), str(lstm)], check=True, capture_output=True, timeout=60
            )
            subprocess.run(
                [lstmtraining, "--stop_training", "--convert_to_int", "--continue_from", str(lstm),
                 "--traineddata", str(traineddata), "--model_output", str(out)],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            if not out.is_file() or _sha256(out) != expected:
                log.warning(
                    "the integer MRZ model's sha256 differs from the pinned one: keeping the float model"
                )
                return None
            out.replace(target)  # atomic: a concurrent start sees the old file or the whole new one
    except (OSError, subprocess.SubprocessError) as exc:  # read-only disk, tools failing, timeouts
        log.warning("converting the MRZ model to integer failed (%s): keeping the float model", exc)
        return None
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class MrzRecognizer:
    """Reads the text lines of an MRZ crop. Build once; ``read`` is thread-safe (one call at a time).

    ``integer=True`` runs the 8-bit conversion of the model (:func:`integer_model`) when it can be made,
    else the float model; ``model_path`` says which file was loaded.
    """

    def __init__(
        self,
        tessdata_dir: Path,
        *,
        lang: str = "mrz",
        max_alternatives: int = 4,
        integer: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        self.lang = lang
        self.max_alternatives = max_alternatives
        self._lock = threading.Lock()
        source = Path(tessdata_dir) / f"{lang}.traineddata"
        converted = integer_model(source, cache_dir) if integer and source.is_file() else None
        self.model_path = converted or source
        self._api = tesserocr.PyTessBaseAPI(
            path=str(self.model_path.parent) + "/",
            lang=lang,
            psm=tesserocr.PSM.SINGLE_BLOCK,
            oem=tesserocr.OEM.LSTM_ONLY,
        )
        self._api.SetVariable("tessedit_char_whitelist", MRZ_ALPHABET)
        self._api.SetVariable("lstm_choice_mode", "2")  # per-character alternatives with scores

    def read(self, gray: np.ndarray) -> list[OcrLine]:
        """OCR a horizontal, upright MRZ crop (uint8 grey). Returns one :class:`OcrLine` per text line."""
        image = Image.fromarray(gray)
        with self._lock:
            self._api.SetImage(image)
            self._api.Recognize()
            return self._collect()

    def _collect(self) -> list[OcrLine]:
        lines: list[OcrLine] = []
        text: list[str] = []
        confs: list[float] = []
        alts: list[tuple[tuple[str, float], ...]] = []
        boxes: list[tuple[int, int] | None] = []

        def flush() -> None:
            if text:
                lines.append(OcrLine("".join(text), tuple(confs), tuple(alts), tuple(boxes)))
            text.clear()
            confs.clear()
            alts.clear()
            boxes.clear()

        iterator = self._api.GetIterator()
        if iterator is None:
            return lines
        level = tesserocr.RIL.SYMBOL
        for item in tesserocr.iterate_level(iterator, level):
            try:
                symbol = item.GetUTF8Text(level)
            except RuntimeError:  # tesserocr raises on an empty symbol
                continue
            if not symbol:
                continue
            if item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
                flush()
            text.append(symbol)
            confs.append(max(0.0, min(1.0, item.Confidence(level) / 100.0)))
            box = item.BoundingBox(level)
            boxes.append((int(box[0]), int(box[2])) if box else None)
            choices = []
            for choice in item.GetChoiceIterator():
                ch = choice.GetUTF8Text()
                if ch and ch != symbol and ch in MRZ_ALPHABET:
                    choices.append((ch, max(0.0, choice.Confidence() / 100.0)))
            alts.append(tuple(choices[: self.max_alternatives]))
        flush()
        return lines

    def close(self) -> None:
        """Free the Tesseract handle."""
        with self._lock:
            self._api.End()
