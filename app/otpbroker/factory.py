"""Per-device secrets made once, at first start: for now the setup code.

The clear setup code goes to ``<data-dir>/factory/setup-code`` (mode 0600; on the device it
is owned by root and printed on the brochure); the web process only ever reads its salted
hash, ``<data-dir>/factory/setup-code.hash``, to check what the owner types.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from otpbroker.domain.password_hash import hash_password, verify_password

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is typed from paper


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def normalise_code(code: str) -> str:
    """Upper case, without spaces and dashes (people type it as they like)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class SetupCode:
    """The per-device code that guards the creation of the first administrator."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.folder = Path(data_dir) / "factory"
        self.code_file = self.folder / "setup-code"
        self.hash_file = self.folder / "setup-code.hash"

    def ensure(self) -> None:
        """Create the code once (never replaced afterwards)."""
        if self.hash_file.exists():
            return
        raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        _write_private(self.code_file, code + "\n")
        _write_private(self.hash_file, hash_password(normalise_code(code)) + "\n")

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
