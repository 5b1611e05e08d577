"""Encrypted, content-addressed storage for uploaded images (and the key that protects personal data).

A blob's name is ``HMAC-SHA256(key, tenant_id + sha256(content))``: the same upload by the same tenant is
stored once, and the name reveals nothing about the image to someone without the key. Contents (and
the registration data and webhook secrets in the database) are encrypted with AES-256-GCM
(authenticated; a random 96-bit nonce per message) under ``service.blob_key``. AES-GCM rather than
Fernet because it is ~10x cheaper on a 1 MB photo (no base64, AES-NI), which the API's latency needs.

Example::

    store = BlobStore(Path("var/blobs"), cipher)
    name = store.put(tenant_id, image_bytes)
    assert store.get(name) == image_bytes
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import KycError, ModelError, TransientError
from ..settings import REPO_DIR, ServiceSettings

log = logging.getLogger(__name__)

DEV_KEY_PATH = REPO_DIR / "var" / "dev-blob.key"


#: Name prefix of files that are not (yet) a blob: staged uploads, files a sweep moved aside.
TMP_PREFIX = ".tmp-"

_VERSION = b"g1"  # format tag: AES-256-GCM, 12-byte nonce, then ciphertext + 16-byte tag


def generate_key() -> bytes:
    """A new key: 32 random bytes, urlsafe base64 (the format of a Fernet key, which is accepted too)."""
    return base64.urlsafe_b64encode(os.urandom(32))


def _create_dev_key(path: Path) -> None:
    """Write a new key to ``path`` unless one is there; atomic, so processes starting together (API
    processes, workers) all end up reading the same complete key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    tmp = Path(name)
    with os.fdopen(fd, "wb") as fh:
        fh.write(generate_key())
    try:
        os.link(tmp, path)  # fails if another process linked its key first: keep that one
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


class Cipher:
    """AES-256-GCM encryption of personal data at rest, plus a keyed hash for blob names."""

    def __init__(self, key: bytes) -> None:
        try:
            raw = base64.urlsafe_b64decode(key)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) != 32:
            raise ModelError(
                "KYC_SERVICE__BLOB_KEY must be 32 bytes in urlsafe base64 (e.g. a Fernet key).",
                code="config.blob_key_invalid",
            )
        self._aead = AESGCM(raw)
        self._mac_key = hashlib.sha256(b"kyc-blob-name" + raw).digest()

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Cipher:
        """The configured key; without one, a development key generated once into var/ (never for production)."""
        if settings.blob_key is not None:
            return cls(settings.blob_key.get_secret_value().encode())
        if not DEV_KEY_PATH.exists():
            _create_dev_key(DEV_KEY_PATH)
        log.warning(
            "KYC_SERVICE__BLOB_KEY is not set: using the DEVELOPMENT key in %s. Images and personal data "
            "are only as safe as that file. Set KYC_SERVICE__BLOB_KEY for any real deployment.",
            DEV_KEY_PATH,
        )
        return cls(DEV_KEY_PATH.read_bytes().strip())

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, data, _VERSION)

    def decrypt(self, token: bytes) -> bytes:
        try:
            if token[:2] != _VERSION:
                raise InvalidTag
            return self._aead.decrypt(token[2:14], token[14:], _VERSION)
        except InvalidTag as exc:
            raise KycError(
                "Stored data cannot be decrypted with the configured key.", code="store.key_mismatch"
            ) from exc

    def name(self, *parts: bytes) -> str:
        return hmac.new(self._mac_key, b"\x00".join(parts), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Staged:
    """A blob written to ``tmp`` (open as ``fd``) but not yet synced and renamed to ``path``; ``tmp`` is
    None when the content was already stored."""

    name: str
    path: Path
    tmp: Path | None = None
    fd: int = -1


def publish(staged: list[Staged]) -> None:
    """Make staged blobs durable and visible before the row that names them is committed: every file is
    synced (``fdatasync``), then renamed to its name, then the renames are synced (``fsync`` of their
    directories: without it a crash can leave a committed row naming a file that only exists under its
    temporary name). On failure, nothing staged here stays behind under a temporary name, nothing is
    renamed after a failed sync, and the error is raised."""
    try:
        for blob in staged:
            if blob.tmp is not None:
                os.fdatasync(blob.fd)
    except BaseException:
        discard(staged)
        raise
    directories: set[Path] = set()
    for i, blob in enumerate(staged):
        if blob.tmp is None:
            continue
        try:
            os.close(blob.fd)  # once: a failure here discards the rest, which closes only theirs
            os.replace(blob.tmp, blob.path)
        except BaseException:
            blob.tmp.unlink(missing_ok=True)
            discard(staged[i + 1 :])
            raise
        directories.add(blob.path.parent)
    for directory in sorted(directories):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def discard(staged: list[Staged]) -> None:
    """Close and delete staged temporary files of a failed or abandoned submission (once per blob)."""
    for blob in staged:
        if blob.tmp is None:
            continue
        try:
            os.close(blob.fd)
        except OSError:
            pass
        blob.tmp.unlink(missing_ok=True)


def is_blob_name(name: str) -> bool:
    """64 lowercase hex digits, as :meth:`Cipher.name` makes them."""
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class BlobStore:
    """Files under ``root/<2 hex>/<64 hex>``, written atomically (temp file + rename)."""

    def __init__(self, root: Path, cipher: Cipher) -> None:
        self.root = root
        self.cipher = cipher

    def _path(self, name: str) -> Path:
        if not is_blob_name(name):
            raise ValueError("bad blob name")
        return self.root / name[:2] / name

    def put(self, tenant_id: str, data: bytes, sha256: bytes | None = None) -> str:
        """Store ``data`` (encrypted) and return its name; storing the same content again is a no-op.

        ``sha256``: the content's digest when the caller already has it (the API hashed the request)."""
        return self.put_many(tenant_id, [(data, sha256)])[0]

    def put_many(self, tenant_id: str, items: Sequence[tuple[bytes, bytes | None]]) -> list[str]:
        """:meth:`put` for several ``(data, sha256)``: all are written, then all synced and renamed; on a
        failure none is left half-written, and a file system error (disk full, I/O) is raised as
        ``TransientError(transient.storage)``: nothing was stored, the caller may try again. Blocking (file
        creation and writes can wait on the journal behind another request's ``fdatasync``): the API calls
        it in a thread."""
        staged: list[Staged] = []
        try:
            try:
                for data, sha256 in items:
                    staged.append(self.stage(tenant_id, data, sha256))
            except BaseException:
                discard(staged)
                raise
            publish(staged)
        except OSError as exc:
            log.error("blob store write failed: %s", exc)
            raise TransientError(
                "The image store cannot take the upload now.", code="transient.storage"
            ) from exc
        return [blob.name for blob in staged]

    def stage(self, tenant_id: str, data: bytes, sha256: bytes | None = None) -> Staged:
        """Encrypt ``data`` into a temporary file, not yet synced nor visible under its name. :func:`publish`
        makes it durable and visible; :func:`discard` drops it. Content already stored stages nothing."""
        digest = hashlib.sha256(data).digest() if sha256 is None else sha256
        name = self.cipher.name(tenant_id.encode(), digest)
        path = self._path(name)
        try:
            # stored already: its new time keeps `kyc purge`'s sweep off it (kyc_engine.store.sweep)
            os.utime(path)
            return Staged(name, path)
        except FileNotFoundError:
            pass
        token = self.cipher.encrypt(data)
        tmp = path.with_name(f"{TMP_PREFIX}{secrets.token_hex(8)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:  # the first blob in this fan-out directory
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        staged = Staged(name, path, tmp, fd)
        try:
            view = memoryview(token)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            discard([staged])
            raise
        return staged

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
