"""Encrypted, content-addressed storage for uploaded images (and the key that protects personal data).

A blob's name is ``HMAC-SHA256(key, tenant_id + sha256(content))``: the same upload by the same tenant is
stored once, and the name reveals nothing about the image to someone without the key. Contents are
encrypted with Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under ``service.blob_key``.

Example::

    store = BlobStore(Path("var/blobs"), cipher)
    name = store.put(tenant_id, image_bytes)
    assert store.get(name) == image_bytes
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ..errors import KycError, ModelError
from ..settings import REPO_DIR, ServiceSettings

log = logging.getLogger(__name__)

DEV_KEY_PATH = REPO_DIR / "var" / "dev-blob.key"


class Cipher:
    """Fernet encryption of personal data at rest, plus a keyed hash for blob names."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ModelError(
                "KYC_SERVICE__BLOB_KEY is not a Fernet key (32 bytes, urlsafe base64).",
                code="config.blob_key_invalid",
            ) from exc
        self._mac_key = hashlib.sha256(b"kyc-blob-name" + key).digest()

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Cipher:
        """The configured key; without one, a development key generated once into var/ (never for production)."""
        if settings.blob_key is not None:
            return cls(settings.blob_key.get_secret_value().encode())
        if not DEV_KEY_PATH.exists():
            DEV_KEY_PATH.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(DEV_KEY_PATH, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
        log.warning(
            "KYC_SERVICE__BLOB_KEY is not set: using the DEVELOPMENT key in %s. Images and personal data "
            "are only as safe as that file. Set KYC_SERVICE__BLOB_KEY for any real deployment.",
            DEV_KEY_PATH,
        )
        return cls(DEV_KEY_PATH.read_bytes().strip())

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise KycError(
                "Stored data cannot be decrypted with the configured key.", code="store.key_mismatch"
            ) from exc

    def name(self, *parts: bytes) -> str:
        return hmac.new(self._mac_key, b"\x00".join(parts), hashlib.sha256).hexdigest()


class BlobStore:
    """Files under ``root/<2 hex>/<64 hex>``, written atomically (temp file + rename)."""

    def __init__(self, root: Path, cipher: Cipher) -> None:
        self.root = root
        self.cipher = cipher

    def _path(self, name: str) -> Path:
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            raise ValueError("bad blob name")
        return self.root / name[:2] / name

    def put(self, tenant_id: str, data: bytes) -> str:
        """Store ``data`` (encrypted) and return its name; storing the same content again is a no-op."""
        name = self.cipher.name(tenant_id.encode(), hashlib.sha256(data).digest())
        path = self._path(name)
        if path.exists():
            return name
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".tmp-") as tmp:
            tmp.write(self.cipher.encrypt(data))
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)
        return name

    def get(self, name: str) -> bytes:
        """The decrypted content; ``KycError(store.blob_missing)`` if it was erased or never stored."""
        try:
            token = self._path(name).read_bytes()
        except FileNotFoundError as exc:
            raise KycError("The stored image is gone (erased?).", code="store.blob_missing") from exc
        return self.cipher.decrypt(token)

    def delete(self, name: str) -> bool:
        try:
            self._path(name).unlink()
            return True
        except FileNotFoundError:
            return False
