"""One error tree for the engine.

Business outcomes (no face, unreadable MRZ, ...) are *results* carrying reason codes, never exceptions.
Exceptions are for things that stop a request: bad input the caller must fix (:class:`InputError`),
a model that cannot be loaded (:class:`ModelError`, raised at start), or an outage worth retrying
(:class:`TransientError`, the only error a job may retry).
"""

from __future__ import annotations

from typing import Any


class KycError(Exception):
    """Base class. ``code`` is a stable dotted string; ``http_status`` is what the service answers."""

    code: str = "engine.error"
    http_status: int = 500

    def __init__(
        self, message: str, *, code: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail: dict[str, Any] = dict(detail or {})

    def to_dict(self) -> dict[str, Any]:
        """The one error schema used by the CLI and the HTTP API: ``{"code", "message", "detail"}``."""
        return {"code": self.code, "message": self.message, "detail": self.detail}


class InputError(KycError):
    """The caller sent something we cannot use (not an image, truncated, too large...). Never retried."""

    code = "input.invalid"
    http_status = 422


class ModelError(KycError):
    """A model file is missing, corrupt or does not match the manifest. Raised when the engine starts."""

    code = "model.unavailable"
    http_status = 503


class TransientError(KycError):
    """A dependency is temporarily unavailable (database, queue). The only error a job retries."""

    code = "transient.unavailable"
    http_status = 503
