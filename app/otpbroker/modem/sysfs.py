"""Read the USB devices and their interfaces from sysfs, defensively.

``<root>/bus/usb/devices`` holds one entry per USB device (``1-1.2``: bus 1, port 1, then
port 2 of the hub behind it) and one per interface (``1-1.2:1.3``: configuration 1,
interface 3). A device entry has ``idVendor``, ``idProduct``, the ``manufacturer`` /
``product`` / ``serial`` strings and ``busnum`` / ``devnum``; an interface entry has
``bInterfaceNumber``, its class triple, a ``driver`` link, and children for what the driver
made: ``ttyUSB2`` (usb-serial), ``tty/ttyACM0`` (CDC ACM), ``net/wwan0``.

Nothing read here can raise out of :func:`read_usb_devices`: an entry that cannot be read
(permission refused, gone meanwhile, a directory where a file belongs, a broken link, bytes
that are not text) is skipped, logged with its path and the reason, and reported back.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from otpbroker.domain.usb_modems import USB_PATH as DEVICE_NAME

log = logging.getLogger(__name__)

INTERFACE_NAME = re.compile(r"(?P<device>[0-9.-]+):[0-9]{1,3}\.[0-9]{1,3}")
TTY_NAME = re.compile(r"tty(?:USB|ACM)[0-9]{1,4}")
NET_NAME = re.compile(r"[A-Za-z0-9_.-]{1,15}")
HEX4 = re.compile(r"[0-9a-f]{4}")
HEX2 = re.compile(r"[0-9a-f]{2}")
MAX_ATTRIBUTE = 4096
CLASS_ATTRIBUTES = ("bInterfaceClass", "bInterfaceSubClass", "bInterfaceProtocol")


class Unreadable(Exception):
    """One sysfs entry could not be read; str() names the path and the reason."""


@dataclass(frozen=True)
class UsbInterfaceInfo:
    """One interface: number, class triple (hex), driver, and the ttys and netdevs it has."""

    name: str
    number: int
    klass: str = ""
    subclass: str = ""
    protocol: str = ""
    driver: str = ""
    ttys: tuple[str, ...] = ()
    nets: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsbDeviceInfo:
    """One USB device as sysfs shows it."""

    name: str
    vendor_id: str
    product_id: str
    manufacturer: str = ""
    product: str = ""
    serial: str = ""
    busnum: int | None = None
    devnum: int | None = None
    interfaces: tuple[UsbInterfaceInfo, ...] = ()


def read_attribute(path: str, pattern: re.Pattern[str] | None = None) -> str | None:
    """The text of one sysfs attribute; None when it does not exist; Unreadable otherwise."""
    if not os.path.lexists(path):
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ATTRIBUTE + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_ATTRIBUTE:
        raise Unreadable(f"{path} is longer than {MAX_ATTRIBUTE} bytes")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Unreadable(f"{path} is not text: {data[:24]!r}") from None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise Unreadable(f"{path} holds control characters: {text[:24]!r}")
    if pattern is not None and pattern.fullmatch(text) is None:
        raise Unreadable(f"{path} holds {text[:24]!r}, not the expected {pattern.pattern}")
    return text


def _listing(path: str) -> list[str]:
    """Names in directory ``path`` (none when it does not exist); Unreadable otherwise."""
    if not os.path.lexists(path):
        return []
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        raise Unreadable(f"cannot list {path}: {exc.strerror or exc}") from None


class _Problems:
    """Collects what was skipped, logging each once (``quiet``: at debug level)."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.items: list[str] = []
        self._level = logging.DEBUG if quiet else logging.WARNING

    def add(self, what: str, error: Unreadable) -> None:
        message = f"{what} skipped: {error}"
        log.log(self._level, "USB discovery: %s", message)
        self.items.append(message)


def _optional(path: str, what: str, problems: _Problems, pattern: re.Pattern[str] | None = None
              ) -> str:  # fmt: skip
    try:
        return read_attribute(path, pattern) or ""
    except Unreadable as error:
        problems.add(what, error)
        return ""


def _driver(path: str) -> str:
    link = os.path.join(path, "driver")
    if not os.path.lexists(link):
        return ""
    try:
        return os.path.basename(os.readlink(link))
    except OSError as exc:
        raise Unreadable(f"{link} is not a driver link: {exc.strerror or exc}") from None


def _children(path: str, pattern: re.Pattern[str], *subdirs: str) -> tuple[str, ...]:
    found: list[str] = []
    for sub in ("", *subdirs):
        found.extend(n for n in _listing(os.path.join(path, sub)) if pattern.fullmatch(n))
    return tuple(sorted(set(found)))


def _require_directory(path: str) -> None:
    if not os.path.isdir(path):
        state = "a broken link" if os.path.islink(path) else "not a directory"
        raise Unreadable(f"{path} is {state}")


def _interface(path: str, name: str, problems: _Problems) -> UsbInterfaceInfo | None:
    try:
        _require_directory(path)
        number = read_attribute(os.path.join(path, "bInterfaceNumber"), HEX2)
        if number is None:
            raise Unreadable(f"{path} has no bInterfaceNumber")
        klass, subclass, protocol = [
            _optional(os.path.join(path, attr), f"USB interface {name}", problems, HEX2)
            for attr in CLASS_ATTRIBUTES
        ]
        driver = _driver(path)
        ttys = _children(path, TTY_NAME, "tty")
        nets = tuple(n for n in _listing(os.path.join(path, "net")) if NET_NAME.fullmatch(n))
    except Unreadable as error:
        problems.add(f"USB interface {name}", error)
        return None
    return UsbInterfaceInfo(name, int(number, 16), klass, subclass, protocol, driver, ttys, nets)


def _number(path: str, what: str, problems: _Problems) -> int | None:
    text = _optional(path, what, problems, re.compile(r"[0-9]{1,3}"))
    return int(text) if text else None


def _device(base: str, name: str, interfaces: list[str], problems: _Problems
            ) -> UsbDeviceInfo | None:  # fmt: skip
    path = os.path.join(base, name)
    what = f"USB device {name}"
    try:
        _require_directory(path)
        vendor = read_attribute(os.path.join(path, "idVendor"), HEX4)
        product = read_attribute(os.path.join(path, "idProduct"), HEX4)
        if vendor is None or product is None:
            raise Unreadable(f"{path} has no idVendor/idProduct (it may have just gone away)")
    except Unreadable as error:
        problems.add(what, error)
        return None
    manufacturer, product_name, serial = [
        _optional(os.path.join(path, attr), what, problems)
        for attr in ("manufacturer", "product", "serial")
    ]
    busnum = _number(os.path.join(path, "busnum"), what, problems)
    devnum = _number(os.path.join(path, "devnum"), what, problems)
    found = [_interface(os.path.join(base, i), i, problems) for i in interfaces]
    return UsbDeviceInfo(name, vendor, product, manufacturer, product_name, serial, busnum,
                         devnum, tuple(i for i in found if i is not None))  # fmt: skip


def read_usb_devices(root: str = "/sys") -> tuple[list[UsbDeviceInfo], list[str]]:
    """Every readable USB device under ``root`` and the problems met (never raises)."""
    problems = _Problems()
    base = os.path.join(root, "bus", "usb", "devices")
    try:
        names = _listing(base)
    except Unreadable as error:
        problems.add("the USB device list", error)
        return [], problems.items
    interfaces: dict[str, list[str]] = {}
    for name in names:
        match = INTERFACE_NAME.fullmatch(name)
        if match:
            interfaces.setdefault(match.group("device"), []).append(name)
    devices = []
    for name in names:
        if DEVICE_NAME.fullmatch(name):
            device = _device(base, name, interfaces.get(name, []), problems)
            if device is not None:
                devices.append(device)
    return devices, problems.items


def read_usb_device(usb_path: str, root: str = "/sys") -> UsbDeviceInfo | None:
    """The one USB device at ``usb_path`` (``1-1.2``) with its interfaces, or None when it
    is not there or cannot be read (never raises).

    Reads only ``<root>/bus/usb/devices/<usb_path>`` and its interface folders, so it can be
    asked again and again while a device comes back from a reset; what cannot be read is
    logged at debug level only (a device half way through enumeration often is)."""
    if DEVICE_NAME.fullmatch(usb_path) is None:
        return None
    base = os.path.join(root, "bus", "usb", "devices")
    path = os.path.join(base, usb_path)
    if not os.path.isdir(path):
        return None
    problems = _Problems(quiet=True)
    try:
        children = _listing(path)  # its interfaces are folders in its own folder
    except Unreadable as error:
        problems.add(f"USB device {usb_path}", error)
        return None
    interfaces = [name for name in children if _interface_of(name) == usb_path]
    return _device(base, usb_path, interfaces, problems)


def _interface_of(name: str) -> str | None:
    """The device an interface entry (``1-1.2:1.3``) belongs to; None for other names."""
    match = INTERFACE_NAME.fullmatch(name)
    return match.group("device") if match else None


def usb_path_of(port: str, root: str = "/sys") -> str | None:
    """The USB device path (``1-1.2``) of a serial port such as a by-id link, for a USB reset;
    None when the port is not a USB tty or sysfs does not say.

    ``<root>/class/tty/<ttyUSBn>/device`` leads into the interface directory
    (``.../1-1.2/1-1.2:1.2/ttyUSB2`` for usb-serial, ``.../1-1.2/1-1.2:1.0`` for CDC ACM).
    """
    name = os.path.basename(os.path.realpath(port))
    if TTY_NAME.fullmatch(name) is None:
        return None
    device = os.path.realpath(os.path.join(root, "class", "tty", name, "device"))
    for part in reversed(device.split(os.sep)):
        match = INTERFACE_NAME.fullmatch(part)
        if match is not None and DEVICE_NAME.fullmatch(match.group("device")):
            return match.group("device")
    return None


__all__ = [
    "Unreadable",
    "UsbDeviceInfo",
    "UsbInterfaceInfo",
    "read_attribute",
    "read_usb_device",
    "read_usb_devices",
    "usb_path_of",
]
