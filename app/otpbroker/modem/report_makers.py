"""Where a field report's script runs: on a serial port opened for it (``modem-check``), or
on a running modem's own thread with its port lent (the admin's button, through the pool).

Both implement ``domain.ports.ModemReports``.
"""

from __future__ import annotations

from typing import Any

from otpbroker.domain.field_report import Report, ReportError, ReportRequest
from otpbroker.modem.field_reports import anonymise, record, usb_layout
from otpbroker.modem.pool import ModemPool
from otpbroker.modem.transport import SerialSettings, SerialTransport, TransportError


def _made(transport: Any, request: ReportRequest) -> Report:
    """Run the script on an open transport and anonymise what it saw."""
    try:
        recording = record(transport, request)
    except TransportError as exc:
        raise ReportError(f"the modem's port failed during the report: {exc}") from None
    return anonymise(recording, request, usb_layout(transport.settings.port))


class SerialPortReports:
    """Reports of the modem on a serial port (given by path) nobody else holds."""

    def __init__(self, baudrate: int = 115200) -> None:
        """Open ports at ``baudrate``."""
        self.baudrate = baudrate

    def make_report(self, target: str, request: ReportRequest) -> Report:
        """The report of the modem on port ``target``."""
        transport = SerialTransport(SerialSettings(port=target, baudrate=self.baudrate))
        try:
            transport.open()
        except TransportError as exc:
            raise ReportError(str(exc)) from None
        try:
            return _made(transport, request)
        finally:
            transport.close()


class PoolReports:
    """Reports of the pool's running modems (given by id), made on their own threads."""

    def __init__(self, pool: ModemPool, timeout: float = 300.0) -> None:
        """``timeout``: seconds the whole script may take, queue included."""
        self._pool = pool
        self._timeout = timeout

    def make_report(self, target: str, request: ReportRequest) -> Report:
        """The report of running modem ``target``."""
        try:
            made = self._pool.with_port(target, lambda port: _made(port, request), self._timeout)
        except LookupError as exc:
            raise ReportError(str(exc)) from None
        except TimeoutError:
            raise ReportError(f"modem {target}: the report took over {self._timeout:g} s") from None
        assert isinstance(made, Report)
        return made


__all__ = ["PoolReports", "SerialPortReports"]
