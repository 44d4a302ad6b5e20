"""Serial transport: the only module that imports pyserial.

It opens the port, reads whatever bytes are there without blocking and writes
whole buffers. Every pyserial or OS failure is turned into ``TransportError``
so the layers above never see a library-specific exception.
"""

from __future__ import annotations

import contextlib
import select
from dataclasses import dataclass

import serial

PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}
STOP_BITS = {1: serial.STOPBITS_ONE, 2: serial.STOPBITS_TWO}
DATA_BITS = {7: serial.SEVENBITS, 8: serial.EIGHTBITS}


class TransportError(OSError):
    """The port could not be opened, or vanished while in use."""


@dataclass(frozen=True)
class SerialSettings:
    """How to open one serial port."""

    port: str
    baudrate: int = 115200
    parity: str = "N"
    data_bits: int = 8
    stop_bits: int = 1
    rtscts: bool = False


class SerialTransport:
    """A serial port opened exclusively, read without blocking."""

    def __init__(self, settings: SerialSettings) -> None:
        self.settings = settings
        self._port: serial.Serial | None = None

    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        return self._port is not None

    def open(self) -> None:
        """Open the port (exclusive lock) and discard stale input."""
        s = self.settings
        try:
            port = serial.Serial(
                port=s.port,
                baudrate=s.baudrate,
                parity=PARITIES[s.parity],
                bytesize=DATA_BITS[s.data_bits],
                stopbits=STOP_BITS[s.stop_bits],
                rtscts=s.rtscts,
                timeout=0,
                write_timeout=5,
                exclusive=True,
            )
            port.reset_input_buffer()
        except (serial.SerialException, OSError, ValueError, KeyError) as exc:
            raise TransportError(f"cannot open {s.port}: {exc}") from exc
        self._port = port

    def close(self) -> None:
        """Close the port; never raises."""
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def _require(self) -> serial.Serial:
        if self._port is None:
            raise TransportError(f"{self.settings.port} is not open")
        return self._port

    def fileno(self) -> int:
        """The OS file descriptor, for select()."""
        return self._require().fileno()

    def wait_readable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for input; True when some is there."""
        try:
            ready, _, _ = select.select([self.fileno()], [], [], max(0.0, timeout))
        except (OSError, ValueError) as exc:
            raise TransportError(f"{self.settings.port}: {exc}") from exc
        return bool(ready)

    def read_available(self) -> bytes:
        """Return the bytes waiting now (possibly none); raise if the port is gone."""
        port = self._require()
        try:
            waiting = port.in_waiting
            if waiting:
                return bytes(port.read(waiting))
            ready, _, _ = select.select([port.fileno()], [], [], 0)
            return bytes(port.read(1)) if ready else b""
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"{self.settings.port} vanished: {exc}") from exc

    def write(self, data: bytes) -> None:
        """Write all of ``data``."""
        port = self._require()
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"{self.settings.port} write failed: {exc}") from exc
