"""The USB reset stick: ``/optb/reset.txt`` holding the reset code resets the device.

Run as root (udev -> ``otpb-reset-stick@.service`` -> ``otp-broker reset-stick DEVICE``).
The stick is mounted read-only; the file must be exactly ``optb/reset.txt`` in lower case
(directory entries are compared, no case-insensitive lookup), a small text file whose
content, surrounding whitespace ignored, is the reset code. The code is checked against the
stored salted hash only, and never logged. On a match: the ``wlan.*``, ``dhcp.*`` and
``ethernet.*`` settings return to their defaults, every administrator is deleted, and the
network is applied again. At most one reset happens per boot (a marker under ``/run``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from otpbroker.config import schema
from otpbroker.config.store import ConfigStore
from otpbroker.factory.device_secrets import FactorySecrets
from otpbroker.factory.stick_mount import mount_readonly

log = logging.getLogger(__name__)

FOLDER_NAME = "optb"
FILE_NAME = "reset.txt"
MAX_BYTES = 256
RESET_PREFIXES = ("wlan.", "dhcp.", "ethernet.")
MARKER = Path("/run/otpb-reset-stick/done")  # root only; /run is emptied at every boot
BOM = b"\xef\xbb\xbf"
TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}

Mount = Callable[[str], AbstractContextManager[Path]]


class StickFileError(ValueError):
    """The stick holds no usable reset file; the message says why (never the content)."""


@dataclass(frozen=True)
class ResetOutcome:
    """What the handler did: ``reset``, ``already-reset``, ``refused`` or ``failed``."""

    status: str
    detail: str

    @property
    def reset(self) -> bool:
        """True when the device was reset."""
        return self.status == "reset"


def network_keys() -> list[str]:
    """Every setting a reset returns to its default."""
    return [spec.key for spec in schema.SETTINGS if spec.key.startswith(RESET_PREFIXES)]


def _entry(folder: Path, name: str, *, directory: bool) -> Path:
    """The entry of ``folder`` named exactly ``name`` (no symlinks, right type)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name != name:
                continue
            if entry.is_symlink():
                raise StickFileError(f"{name} is a symbolic link")
            if directory and entry.is_dir(follow_symlinks=False):
                return Path(entry.path)
            if not directory and entry.is_file(follow_symlinks=False):
                return Path(entry.path)
            raise StickFileError(f"{name} is not a {'folder' if directory else 'file'}")
    others = [n for n in os.listdir(folder) if n.lower() == name]
    if others:
        raise StickFileError(f"found {others[0]!r}, but the name must be {name!r} in lower case")
    raise StickFileError(f"no {name!r} {'folder' if directory else 'file'}")


def read_reset_file(root: Path) -> str:
    """The text of ``<root>/optb/reset.txt`` (StickFileError when unusable)."""
    path = _entry(_entry(root, FOLDER_NAME, directory=True), FILE_NAME, directory=False)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise StickFileError(f"{FILE_NAME} is not a regular file")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise StickFileError(f"{FILE_NAME} is larger than {MAX_BYTES} bytes")
    data = data.removeprefix(BOM)
    if not set(data) <= TEXT_BYTES:
        raise StickFileError(f"{FILE_NAME} is not plain text")
    return data.decode("ascii")


class OncePerBoot:
    """A marker file (on the tmpfs ``/run``, so it is gone after a reboot) and a lock."""

    def __init__(self, marker: Path = MARKER) -> None:
        self.marker = marker

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise handlers (two sticks plugged at once)."""
        self.marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = self.marker.with_name(self.marker.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def done(self) -> bool:
        """True when a reset already happened in this boot."""
        return self.marker.exists()

    def mark(self) -> None:
        """Remember that a reset happened."""
        self.marker.write_text("reset done\n", "ascii")


class ResetStick:
    """Checks a plugged stick and resets the device when it holds the reset code."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        apply_network: Callable[[], None] | None = None,
        mount: Mount = mount_readonly,
        once: OncePerBoot | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.secrets = FactorySecrets(data_dir)
        self.apply_network = apply_network
        self.mount = mount
        self.once = once or OncePerBoot()

    def handle(self, device: str) -> ResetOutcome:
        """Check the stick in ``device``; reset on the right code. Logs the outcome."""
        with self.once.locked():
            outcome = self._handle(device)
        level = logging.INFO if outcome.reset else logging.WARNING
        log.log(level, "reset stick %s: %s: %s", device, outcome.status, outcome.detail)
        return outcome

    def _handle(self, device: str) -> ResetOutcome:
        if self.once.done():
            return ResetOutcome("already-reset", "the device was reset in this boot already; "
                                "reboot before using a reset stick again")  # fmt: skip
        try:
            with self.mount(device) as root:
                text = read_reset_file(root)
        except StickFileError as exc:
            return ResetOutcome("refused", f"nothing changed: {exc}")
        except (OSError, RuntimeError) as exc:
            return ResetOutcome("failed", f"nothing changed: {exc}")
        if not self.secrets.check_reset_code(text):
            return ResetOutcome("refused", f"nothing changed: {FILE_NAME} holds a wrong code")
        self.once.mark()
        return self._reset()

    def _reset(self) -> ResetOutcome:
        with ConfigStore(self.data_dir) as store:
            store.reset_many(network_keys())
            admins = store.list("admins")
            for admin in admins:
                store.delete("admins", str(admin["id"]))
        detail = (
            f"network settings restored to the factory values, {len(admins)} administrator(s) "
            "deleted"
        )
        if self.apply_network is None:
            return ResetOutcome("reset", detail + "; network not applied (no applier)")
        try:
            self.apply_network()
        except Exception as exc:  # the reset itself is done; say what did not work
            log.exception("applying the network after the reset failed")
            return ResetOutcome("reset", f"{detail}; applying the network failed: {exc}")
        return ResetOutcome("reset", detail + "; network applied")
