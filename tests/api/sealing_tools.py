"""Sealing messages as an application does (PyNaCl), and the refusal cases every entry meets."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey, PublicKey, SealedBox

from otpbroker.factory import SealingKeyFiles


def device_key(data_dir: Path) -> bytes:
    """The device's current public key, as the CLI and the admin show it (made if missing)."""
    return SealingKeyFiles(data_dir).public_key()


def seal(text: str, public_key: bytes) -> str:
    """``data.sealed`` for ``text``: base64 of crypto_box_seal of its UTF-8 bytes."""
    return base64.b64encode(SealedBox(PublicKey(public_key)).encrypt(text.encode())).decode()


def tampered(sealed: str, at: int = -5) -> str:
    """``sealed`` with one bit of its box flipped."""
    box = bytearray(base64.b64decode(sealed))
    box[at] ^= 0x01
    return base64.b64encode(bytes(box)).decode()


def cut(sealed: str, count: int) -> str:
    """``sealed`` without its last ``count`` bytes."""
    return base64.b64encode(base64.b64decode(sealed)[:-count]).decode()


def truncated(sealed: str) -> str:
    """``sealed`` cut below a sealed box's size."""
    return base64.b64encode(base64.b64decode(sealed)[:40]).decode()


def bad_cases(public_key: bytes, text: str) -> list[tuple[str, dict[str, Any], str, str]]:
    """(name, data fields, code, words of the reply) for every sealed payload refused."""
    good = seal(text, public_key)
    other_key = bytes(PrivateKey.generate().public_key)
    return [
        ("wrong key", {"sealed": seal(text, other_key)}, "1216", "does not open"),
        ("tampered", {"sealed": tampered(good)}, "1216", "does not open"),
        ("last byte cut", {"sealed": cut(good, 1)}, "1216", "does not open"),
        ("truncated", {"sealed": truncated(good)}, "1216", "shorter than a sealed box"),
        ("not base64", {"sealed": "not*base64!"}, "1216", "not base64"),
        ("both fields", {"sealed": good, "message": "x"}, "1211", "not both"),
    ]
