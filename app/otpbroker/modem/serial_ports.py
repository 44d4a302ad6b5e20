"""Serial ports a USB GSM modem may be on, found with the file system only (no pyserial).

udev names each USB serial interface twice: a stable link ``/dev/serial/by-id/usb-<vendor>_
<model>_<serial>-if<NN>-port0`` that survives replugging, and a kernel name
(``/dev/ttyUSB0``, ``/dev/ttyACM0``) that may change. The admin offers both, stable links
first, so the owner can pick the one that stays right.
"""

from __future__ import annotations

import glob
import os
import re

BY_ID_DIR = "/dev/serial/by-id"
DEV_DIR = "/dev"
DEVICE_PATTERNS = ("ttyUSB*", "ttyACM*")


def _natural(path: str) -> tuple[str, int, str]:
    """Sort ``ttyUSB2`` before ``ttyUSB10``."""
    name = os.path.basename(path)
    match = re.fullmatch(r"(.*?)([0-9]+)", name)
    if match is None:
        return (name, -1, path)
    return (match.group(1), int(match.group(2)), path)


def by_id_links(by_id_dir: str = BY_ID_DIR) -> list[tuple[str, str]]:
    """Every by-id link and the real device it leads to, sorted by name.

    Links whose device is gone are left out; an unreadable directory gives none.
    """
    try:
        names = sorted(os.listdir(by_id_dir))
    except OSError:
        return []
    found = []
    for name in names:
        link = os.path.join(by_id_dir, name)
        if os.path.islink(link) and os.path.exists(link):
            found.append((link, os.path.realpath(link)))
    return found


def detect_ports(by_id_dir: str = BY_ID_DIR, dev_dir: str = DEV_DIR) -> list[dict[str, str]]:
    """The serial ports present now, stable by-id links first, then kernel devices.

    Each entry has ``path`` (what to put in the modem's port field), ``target`` (the
    device it is, or points to), ``kind`` (``by-id`` or ``device``) and ``links`` (for a
    device: the by-id links pointing to it, comma separated; empty otherwise). Links whose
    device is gone are left out; unreadable directories give no entries, never an error.
    """
    ports: list[dict[str, str]] = []
    links_to: dict[str, list[str]] = {}
    for link, target in by_id_links(by_id_dir):
        ports.append({"path": link, "target": target, "kind": "by-id", "links": ""})
        links_to.setdefault(target, []).append(link)
    devices: set[str] = set()
    for pattern in DEVICE_PATTERNS:
        devices.update(glob.glob(os.path.join(glob.escape(dev_dir), pattern)))
    for device in sorted(devices, key=_natural):
        if os.path.isdir(device):
            continue
        target = os.path.realpath(device)
        links = links_to.get(target, [])
        ports.append(
            {"path": device, "target": target, "kind": "device", "links": ", ".join(links)}
        )
    return ports


__all__ = ["by_id_links", "detect_ports"]


class DevSerialPorts:
    """The serial ports under /dev a modem may be on (the admin's ``SerialPorts`` port)."""

    def serial_ports(self) -> list[dict[str, str]]:
        """Stable by-id links first, then the kernel names."""
        return detect_ports()
