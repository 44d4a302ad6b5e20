"""One emulated modem on a real pseudo-terminal: the pty, its thread, faults, unplug/replug."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import math
import os
import random
import select
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from . import links, ptyio
from .deliveries import Delivery, DeliveryLog
from .dialogue import Dialogue
from .profile import ModemProfile
from .steps import Later, Pause, Sent, Step, Write

log = logging.getLogger(__name__)

WRITE_PATIENCE = 0.5
"""Seconds a write waits for a full pty buffer (nobody reading) before dropping the rest."""


@dataclass
class _Session:
    """One plugged-in period: its fds, thread and timers (only its thread touches timers)."""

    master: int
    wake_r: int
    wake_w: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    later: list[tuple[float, int, bytes]] = field(default_factory=list)
    next_urc: float = math.inf

    def next_deadline(self) -> float:
        """When the next timer (scheduled line or random URC) is due."""
        return min(self.later[0][0], self.next_urc) if self.later else self.next_urc


class SimModem:
    """A GSM modem (and the handsets it sends to) behind a real pty slave path.

    The emulator keeps its own slave fd open, so a client may close and reopen the port.
    With ``link_dir`` a symlink ``<link_dir>/<imei>`` follows the current pty across replugs.
    With ``profile.data_port`` a second port (:attr:`data_port`, link ``<imei>-data``) is
    plugged and unplugged with this one and shares its SIM and call state, like the separate
    data and AT ports of a USB stick: SMS goes on through this port during a data call there.
    """

    def __init__(
        self,
        profile: ModemProfile | None = None,
        *,
        link_dir: str | Path | None = None,
        log: DeliveryLog | None = None,
        deliveries_path: str | Path | None = None,
        main: SimModem | None = None,
    ) -> None:
        """A modem for ``profile`` (not started); ``log`` may be shared between modems.

        ``main`` makes this the extra data port of that modem (used by the modem itself)."""
        self.profile = profile or ModemProfile()
        self.log = log if log is not None else DeliveryLog(deliveries_path)
        self.dialogue = Dialogue(self.profile)
        self.link_dir = Path(link_dir) if link_dir is not None else None
        seed = self.profile.seed
        self._noise = random.Random(None if seed is None else seed + 1)
        self._lock = threading.RLock()  # the dialogue
        self._write_lock = threading.Lock()  # every pty write, and the fds
        self._plug_lock = threading.RLock()  # plug / unplug / replug / stop
        self._counter = itertools.count()
        self._session: _Session | None = None
        self._slave: int | None = None
        self._path: str | None = None
        self._link_suffix = "" if main is None else "-data"
        self._main = main
        self.data_port: SimModem | None = None
        """The second port when ``profile.data_port`` is set."""
        if main is not None:
            self.dialogue.state = main.dialogue.state
            self._lock = main._lock  # one lock for the dialogues sharing that state
        elif self.profile.data_port:
            self.data_port = SimModem(self.profile, link_dir=link_dir, log=self.log, main=self)

    def __repr__(self) -> str:
        """Identity and current port."""
        return f"SimModem(imei={self.imei!r}, path={self._path!r})"

    # ---- identity and ports -------------------------------------------------------------

    @property
    def imei(self) -> str:
        """The modem's IMEI (also the name of its stable link)."""
        return self.profile.imei

    @property
    def path(self) -> str | None:
        """The current pty slave path, ``None`` while unplugged."""
        return self._path

    @property
    def link(self) -> Path | None:
        """The stable symlink path (``None`` without ``link_dir``)."""
        if self.link_dir is None:
            return None
        return self.link_dir / f"{self.imei}{self._link_suffix}"

    @property
    def port(self) -> str:
        """What a client should open: the stable link if any, else the pty path."""
        if self.link is not None:
            return str(self.link)
        if self._path is None:
            raise RuntimeError("modem is unplugged")
        return self._path

    @property
    def plugged(self) -> bool:
        """True while the pty exists."""
        return self._session is not None

    # ---- life cycle ----------------------------------------------------------------------

    def start(self) -> SimModem:
        """Create the pty and start answering (no-op when already plugged)."""
        with self._plug_lock:
            if self._session is None:
                self._plug()
        return self

    def stop(self) -> None:
        """Stop answering, close the pty and remove the link."""
        self.unplug()

    def __enter__(self) -> SimModem:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving it."""
        self.stop()

    def unplug(self) -> None:
        """Like pulling the USB stick: the pty vanishes (client I/O fails), link removed."""
        with self._plug_lock:
            session = self._session
            if session is None:
                return
            self._session = None
            session.stop.set()
            with contextlib.suppress(OSError):
                os.write(session.wake_w, b"x")
            if session.thread is not None and session.thread is not threading.current_thread():
                session.thread.join(5)
            with self._write_lock:
                for fd in (session.master, self._slave, session.wake_r, session.wake_w):
                    if fd is not None:
                        with contextlib.suppress(OSError):
                            os.close(fd)
                self._slave = None
                self._path = None
            if self.link is not None:
                links.remove(self.link)
            log.info("modem %s unplugged", self.imei)
        if self.data_port is not None:
            self.data_port.unplug()

    def replug(self) -> str:
        """Power cycle on a new pty (the path may differ); returns the new path."""
        with self._plug_lock:
            self.unplug()
            with self._lock:
                self.dialogue.power_on()
            if self.data_port is not None:
                with self.data_port._lock:
                    self.data_port.dialogue.power_on()
                    self.data_port.dialogue.state = self.dialogue.state
            self._plug()
            assert self._path is not None
            return self._path

    def _plug(self) -> None:
        master, slave, path = ptyio.open_pty()
        wake_r, wake_w = os.pipe()
        session = _Session(master, wake_r, wake_w, next_urc=self._next_urc())
        with self._write_lock:
            self._slave = slave
            self._path = path
        self._session = session
        if self.link is not None:
            links.point(self.link, path)
        session.thread = threading.Thread(
            target=self._run, args=(session,), name=f"modem-sim-{self.imei}", daemon=True
        )
        session.thread.start()
        log.info("modem %s plugged in at %s", self.imei, path)
        if self.data_port is not None:
            self.data_port.start()

    # ---- faults --------------------------------------------------------------------------

    def inject(self, kind: str, **params: Any) -> None:
        """Arm a fault: ``cms-error`` (code, count), ``wedge``, ``unwedge``, ``garbage``
        (count), ``slow-prompt`` (seconds), ``no-result`` (deliver). ``ValueError`` if unknown."""
        with self._lock:
            now = self.dialogue.inject(kind, **params)
        if now:
            self._write(now)

    def clear_faults(self) -> None:
        """Disarm every fault (a wedged modem answers again)."""
        with self._lock:
            self.dialogue.clear_faults()

    # ---- deliveries ----------------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        """The messages this modem delivered."""
        return self.log.for_modem(self.imei)

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Wait until this modem delivered ``count`` messages (``TimeoutError`` otherwise)."""
        return self.log.wait_for(count, timeout, modem=self.imei)

    # ---- the thread ----------------------------------------------------------------------

    def _next_urc(self) -> float:
        interval = self.profile.urc_interval
        if not interval or interval <= 0:
            return math.inf
        return time.monotonic() + self._noise.expovariate(1.0 / interval)

    def _run(self, session: _Session) -> None:
        while not session.stop.is_set():
            deadline = session.next_deadline()
            timeout = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            try:
                ready, _, _ = select.select([session.master, session.wake_r], [], [], timeout)
            except (OSError, ValueError):
                break
            if session.stop.is_set():
                break
            if session.master in ready:
                try:
                    data = os.read(session.master, 4096)
                except BlockingIOError:
                    data = b""
                except OSError:
                    session.stop.wait(0.05)
                    data = b""
                if data:
                    self._handle(data, session)
            self._timers(session)

    def _handle(self, data: bytes, session: _Session) -> None:
        received_at = time.perf_counter()  # a PDU completed by ``data`` arrived now
        try:
            with self._lock:
                steps = self.dialogue.feed(data)
            self._execute(steps, session, received_at)
            for port in self._ports():
                port._check_carrier()
        except Exception:
            log.exception("modem %s: error while answering", self.imei)

    # ---- data calls ----------------------------------------------------------------------

    def _ports(self) -> list[SimModem]:
        main = self._main or self
        return [main] + ([main.data_port] if main.data_port is not None else [])

    def _check_carrier(self) -> None:
        with self._lock:
            lost = self.dialogue.carrier_lost()
        if lost:
            self._write(lost)

    def hang_up(self) -> None:
        """The network ends the data call: a port in data mode answers ``NO CARRIER``."""
        with self._lock:
            self.dialogue.state.in_call = False
        for port in self._ports():
            port._check_carrier()

    def _execute(self, steps: list[Step], session: _Session, received_at: float) -> None:
        for step in steps:
            if session.stop.is_set():
                return
            if isinstance(step, Write):
                if not self.dialogue.faults.wedged:
                    self._write(step.data)
            elif isinstance(step, Pause):
                self._pause(step.seconds, session)
            elif isinstance(step, Later):
                due = time.monotonic() + step.seconds
                heapq.heappush(session.later, (due, next(self._counter), step.data))
            elif isinstance(step, Sent):
                self.log.add_part(self.imei, step.part, step.message_ref, step.pdu, received_at)

    def _pause(self, seconds: float, session: _Session) -> None:
        """Busy for ``seconds`` (input waits), still sending timed unsolicited lines."""
        end = time.monotonic() + seconds
        while not session.stop.is_set():
            now = time.monotonic()
            if now >= end:
                return
            session.stop.wait(max(0.0, min(end, session.next_deadline()) - now))
            self._timers(session)

    def _timers(self, session: _Session) -> None:
        now = time.monotonic()
        while session.later and session.later[0][0] <= now:
            _, _, data = heapq.heappop(session.later)
            if not self.dialogue.faults.wedged:
                self._write(data)
        if session.next_urc <= now:
            with self._lock:
                line = self.dialogue.unsolicited()
            if line:
                self._write(line)
            session.next_urc = self._next_urc()

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            session = self._session
            if session is None or session.stop.is_set():
                return
            dropped = ptyio.write_all(session.master, data, WRITE_PATIENCE)
        if dropped:
            log.debug("modem %s: nobody reads, %d bytes dropped", self.imei, dropped)
