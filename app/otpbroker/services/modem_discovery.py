"""Use case: which modems are plugged in, which of them are not configured yet, and the
USB action the owner may take on one (switch a CD-ROM-mode stick to modem mode).

The admin's modem pages and ``otp-broker modem-detect`` call this; it reaches the USB bus
only through the domain's ``ModemDiscovery`` and ``UsbControl`` ports. The ports of
configured modems are passed as ``exclude``: discovery never opens a port a running modem
worker owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.ports import Repository
from otpbroker.domain.usb_modems import (
    DetectedModem,
    ModemDiscovery,
    UsbControl,
    UsbControlError,
    check_usb_path,
)

NO_HELPER = "USB control is not available here (no privileged helper: not on a device)"


@dataclass(frozen=True)
class DetectedEntry:
    """A detected device and the names of the configured modems it already is."""

    modem: DetectedModem
    configured_as: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        """True when a configured modem uses one of its ports (or has its IMEI)."""
        return bool(self.configured_as)

    @property
    def can_add(self) -> bool:
        """True when it is a modem (or an adapter) with a known AT port, not configured yet."""
        return bool(self.modem.at_port) and not self.configured and self.modem.answered is not False

    def suggestion(self) -> dict[str, str]:
        """What the "add modem" form is prefilled with: name, AT port, IMEI."""
        identity = self.modem.identity
        name = identity.name if identity is not None and identity.name else self.modem.family
        imei = identity.imei if identity is not None else ""
        return {"name": name[:64], "port": self.modem.at_port, "imei": imei}


@dataclass(frozen=True)
class DiscoveryReport:
    """Everything detected now; ``problems`` lists sysfs entries that could not be read."""

    entries: tuple[DetectedEntry, ...]
    problems: tuple[str, ...]
    probed: bool

    @property
    def unconfigured(self) -> tuple[DetectedEntry, ...]:
        """The devices no configured modem uses yet."""
        return tuple(entry for entry in self.entries if not entry.configured)


def _configured_as(modem: DetectedModem, records: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    imei = modem.identity.imei if modem.identity is not None else ""
    names = []
    for record in records:
        ports = (str(record.get("port") or ""), str(record.get("data_port") or ""))
        same_imei = bool(imei) and str(record.get("imei") or "") == imei
        if same_imei or any(modem.names_port(port) for port in ports):
            names.append(str(record.get("name") or record.get("id")))
    return tuple(names)


def _configured_ports(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every port the configured modems name (SMS and data ports): never probed."""
    ports = (str(record.get(key) or "") for record in records for key in ("port", "data_port"))
    return [port for port in ports if port]


class ModemDiscoveryService:
    """Detect plugged-in modems; switch one to modem mode through the USB control port."""

    def __init__(self, discovery: ModemDiscovery, repo: Repository,
                 usb: UsbControl | None = None) -> None:  # fmt: skip
        self._discovery = discovery
        self._repo = repo
        self._usb = usb

    def report(self, probe: bool = True) -> DiscoveryReport:
        """What is plugged in now; with ``probe`` unknown ports are asked with ``AT`` and AT
        ports for their identity (bounded by short time-outs)."""
        records = self._repo.list("modems")
        result = self._discovery.detect(probe=probe, exclude=_configured_ports(records))
        entries = tuple(DetectedEntry(m, _configured_as(m, records)) for m in result.modems)
        return DiscoveryReport(entries, tuple(result.problems), probe)

    def _control(self) -> UsbControl:
        if self._usb is None:
            raise UsbControlError(NO_HELPER, reason="no_helper")
        return self._usb

    def switch_mode(self, usb_path: str) -> None:
        """Switch the CD-ROM-mode stick at ``usb_path`` to modem mode (UsbControlError)."""
        self._control().switch_mode(check_usb_path(usb_path))


__all__ = ["DetectedEntry", "DiscoveryReport", "ModemDiscoveryService"]
