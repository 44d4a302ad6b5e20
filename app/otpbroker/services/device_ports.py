"""What the admin asks of the device itself, as small ports the adapters implement: its
first-run setup code, its running modems, its serial ports, the server's readings and its
printable card.

Each is one object with a method or two; the composition root hands the admin the adapter
(the factory secrets, the modem pool, the serial port scan, the system readings, the
brochure), and a test hands it a fake.
"""

from __future__ import annotations

from typing import Any, Protocol


class SetupCodeCheck(Protocol):
    """Checks the device's first-run setup code."""

    def check(self, typed: str) -> bool:
        """True for the right code."""
        ...


class ModemControl(Protocol):
    """Live modem operations for the admin."""

    def statuses(self) -> list[Any]:
        """Status snapshots of the running modems (``ModemStatus``)."""
        ...

    def ussd(self, modem_id: str, code: str, timeout: float = 60.0) -> str:
        """Run a USSD code and return the decoded reply."""
        ...


class SerialPorts(Protocol):
    """The serial ports a modem may be on (stable by-id links first)."""

    def serial_ports(self) -> list[dict[str, str]]:
        """Each port as ``{"path", "label"}``; none when nothing can be read."""
        ...


class ServerReadings(Protocol):
    """The machine's readings for the home page (load, memory, disk, addresses, ...)."""

    def server_status(self) -> dict[str, Any]:
        """Everything the home page shows about the machine, in one dict."""
        ...


class BrochureSource(Protocol):
    """The printable device card (built by the factory layer)."""

    @property
    def css(self) -> str:
        """The card's style sheet."""
        ...

    def language(self) -> str:
        """The device's language (``en`` or ``id``), ``""`` until the owner chose one."""
        ...

    def fragment(self, language: str | None = None) -> str:
        """The card as an HTML fragment in ``language`` (the device's), every value escaped."""
        ...

    def png(self, language: str | None = None) -> bytes:
        """The card as an A6 PNG at 300 dpi, in ``language`` (the device's)."""
        ...


__all__ = ["BrochureSource", "ModemControl", "SerialPorts", "ServerReadings", "SetupCodeCheck"]
