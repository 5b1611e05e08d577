"""Password hashing with the standard library's scrypt: salted, parameters stored with the hash,
compared in constant time.

Format: ``scrypt$<n>$<r>$<p>$<salt, urlsafe base64>$<hash, urlsafe base64>``.

    >>> stored = hash_password("correct horse battery")
    >>> check_password("correct horse battery", stored), check_password("wrong", stored)
    (True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

#: scrypt cost: N=2**15, r=8 (32 MiB, about 0.1 s on one core): slow for a guesser, quick for a login.
N, R, P = 2**15, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024

MIN_LENGTH = 10


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_MAXMEM)


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password`` (16 random bytes of salt)."""
    salt = os.urandom(16)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_derive(password, salt, N, R, P))}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _derive(password, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, _unb64(digest))


@cache
def dummy_hash() -> str:
    """A hash to check against when the username does not exist, so that both cases cost one scrypt
    (no timing oracle for valid usernames)."""
    return hash_password(_b64(os.urandom(12)))
