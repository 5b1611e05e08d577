"""MRZ text recognition with an in-process Tesseract (tesserocr) and the OCR-B ``mrz`` model.

Measured here (``../shared/notes/offline-stack.md``): the Doubango ``mrz.traineddata`` reads OCR-B at about
1 % character error where Tesseract's stock ``eng`` data is near 23 %; a warm API avoids the 100+ ms
process spawn of the CLI. Each character comes back with its confidence and the LSTM's alternatives,
which the check-digit repair uses to decide what to try first.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import tesserocr
from PIL import Image

from ..mrz.ocrline import OcrLine

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


class MrzRecognizer:
    """Reads the text lines of an MRZ crop. Build once; ``read`` is thread-safe (one call at a time)."""

    def __init__(self, tessdata_dir: Path, *, lang: str = "mrz", max_alternatives: int = 4) -> None:
        self.lang = lang
        self.max_alternatives = max_alternatives
        self._lock = threading.Lock()
        self._api = tesserocr.PyTessBaseAPI(
            path=str(tessdata_dir) + "/",
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

        def flush() -> None:
            if text:
                lines.append(OcrLine("".join(text), tuple(confs), tuple(alts)))
            text.clear()
            confs.clear()
            alts.clear()

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
