"""The per-device secrets made once, at first boot: AP name and password, reset code, TLS.

Files in ``<data-dir>/factory/`` (folder 0700, files 0600, owned by the data directory's
owner):

- ``printable.json``: the clear AP name, AP password and reset code. They are kept in clear
  only so that the brochure can be printed again at any time (``otp-broker brochure``, the
  admin's Brochure page) and so that the access point can use the factory name and password
  while ``wlan.ssid`` / ``wlan.passphrase`` are empty. Nothing is checked against them.
- ``reset-code.hash``: the salted scrypt hash of the reset code; the reset-stick handler
  checks what is on the stick against it (constant-time comparison).
- the setup code (``setup-code`` and ``setup-code.hash``, see :class:`SetupCode`).
- the sealing key pair (``sealing-key``, and ``sealing-key.previous`` after a rotation, see
  :class:`SealingKeyFiles`): what opens the messages applications seal to the device.

The TLS key and self-signed certificate go to ``<data-dir>/tls/``. Nothing is ever
replaced: ``ensure()`` only creates what is missing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from otpbroker.config import schema
from otpbroker.domain.password_hash import hash_password, verify_password
from otpbroker.factory.private_files import hand_over, write_private
from otpbroker.factory.sealing_keys import SealingKeyFiles
from otpbroker.factory.setup_code import ALPHABET, SetupCode, random_text
from otpbroker.system import tls
from otpbroker.system.device_names import device_names

log = logging.getLogger(__name__)

SSID_PREFIX = "OTP-Broker-"
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (no l/1, o/0, i: from paper)
PASSWORD_GROUPS = 3  # "k7mq-x4tp-9wzr": 12 random characters, about 59 bits
RESET_CODE_LENGTH = 16
NAME_SETTINGS = ("wlan.address", "ethernet.mode", "ethernet.address")  # the certificate's
RESET_CODE = re.compile(f"[{ALPHABET}]{{{RESET_CODE_LENGTH}}}")


def new_ssid() -> str:
    """``OTP-Broker-XXXX`` with four random unambiguous characters."""
    return SSID_PREFIX + random_text(4)


def new_wifi_password() -> str:
    """Three groups of four lower-case unambiguous characters joined by dashes (no '#')."""
    return "-".join(random_text(4, PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUPS))


def new_reset_code() -> str:
    """Sixteen characters of the unambiguous upper-case alphabet."""
    return random_text(RESET_CODE_LENGTH)


def normalise_reset_code(text: str) -> str | None:
    """The code in ``text`` (surrounding whitespace, inner spaces/dashes and case ignored),
    or None when ``text`` is not shaped like a reset code at all."""
    compact = re.sub(r"[ \t-]", "", text.strip()).upper()
    return compact if RESET_CODE.fullmatch(compact) else None


@dataclass(frozen=True)
class Printable:
    """The clear secrets printed on the brochure."""

    ssid: str
    wifi_password: str
    reset_code: str
    setup_code: str


class FactorySecrets:
    """Creates (once) and reads the device's factory secrets."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / "factory"
        self.printable_file = self.folder / "printable.json"
        self.reset_hash_file = self.folder / "reset-code.hash"
        self.tls_folder = self.data_dir / "tls"
        self.setup_code = SetupCode(data_dir)
        self.sealing_keys = SealingKeyFiles(data_dir)

    def ensure(self, *, with_tls: bool = True) -> list[str]:
        """Create whatever is missing; returns what was created (empty: nothing changed).

        Processes that run it at once (the service and ``factory-init``) take turns, so one
        never mixes its code with the other's hash."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = self.setup_code.creation_lock
        lock.acquire()
        try:
            return self._ensure(with_tls)
        finally:
            lock.release()

    def _ensure(self, with_tls: bool) -> list[str]:
        created = []
        if not self.printable_file.exists():
            if self.reset_hash_file.exists():
                log.warning("factory: printable secrets missing, making a new AP password and "
                            "reset code (the old brochure is no longer valid)")  # fmt: skip
                self.reset_hash_file.unlink()
            values = {
                "ssid": new_ssid(),
                "wifi_password": new_wifi_password(),
                "reset_code": new_reset_code(),
            }
            write_private(self.printable_file, json.dumps(values, indent=1) + "\n", self.data_dir)
            created += ["access point name", "access point password", "reset code"]
        if not self.reset_hash_file.exists():
            code = self._printable_values()["reset_code"]
            write_private(self.reset_hash_file, hash_password(code) + "\n", self.data_dir)
        if self.setup_code.ensure():
            created.append("setup code")
        if self.sealing_keys.ensure():
            created.append("sealing key pair")
        if with_tls and not tls.has_pair(self.tls_folder):
            # first boot: the settings are still the defaults, the host name is the device's
            network = {key: schema.default(key) for key in NAME_SETTINGS}
            names = device_names(socket.gethostname(), network)
            tls.ensure_self_signed(self.tls_folder, names.hostnames, names.addresses)
            hand_over(self.tls_folder, self.data_dir)
            created.append("TLS key and self-signed certificate")
        return created

    def _printable_values(self) -> dict[str, str]:
        data = json.loads(self.printable_file.read_text("utf-8"))
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) and data[key]
            for key in ("ssid", "wifi_password", "reset_code")
        ):
            raise ValueError(f"{self.printable_file}: not a factory secrets file")
        return data

    def printable(self) -> Printable:
        """The clear secrets for the brochure (OSError/ValueError when not created yet)."""
        values = self._printable_values()
        return Printable(
            ssid=values["ssid"],
            wifi_password=values["wifi_password"],
            reset_code=values["reset_code"],
            setup_code=self.setup_code.read(),
        )

    def wifi(self) -> tuple[str, str]:
        """(SSID, WPA2 password) of the factory access point."""
        values = self._printable_values()
        return values["ssid"], values["wifi_password"]

    def check_reset_code(self, text: str) -> bool:
        """True when ``text`` holds the device's reset code (checked against the hash only)."""
        code = normalise_reset_code(text)
        try:
            encoded = self.reset_hash_file.read_text("ascii").strip()
        except OSError:
            return False
        return code is not None and verify_password(code, encoded)
