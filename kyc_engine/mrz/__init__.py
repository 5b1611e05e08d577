"""Machine-readable zone (ICAO 9303) text reader: formats, check digits, exact parsing and OCR repair."""

from .checksum import char_value, check_digit
from .formats import MrzFormat
from .ocrline import OcrLine
from .parse import MrzResult, Repair, parse_mrz
from .repair import decode_mrz

__all__ = [
    "MrzFormat",
    "MrzResult",
    "OcrLine",
    "Repair",
    "char_value",
    "check_digit",
    "decode_mrz",
    "parse_mrz",
]
