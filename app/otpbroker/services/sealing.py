"""Sealed messages: the text of ``send-sms`` / ``send-mail`` sealed to the device's key.

An application puts ``data.sealed`` (standard base64 of a libsodium sealed box of the UTF-8
text) where it would put ``data.message``. :meth:`Sealing.clear_data` opens it in memory and
hands the command on with ``data.message``, so the text then follows the normal path
(validation, limits, masking). It also applies ``sealing.required_on_api`` /
``sealing.required_on_feeders``. The crypto is the keyring's (a port); nothing here logs a
text or a key.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.ports import SealingKeyring, Settings

SEALABLE = ("send-sms", "send-mail")
API_SOURCE = "rest"  # the REST API's source name; every other entry is a feeder
SEAL_OVERHEAD = 48  # a sealed box: ephemeral public key (32) + Poly1305 tag (16) + the text


class SealedInvalid(ValueError):
    """``data.sealed`` does not give a text; the reason is precise and names no content."""


class SealedRequired(ValueError):
    """The entry accepts only sealed messages and this one is not."""


class FieldClash(ValueError):
    """``data.sealed`` given with a field it excludes."""


@dataclass(frozen=True)
class SealingKey:
    """What a sender needs: the public key (standard base64) and the construction."""

    public_key: str
    algorithm: str


class SealingKeys:
    """Shows and rotates the device's sealing key (the admin, the CLI, the API)."""

    def __init__(self, keyring: SealingKeyring) -> None:
        self._keyring = keyring

    def key(self) -> SealingKey:
        """The device's current public key."""
        return SealingKey(_b64(self._keyring.public_key()), self._keyring.algorithm)

    def rotate(self) -> SealingKey:
        """A new key pair; the previous private key still opens what was sealed to it."""
        return SealingKey(_b64(self._keyring.rotate()), self._keyring.algorithm)


class Sealing:
    """Opens sealed messages and applies the entries' sealing requirement."""

    def __init__(self, keyring: SealingKeyring, settings: Settings) -> None:
        self._keyring = keyring
        self._settings = settings
        self.keys = SealingKeys(keyring)

    def clear_data(self, command: str, data: dict[str, Any], source: str) -> dict[str, Any]:
        """``data`` with ``sealed`` opened into ``message`` (a copy; ``data`` itself is left
        as it is); ``data`` unchanged when the command is not sealable or not sealed."""
        if command not in SEALABLE:
            return data
        if "sealed" not in data:
            self._check_not_required(source)
            return data
        for other in ("message", "otp"):
            if other in data:
                raise FieldClash(f"give data.sealed or data.{other}, not both")
        opened = dict(data)
        opened["message"] = self._open(opened.pop("sealed"))
        return opened

    def _check_not_required(self, source: str) -> None:
        entry, key = (
            ("the API", "sealing.required_on_api")
            if source == API_SOURCE
            else ("the feeders", "sealing.required_on_feeders")
        )
        if self._settings.get(key) is True:
            raise SealedRequired(
                f"{entry} accept only sealed messages ({key}): put the text, sealed to the "
                "device's public key, in data.sealed"
            )

    def _open(self, value: object) -> str:
        if not isinstance(value, str):
            raise FieldClash("data.sealed must be a string (standard base64)")
        try:
            box = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise SealedInvalid("data.sealed is not base64 (standard alphabet, padded)") from None
        if len(box) < SEAL_OVERHEAD:
            raise SealedInvalid(
                f"data.sealed is shorter than a sealed box ({len(box)} bytes, at least "
                f"{SEAL_OVERHEAD})"
            )
        message = self._keyring.open(box)
        if message is None:
            raise SealedInvalid(
                "data.sealed does not open with this device's key (wrong key, or altered)"
            )
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise SealedInvalid("data.sealed opens, but the text in it is not UTF-8") from None


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


__all__ = ["FieldClash", "SealedInvalid", "SealedRequired", "Sealing", "SealingKey", "SealingKeys"]
