"""kyc_engine: offline eKYC verification (documents, MRZ, faces, liveness, registration data).

Typical use::

    from kyc_engine import Engine, get_settings, load_image_file
    engine = Engine.from_settings(get_settings())          # loads and verifies models once
    report = engine.read_mrz(load_image_file("id.jpg", max_bytes=25 << 20, max_pixels=40_000_000))
    report.to_dict()["fields"]["document_number"]
"""

from .engine import Engine, MrzReport
from .errors import InputError, KycError, ModelError, TransientError
from .imageio import LoadedImage, load_image, load_image_file
from .mrz.checksum import check_digit
from .mrz.parse import MrzResult, parse_mrz
from .reasons import Reason, ReasonCode
from .settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "Engine",
    "InputError",
    "KycError",
    "LoadedImage",
    "ModelError",
    "MrzReport",
    "MrzResult",
    "Reason",
    "ReasonCode",
    "Settings",
    "TransientError",
    "check_digit",
    "get_settings",
    "load_image",
    "load_image_file",
    "parse_mrz",
]
