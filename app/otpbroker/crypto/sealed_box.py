"""libsodium sealed boxes (``crypto_box_seal``: X25519 + XSalsa20-Poly1305) through PyNaCl.

The only module that imports ``nacl`` (an import-linter contract). A sender seals a message
to the device's public key with an ephemeral key pair; only the device's private key opens
it, and any altered byte makes the Poly1305 tag fail.
"""

from __future__ import annotations

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

ALGORITHM = "libsodium crypto_box_seal (X25519, XSalsa20-Poly1305)"
KEY_BYTES = 32
SEAL_OVERHEAD = 48  # the sender's ephemeral public key (32) and the Poly1305 tag (16)


def new_private_key() -> bytes:
    """32 random bytes of a new X25519 private key (from the OS's random source)."""
    return bytes(PrivateKey.generate())


def public_key_of(private_key: bytes) -> bytes:
    """The 32-byte X25519 public key of ``private_key``."""
    return bytes(PrivateKey(private_key).public_key)


def open_sealed(box: bytes, private_key: bytes) -> bytes | None:
    """The message sealed in ``box``, None when it does not open with ``private_key``
    (sealed to another key, altered or cut)."""
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(box)
    except CryptoError:
        return None


__all__ = ["ALGORITHM", "KEY_BYTES", "SEAL_OVERHEAD", "new_private_key", "open_sealed",
           "public_key_of"]  # fmt: skip
