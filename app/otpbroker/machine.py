"""How the broker reaches the machine it runs on (the composition root's one input besides
the data directory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from otpbroker.domain.usb_modems import ModemDiscovery, UsbControl
from otpbroker.modem.serial_ports import DevSerialPorts
from otpbroker.services.device_ports import SerialPorts, ServerReadings
from otpbroker.services.internet_modems import InternetLinks
from otpbroker.services.network_apply import NetworkApply


@dataclass(frozen=True)
class Machine:
    """How the broker reaches the machine; None: through the privileged helper (on a device)."""

    network: NetworkApply | None = None  # network and firewall files, applied by the helper
    # mobile internet, given what tells whether the pool still holds a modem's port
    internet: Callable[[Callable[[str], bool]], InternetLinks] | None = None
    usb_control: UsbControl | None = None  # USB reset and CD-ROM switch
    usb_discovery: ModemDiscovery | None = None  # plugged-in modems (sysfs and AT probes)
    serial_ports: SerialPorts = field(default_factory=DevSerialPorts)
    server: ServerReadings | None = None  # the home page's readings (of the data directory)


__all__ = ["Machine"]
