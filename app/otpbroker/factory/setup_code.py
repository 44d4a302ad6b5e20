"""The setup code that guards the creation of the first administrator.

The clear setup code goes to ``<data-dir>/factory/setup-code`` (mode 0600; printed on the
brochure); the web process checks what the owner types against its salted hash,
``<data-dir>/factory/setup-code.hash``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from otpbroker.config.storage import FileLock
from otpbroker.domain.password_hash import hash_password, verify_password
from otpbroker.factory.private_files import write_private

LOCK_NAME = ".factory.lock"  # in the data directory, for every factory secret
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is typed from paper


def random_text(length: int, alphabet: str = ALPHABET) -> str:
    """``length`` characters drawn uniformly from ``alphabet`` by the system's CSPRNG."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def normalise_code(code: str) -> str:
    """Upper case, without spaces and dashes (people type it as they like)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class SetupCode:
    """The per-device code that guards the creation of the first administrator."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.folder = Path(data_dir) / "factory"
        self.code_file = self.folder / "setup-code"
        self.hash_file = self.folder / "setup-code.hash"
        # Every process creating factory secrets takes it (re-entrant: FactorySecrets shares it).
        self.creation_lock = FileLock(Path(data_dir) / LOCK_NAME)

    def ensure(self) -> bool:
        """Create the code once (never replaced afterwards); True when it was created now."""
        if self.hash_file.exists():
            return False
        self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.creation_lock.acquire()
        try:
            if self.hash_file.exists():  # made by another process meanwhile
                return False
            raw = random_text(16)
            code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
            write_private(self.code_file, code + "\n")
            write_private(self.hash_file, hash_password(normalise_code(code)) + "\n")
            return True
        finally:
            self.creation_lock.release()

    def read(self) -> str:
        """The clear code (for the brochure and ``otp-broker setup-code``)."""
        return self.code_file.read_text("ascii").strip()

    def check(self, typed: str) -> bool:
        """True when ``typed`` is the device's code (case, spaces and dashes ignored)."""
        try:
            encoded = self.hash_file.read_text("ascii").strip()
        except OSError:
            return False
        return bool(typed) and verify_password(normalise_code(typed), encoded)
