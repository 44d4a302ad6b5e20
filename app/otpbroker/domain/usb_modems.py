"""USB modems found on the device: what the discovery adapter reports, and the USB controls.

Two ports live here: :class:`ModemDiscovery` (walks the USB devices and says which are
modems, which port carries AT commands, which are in CD-ROM or HiLink mode) and
:class:`UsbControl` (re-enumerate a device, switch a CD-ROM-mode stick to modem mode; done
as root by the privileged helper). A USB device is named by its kernel path such as
``1-1.2`` (bus 1, port 1 of the root hub, then port 2 of the hub behind it).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol

from otpbroker.domain.errors import DomainError

# bus-port[.port...]: 1-127 per number, at most 7 hub tiers (the USB limit); never ``..``,
# never an interface (``1-1.2:1.0``), never a root hub (``usb1``).
USB_PATH = re.compile(r"[1-9][0-9]{0,2}-[1-9][0-9]{0,2}(?:\.[1-9][0-9]{0,2}){0,6}")

KINDS = ("modem", "bridge", "cdrom", "hilink", "unknown")
"""``modem``: a known modem with its AT port; ``bridge``: a USB-serial adapter (a modem may
be behind it); ``cdrom``: a modem still in storage mode; ``hilink``: a router-on-a-stick
with no AT port; ``unknown``: serial ports but no AT port known (yet)."""


class UsbControlError(DomainError):
    """A USB operation was refused or failed; the message says precisely why."""

    code = "usb_control_failed"


def check_usb_path(text: str) -> str:
    """``text`` when it is a USB device path like ``1-1.2``; UsbControlError otherwise."""
    if not isinstance(text, str) or USB_PATH.fullmatch(text) is None:
        shown = repr(text)[:40]
        raise UsbControlError(
            f"{shown} is not a USB device path (expected bus-port[.port...], e.g. 1-1.2)",
            reason="bad_usb_path",
        )
    return text


@dataclass(frozen=True)
class UsbPort:
    """One interface of a USB device and what it is for.

    ``role``: at, at-secondary, modem, diag, gps, audio, net, storage, data or unknown.
    ``device`` is the kernel node (``/dev/ttyUSB2``; empty for non-serial interfaces),
    ``link`` its stable ``/dev/serial/by-id`` link (empty when udev made none), ``target``
    the real path both lead to, ``netdev`` the network interface name of a net interface.
    """

    interface: int
    role: str
    driver: str = ""
    device: str = ""
    link: str = ""
    netdev: str = ""
    target: str = ""

    @property
    def path(self) -> str:
        """What to configure: the by-id link when there is one, else the kernel node."""
        return self.link or self.device


@dataclass(frozen=True)
class ProbedIdentity:
    """What the modem said about itself (``AT+CGMI``, ``AT+CGMM``, ``AT+CGSN``)."""

    manufacturer: str = ""
    model: str = ""
    imei: str = ""

    @property
    def name(self) -> str:
        """``Quectel EC25``; an all-lower-case maker (``huawei``) gets a capital."""
        maker = self.manufacturer
        if maker.islower():
            maker = maker.capitalize()
        return " ".join(part for part in (maker, self.model) if part)


@dataclass(frozen=True)
class DetectedModem:
    """A USB device that is, or may be, a modem.

    ``at_source``: ``table`` (known vendor:product), ``class`` (the interface class says
    so), ``single`` (an adapter's only port), ``probe`` (it answered ``AT``) or empty.
    ``answered``: True/False once asked with ``AT``, None when not asked.
    """

    usb_path: str
    vendor_id: str
    product_id: str
    family: str
    kind: str
    manufacturer: str = ""
    product: str = ""
    serial: str = ""
    at_port: str = ""
    at_source: str = ""
    answered: bool | None = None
    ports: tuple[UsbPort, ...] = ()
    identity: ProbedIdentity | None = None
    note: str = ""
    web_ui: str = ""

    @property
    def vid_pid(self) -> str:
        """``2c7c:0125``."""
        return f"{self.vendor_id}:{self.product_id}"

    def names_port(self, port: str) -> bool:
        """True when ``port`` (a configured path) is one of this device's serial ports."""
        names = (name for p in self.ports if p.device for name in (p.link, p.device, p.target))
        return bool(port) and port in names


@dataclass(frozen=True)
class DiscoveryResult:
    """Every detected device, and the sysfs entries that could not be read."""

    modems: tuple[DetectedModem, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)


class ModemDiscovery(Protocol):
    """Finds the USB modems plugged in now (the modem adapter implements it)."""

    def detect(self, probe: bool = True, exclude: Collection[str] = ()) -> DiscoveryResult:
        """The detected devices; with ``probe``, ports are asked with ``AT`` (bounded by a
        short time-out) and AT ports for their identity. Ports named in ``exclude`` (paths
        configured modems use) are never opened. Never raises for an unreadable entry."""
        ...


class UsbControl(Protocol):
    """Privileged operations on one USB device; each raises UsbControlError with the reason."""

    def reset(self, usb_path: str) -> None:
        """Re-enumerate the device at ``usb_path`` (its ports go away and come back)."""
        ...

    def switch_mode(self, usb_path: str) -> None:
        """Switch a CD-ROM-mode stick to modem mode (usb_modeswitch and the system's data)."""
        ...
