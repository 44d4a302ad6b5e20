"""The device's sealing key pair: X25519 private keys in private files of the data directory.

``<data-dir>/factory/sealing-key`` holds the current private key, ``sealing-key.previous``
the one it replaced at the last rotation (base64, mode 0600, the data directory's owner).
The public key is derived, never stored. Made at first boot with the other factory secrets,
or by the first process that needs it. Files are read at every use, so a rotation by
``otp-broker sealing-key rotate`` applies to the running service at once.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from otpbroker.config.storage import FileLock
from otpbroker.crypto.sealed_box import (
    ALGORITHM,
    KEY_BYTES,
    new_private_key,
    open_sealed,
    public_key_of,
)
from otpbroker.factory.private_files import write_private

log = logging.getLogger(__name__)

CURRENT_NAME = "sealing-key"
PREVIOUS_NAME = "sealing-key.previous"
LOCK_NAME = ".sealing-key.lock"


class SealingKeyFiles:
    """Creates, rotates and uses the key pair kept in ``<data-dir>/factory/``."""

    algorithm = ALGORITHM

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / "factory"
        self.current_file = self.folder / CURRENT_NAME
        self.previous_file = self.folder / PREVIOUS_NAME
        self._lock = FileLock(self.data_dir / LOCK_NAME)  # between processes
        self._threads = threading.Lock()  # FileLock leaves threads to the caller

    def ensure(self) -> bool:
        """Make the pair when missing; True when it was made now."""
        if self.current_file.exists():
            return False
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._locked():
            if self.current_file.exists():  # made by another process meanwhile
                return False
            self._write(self.current_file, new_private_key())
            log.debug("sealing: made the device's key pair")
            return True

    def public_key(self) -> bytes:
        """The current public key."""
        self.ensure()
        return public_key_of(self._read(self.current_file))

    def rotate(self) -> bytes:
        """The current private key becomes the previous one (the one before is deleted), a
        new one becomes current; returns the new public key."""
        self.ensure()
        with self._locked():
            self._write(self.previous_file, self._read(self.current_file))
            fresh = new_private_key()
            self._write(self.current_file, fresh)
        log.info("sealing: key pair rotated; the previous private key still opens")
        return public_key_of(fresh)

    def open(self, box: bytes) -> bytes | None:
        """The message in ``box``, opened with the current key, else the previous one."""
        self.ensure()
        for key in self._private_keys():
            message = open_sealed(box, key)
            if message is not None:
                return message
        return None

    def _private_keys(self) -> list[bytes]:
        keys = [self._read(self.current_file)]
        with contextlib.suppress(FileNotFoundError):
            keys.append(self._read(self.previous_file))
        return keys

    def _read(self, path: Path) -> bytes:
        text = path.read_text("ascii").strip()
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise ValueError(f"{path}: not a sealing key")  # the path only, never the content
        return key

    def _write(self, path: Path, key: bytes) -> None:
        write_private(path, base64.b64encode(key).decode("ascii") + "\n", self.data_dir)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._threads:
            self._lock.acquire()
            try:
                yield
            finally:
                self._lock.release()


__all__ = ["SealingKeyFiles"]
