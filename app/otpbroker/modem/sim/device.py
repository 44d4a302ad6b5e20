"""One emulated modem on a real pseudo-terminal: plug, unplug, reboot, faults, conditions.

What its session thread does with what a client writes is in ``answering.py``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from . import links
from .answering import Answering
from .data_link import Network
from .deliveries import Delivery, DeliveryLog
from .dialogue import Dialogue
from .inbound import MemoryFull, arrive, deliver_parts
from .profile import ModemProfile
from .session import Session
from .store import StoredMessage

log = logging.getLogger(__name__)

REBOOT_GRACE = 0.2
"""Seconds between the ``OK`` of ``AT+CFUN=1,1`` and the modem going down."""


class SimModem(Answering):
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
        network: Network | None = None,
    ) -> None:
        """A modem for ``profile`` (not started); ``log`` may be shared between modems.

        ``main`` makes this the extra data port of that modem (used by the modem itself).
        ``network`` is the operator side of data calls (``data_link.py``; default: none,
        data-mode bytes are swallowed)."""
        self.profile = profile or ModemProfile()
        self.log = log if log is not None else DeliveryLog(deliveries_path)
        self.dialogue = Dialogue(self.profile)
        self.link_dir = Path(link_dir) if link_dir is not None else None
        self._network = network
        seed = self.profile.seed
        self._noise = random.Random(None if seed is None else seed + 1)
        self._lock = threading.RLock()  # the dialogue
        self._plug_lock = threading.RLock()  # plug / unplug / replug / reboot / stop
        self._stopped = False
        self._session: Session | None = None
        self._slave: int | None = None
        self._path: str | None = None
        self._link_suffix = "" if main is None else "-data"
        self._main = main
        self.data_port: SimModem | None = None
        """The second port when ``profile.data_port`` is set."""
        if main is not None:
            self._share(main)
            self._lock = main._lock  # one lock for the dialogues sharing that state
        elif self.profile.data_port:
            self.data_port = SimModem(self.profile, link_dir=link_dir, log=self.log, main=self)

    def _share(self, main: SimModem) -> None:
        """Use ``main``'s SIM, settings and network (a second port of one device)."""
        self.dialogue.card = main.dialogue.card
        self.dialogue.network = main.dialogue.network
        self.dialogue.state = main.dialogue.state

    def __repr__(self) -> str:
        """Identity and current port."""
        return f"SimModem(imei={self.imei!r}, path={self._path!r})"

    # ---- identity and ports -------------------------------------------------------------

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
            self._stopped = False
            if self._session is None:
                self._plug()
        return self

    def stop(self) -> None:
        """Stop answering, close the pty and remove the link (a reboot under way ends)."""
        with self._plug_lock:
            self._stopped = True
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
            session.close()
            link, self._link = self._link, None
            if link is not None:
                link.close()  # the stick is gone: so is its data call's operator side
            if self._slave is not None:
                with contextlib.suppress(OSError):
                    os.close(self._slave)
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
            self._power_on_ports()
            self._plug()
            assert self._path is not None
            return self._path

    def _plug(self) -> None:
        session, slave, path = Session.open()
        session.next_urc = self._next_urc()
        self._slave, self._path, self._session = slave, path, session
        self._schedule_startup(session)
        if self.link is not None:
            links.point(self.link, path)
        session.thread = threading.Thread(
            target=session.serve,
            args=(lambda data: self._handle(data, session), lambda: self._timers(session)),
            name=f"modem-sim-{self.imei}",
            daemon=True,
        )
        session.thread.start()
        log.info("modem %s plugged in at %s", self.imei, path)
        if self.data_port is not None:
            self.data_port.start()

    def _power_on_ports(self) -> None:
        with self._lock:
            self.dialogue.power_on()
            if self.data_port is not None:
                self.data_port.dialogue.power_on()
                self.data_port._share(self)

    def _schedule_startup(self, session: Session, extra: float = 0.0) -> None:
        """Queue the start-up lines of a power-on (only the AT port prints them)."""
        if self._main is not None:
            return
        with self._lock:
            lines = self.dialogue.startup_lines()
        if lines:
            session.add_later(self.profile.boot_delay + extra, self.dialogue.output.framed(lines))

    def _reboot(self) -> None:
        """``AT+CFUN=1,1``: a USB stick drops off the bus and comes back (maybe on another
        pty, the link follows); a UART module restarts on its port. Start-up lines follow."""
        time.sleep(REBOOT_GRACE)
        with self._plug_lock:
            session = self._session
            if self._stopped or session is None:
                return
            if not self.dialogue.persona.replugs_on_reset:
                session.drop_later()
                self._power_on_ports()
                self._schedule_startup(session, self.profile.reboot_time)
                return
            self.unplug()
        time.sleep(self.profile.reboot_time)
        with self._plug_lock:
            if self._stopped or self._session is not None:
                return
            self._power_on_ports()
            self._plug()

    # ---- network conditions ------------------------------------------------------------

    def set_conditions(self, conditions: str | list[str] | tuple[str, ...]) -> None:
        """Put the modem under network conditions (``"lte-no-sms,roaming"``); an empty
        value clears them. ``ValueError`` when this modem cannot be in them."""
        with self._lock:
            self.dialogue.set_conditions(conditions)
            if self.data_port is not None:
                self.data_port._share(self)

    @property
    def conditions(self) -> list[str]:
        """The conditions in force, as typed."""
        return self.dialogue.network.names()

    # ---- faults --------------------------------------------------------------------------

    def inject(self, kind: str, **params: Any) -> None:
        """Arm a fault: ``cms-error`` (code, count), ``wedge``, ``unwedge``, ``stuck`` (code),
        ``hang``, ``garbage`` (count), ``slow-prompt`` (seconds), ``no-result`` (deliver),
        ``pin-no-answer``, ``pin-error``. ``ValueError`` if unknown."""
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

    # ---- received SMS --------------------------------------------------------------------

    def receive_sms(
        self,
        sender: str,
        text: str,
        *,
        parts: Sequence[int] | None = None,
        when: datetime | None = None,
        reference: int = 0,
    ) -> None:
        """The network hands this modem an SMS from ``sender`` (split in parts like a real
        network; ``parts`` keeps only those sequence numbers): stored in the SIM and
        announced per ``AT+CNMI`` (``sim/inbound.py``). ``ValueError`` for bad input;
        ``MemoryFull`` (a ``ValueError``) when the memory is full: nothing announced."""
        main = self._main or self
        with self._lock:
            state = self.dialogue.state
            if not state.sim_ready:
                raise ValueError(f"the SIM is not ready ({state.sim.value}): no SMS reaches it")
            pdus = deliver_parts(sender, text, state.smsc, parts=parts, when=when,
                                 reference=reference)  # fmt: skip
            out, full = arrive(state, pdus)
        if out:
            main._write(out)
        if full is not None:
            raise full

    def store_pdu(self, pdu_hex: str, *, unread: bool = True) -> int:
        """Put a PDU (SMSC field first) straight into the received-messages memory, with no
        notice: as if it came while the modem was off. Any hex is taken (a broken PDU
        too); its index, or ``MemoryFull``."""
        with self._lock:
            state = self.dialogue.state
            message = StoredMessage(0, 0 if unread else 1, pdu_hex.upper())
            try:
                return state.card.store.add(state.cpms[2], message)
            except OverflowError:
                raise MemoryFull(f"memory {state.cpms[2]} is full") from None

    def stored_messages(self) -> int:
        """How many messages the received-messages memory holds."""
        with self._lock:
            state = self.dialogue.state
            return state.card.store.used(state.cpms[2])
