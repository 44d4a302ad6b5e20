"""What an emulated modem does on its session thread: answer what a client writes and write
the lines that fall due (later answers, start-up lines, unsolicited noise).

:class:`Answering` is a base class of :class:`~otpbroker.modem.sim.device.SimModem`, which
owns the state read here (profile, dialogue and its lock, delivery log, session) and the
life cycle (plug, unplug, reboot).
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable

from .data_link import DataLink, Network
from .deliveries import DeliveryLog
from .dialogue import Dialogue, Mode
from .profile import ModemProfile
from .session import Session
from .steps import Later, Pause, Reboot, Sent, Step, Write

log = logging.getLogger(__name__)


class Answering:
    """The session thread's side of an emulated modem (see the module docstring)."""

    profile: ModemProfile
    dialogue: Dialogue
    log: DeliveryLog
    data_port: Answering | None
    _lock: threading.RLock
    _noise: random.Random
    _session: Session | None
    _main: Answering | None
    _reboot: Callable[[], None]
    _network: Network | None = None
    _link: DataLink | None = None

    @property
    def imei(self) -> str:
        """The modem's IMEI (also the name of its stable link)."""
        return self.profile.imei

    def _ports(self) -> list[Answering]:
        """The ports of this device: the AT port, and its data port when it has one."""
        main = self._main or self
        return [main] + ([main.data_port] if main.data_port is not None else [])

    def _check_carrier(self) -> None:
        """Write ``NO CARRIER`` when this port's data call has ended."""
        with self._lock:
            lost = self.dialogue.carrier_lost()
        if lost:
            self._write(lost)
        self._follow_call()

    def _follow_call(self) -> None:
        """With a network plugged in (``data_link.py``): connect this port's data call to the
        operator side when it enters data mode, end that side when the call is over."""
        main = self._main or self
        if main._network is None:
            return
        ending: DataLink | None = None
        with self._lock:
            if self.dialogue.mode is Mode.DATA and self._link is None:
                self._link = main._network(self._from_operator, main.hang_up)
            elif not self.dialogue.state.in_call and self._link is not None:
                ending, self._link = self._link, None
        if ending is not None:
            ending.close()

    def _from_operator(self, data: bytes) -> None:
        """Bytes from the operator side reach the client while the port is in data mode."""
        if self.dialogue.mode is Mode.DATA:
            self._write(data)

    def hang_up(self) -> None:
        """The network ends the data call: a port in data mode answers ``NO CARRIER``."""
        with self._lock:
            self.dialogue.state.in_call = False
        for port in self._ports():
            port._check_carrier()

    def _next_urc(self) -> float:
        """When the next unsolicited line is due (never without ``urc_interval``)."""
        interval = self.profile.urc_interval
        if not interval or interval <= 0:
            return math.inf
        return time.monotonic() + self._noise.expovariate(1.0 / interval)

    def _handle(self, data: bytes, session: Session) -> None:
        """Feed what a client wrote to the dialogue and carry out its steps."""
        received_at = time.perf_counter()  # a PDU completed by ``data`` arrived now
        try:
            link = self._link
            if link is not None and self.dialogue.mode is Mode.DATA:
                link.send(data)
            with self._lock:
                steps = self.dialogue.feed(data)
            self._execute(steps, session, received_at)
            for port in self._ports():
                port._check_carrier()
        except Exception:
            log.exception("modem %s: error while answering", self.imei)

    def _execute(self, steps: list[Step], session: Session, received_at: float) -> None:
        """Write, pause, queue for later, record a delivery or reboot, step by step."""
        for step in steps:
            if session.stop.is_set():
                return
            if isinstance(step, Write):
                if not self.dialogue.faults.silent:
                    self._write(step.data)
            elif isinstance(step, Pause):
                session.pause(step.seconds, lambda: self._timers(session))
            elif isinstance(step, Later):
                session.add_later(step.seconds, step.data)
            elif isinstance(step, Sent):
                self.log.add_part(
                    self.imei,
                    step.part,
                    step.message_ref,
                    step.pdu,
                    received_at,
                    smsc_seconds=step.smsc_seconds,
                )
            elif isinstance(step, Reboot):
                main = self._main or self
                threading.Thread(
                    target=main._reboot, name=f"modem-sim-reboot-{self.imei}", daemon=True
                ).start()

    def _timers(self, session: Session) -> None:
        """Write the lines that are due and, when its time came, an unsolicited one."""
        for data in session.due(time.monotonic()):
            if not self.dialogue.faults.silent:
                session.write(data, self.imei)
        if session.next_urc <= time.monotonic():
            with self._lock:
                line = self.dialogue.unsolicited()
            if line:
                session.write(line, self.imei)
            session.next_urc = self._next_urc()

    def _write(self, data: bytes) -> None:
        """Write to the pty now (nothing while unplugged)."""
        session = self._session
        if session is not None:
            session.write(data, self.imei)
