"""Salted, slow password hashes (scrypt), stdlib only.

Encoding: ``scrypt$<n>$<r>$<p>$<salt base64>$<key base64>``. Passwords are
NFC-normalised and UTF-8 encoded before hashing, so the same password typed
with composed or decomposed accents verifies alike.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import secrets
import unicodedata

SCHEME = "scrypt"
N = 2**14
R = 8
P = 1
SALT_BYTES = 16
KEY_BYTES = 32

# Bounds accepted when *verifying*: generous enough for future upgrades, tight
# enough that a crafted encoding cannot make us allocate gigabytes.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16
_MAX_MEM = 1024**3


def _encode_password(password: str) -> bytes:
    """The bytes that are hashed; ValueError for text that cannot be encoded."""
    return unicodedata.normalize("NFC", password).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(secret: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    maxmem = min(_MAX_MEM, 128 * r * (n + p + 2) + 1024 * 1024)
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length)


def hash_password(password: str) -> str:
    """Hash ``password`` with a fresh random salt; ValueError if it is empty or not text."""
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    secret = _encode_password(password)
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(secret, salt, N, R, P, KEY_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def _parse(encoded: object) -> tuple[int, int, int, bytes, bytes] | None:
    """(n, r, p, salt, key) of a well-formed encoding, else None."""
    if not isinstance(encoded, str) or not encoded.isascii():
        return None
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    if not all(part.isdigit() for part in parts[1:4]):
        return None
    n, r, p = (int(part) for part in parts[1:4])
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        return None
    try:
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except (binascii.Error, ValueError):
        return None
    if not (8 <= len(salt) <= 64 and 16 <= len(key) <= 64):
        return None
    return n, r, p, salt, key


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; False (never raises) otherwise."""
    if not isinstance(password, str) or not password:
        return False
    parsed = _parse(encoded)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    try:
        candidate = _derive(_encode_password(password), salt, n, r, p, len(key))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, key)


def verify_unknown_user(password: str) -> bool:
    """Spend what :func:`verify_password` spends on a current hash, for a user that does
    not exist; always False. Unknown and known user names then answer alike in time."""
    if not isinstance(password, str) or not password:
        return False
    with contextlib.suppress(ValueError, MemoryError):
        _derive(_encode_password(password), secrets.token_bytes(SALT_BYTES), N, R, P, KEY_BYTES)
    return False


def needs_rehash(encoded: str) -> bool:
    """True when ``encoded`` is malformed or uses other parameters than the current ones."""
    parsed = _parse(encoded)
    if parsed is None:
        return True
    n, r, p, salt, key = parsed
    return (n, r, p, len(salt), len(key)) != (N, R, P, SALT_BYTES, KEY_BYTES)
