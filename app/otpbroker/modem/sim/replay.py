"""A field report replayed as an emulated modem on a real pseudo-terminal.

``otp-broker modem-sim --replay REPORT``: the modem answers what the report recorded
(``replay_answers.py`` has the matching rule) and records the SMS it accepts in a delivery
log, like a :class:`~otpbroker.modem.sim.device.SimModem`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path
from types import TracebackType

from otpbroker.domain.field_report import MAX_BYTES, Report, ReportError, loads

from . import links
from .deliveries import Delivery, DeliveryLog
from .replay_answers import ReplayAnswers
from .session import Session

log = logging.getLogger(__name__)


def load_report(path: str | Path) -> Report:
    """The report in ``path``; ``ReportError`` with the reason when it cannot be replayed."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ReportError(f"cannot read the report {path}: {exc.strerror or exc}") from None
    try:
        return loads(data)
    except ReportError as exc:
        raise ReportError(f"{path}: {exc}") from None


def report_imei(report: Report) -> str:
    """The (anonymised) IMEI the report's ``AT+CGSN`` answered, or fifteen zeros."""
    for step in report.steps:
        if step.command.upper() == "AT+CGSN" and step.final == "OK":
            for line in step.lines:
                found = re.search(r"\d{14,17}", line)
                if found:
                    return found.group(0)
    return "0" * 15


class ReplayModem:
    """A modem that answers as a report recorded, behind a real pty slave path."""

    def __init__(
        self,
        report: Report,
        *,
        scale: float = 1.0,
        link_dir: str | Path | None = None,
        log: DeliveryLog | None = None,
        name: str | None = None,
    ) -> None:
        """Replay ``report`` with its timings multiplied by ``scale`` (0: at once); ``name``
        names its link (``<link_dir>/replay-<name>``; default: its IMEI)."""
        self.report = report
        self.imei = report_imei(report)
        self.name = name or self.imei
        self.answers = ReplayAnswers(report, scale=scale, name=f"replay {self.imei}")
        self.log = log if log is not None else DeliveryLog()
        self.link_dir = Path(link_dir) if link_dir is not None else None
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._slave: int | None = None
        self._path: str | None = None

    @property
    def path(self) -> str | None:
        """The pty slave path (None while stopped)."""
        return self._path

    @property
    def link(self) -> Path | None:
        """The stable symlink (None without ``link_dir``)."""
        return None if self.link_dir is None else self.link_dir / f"replay-{self.name}"

    @property
    def port(self) -> str:
        """What a client opens: the link if any, else the pty path."""
        if self.link is not None:
            return str(self.link)
        if self._path is None:
            raise RuntimeError("the replayed modem is not started")
        return self._path

    @property
    def model(self) -> str:
        """The model the report names."""
        return str(self.report.modem.get("model", "unknown"))

    def start(self) -> ReplayModem:
        """Open the pty and answer."""
        with self._lock:
            if self._session is not None:
                return self
            session, self._slave, self._path = Session.open()
            self._session = session
            if self.link is not None:
                links.point(self.link, self._path)
            session.thread = threading.Thread(
                target=session.serve,
                args=(lambda data: self._handle(data, session), lambda: self._due(session)),
                name=f"modem-replay-{self.imei}",
                daemon=True,
            )
            session.thread.start()
        log.info("replayed modem %s (%s) at %s", self.imei, self.model, self._path)
        return self

    def stop(self) -> None:
        """Close the pty and remove the link."""
        with self._lock:
            session, self._session = self._session, None
            if session is None:
                return
            session.close()
            if self._slave is not None:
                os.close(self._slave)
            self._slave = self._path = None
            if self.link is not None:
                links.remove(self.link)

    def __enter__(self) -> ReplayModem:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving it."""
        self.stop()

    def _handle(self, data: bytes, session: Session) -> None:
        received_at = time.perf_counter()
        try:
            out, taken = self.answers.feed(data)
            for item in taken:
                self.log.add_part(self.imei, item.part, item.reference, item.pdu, received_at)
            for write in out:
                if write.later:
                    session.add_later(write.delay, write.data)
                    continue
                if write.delay > 0:
                    session.pause(write.delay, lambda: self._due(session))
                session.write(write.data, self.imei)
        except Exception:
            log.exception("replayed modem %s: error while answering", self.imei)

    def _due(self, session: Session) -> None:
        for data in session.due(time.monotonic()):
            session.write(data, self.imei)

    @property
    def deliveries(self) -> list[Delivery]:
        """The messages this modem accepted."""
        return self.log.for_modem(self.imei)

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Wait until ``count`` messages were accepted (``TimeoutError`` otherwise)."""
        return self.log.wait_for(count, timeout, modem=self.imei)


__all__ = ["ReplayModem", "ReportError", "load_report", "report_imei"]
