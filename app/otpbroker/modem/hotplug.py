"""Modem hot-plug: react to serial devices appearing and disappearing (udev ``tty`` events).

Without this the pool still finds a replugged modem, after its back-off. With it:

- a device appears whose stable path (``/dev/serial/by-id/...``, the configured ``port``) is a
  configured modem: that modem reconnects at once;
- a device appears that no modem names, while a modem with a known IMEI has lost its port: the
  device is asked for its IMEI (``AT+CGSN``); on a match the modem gets the new path (through
  the ``update_port`` callback, which stores it) and reconnects;
- a configured modem's device disappears: it is shown as unplugged at once.

A modem is never matched by its kernel name (``ttyUSB0``) alone: those are handed out in plug
order. Events come from an injectable source; the default one is a pyudev monitor. Where there
is no udev (a container), hot-plug says so once in the log and stays off.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyudev

from otpbroker.modem.probe import ask

log = logging.getLogger(__name__)

UDEV_RUNTIME = "/run/udev"
STABLE_LINK_DIRS = ("/dev/serial/by-id/", "/dev/serial/by-path/")
PLUG_TIMEOUT = 1.5  # seconds per ``AT`` try
PLUG_ATTEMPTS = 3


@dataclass(frozen=True)
class TtyEvent:
    """One serial device event: ``action`` "add" or "remove", its node and its udev links."""

    action: str
    node: str
    links: tuple[str, ...] = ()
    usb: bool = False  # on a USB bus (the only devices worth asking for an IMEI)


@dataclass(frozen=True)
class ModemRef:
    """What hot-plug needs to know of a configured modem."""

    modem_id: str
    port: str
    imei: str | None = None


class PoolControl(Protocol):
    """The two pool operations hot-plug uses."""

    def retry_now(self, modem_id: str) -> bool:
        """Reconnect this modem at once."""
        ...

    def mark_unplugged(self, modem_id: str) -> bool:
        """Show this modem as unplugged at once."""
        ...


EventSource = Callable[[threading.Event], Iterable[TtyEvent]]


def event_from_device(device: Any) -> TtyEvent | None:
    """A ``TtyEvent`` from a pyudev ``Device`` (None when it has no device node)."""
    node = device.device_node
    if not node:
        return None
    properties = device.properties
    usb = properties.get("ID_BUS") == "usb" or device.find_parent("usb") is not None
    return TtyEvent(device.action or "add", str(node), tuple(device.device_links), usb)


def udev_available(runtime: str = UDEV_RUNTIME) -> bool:
    """True when a udev daemon runs (its runtime directory exists)."""
    return os.path.isdir(runtime)


def udev_events(stop: threading.Event) -> Iterator[TtyEvent]:
    """``tty`` events from udev until ``stop`` is set."""
    monitor = pyudev.Monitor.from_netlink(pyudev.Context())
    monitor.filter_by(subsystem="tty")
    monitor.start()
    while not stop.is_set():
        device = monitor.poll(timeout=0.5)
        if device is not None:
            event = event_from_device(device)
            if event is not None:
                yield event


def probe_imei(port: str) -> str | None:
    """Ask the device at ``port`` for its IMEI (``AT+CGSN``); None when it does not answer.

    A freshly plugged modem may need a moment: ``AT`` is tried more patiently than by
    discovery."""
    answer = ask(port, identify=True, timeout=PLUG_TIMEOUT, attempts=PLUG_ATTEMPTS)
    if answer.identity is None or not answer.identity.imei:
        log.debug("no IMEI from %s: %s", port, answer.reason or "not given")
        return None
    return answer.identity.imei


def stable_path(event: TtyEvent) -> str:
    """The path to store for a device: its by-id link, else another link, else its node."""
    for folder in STABLE_LINK_DIRS:
        for link in event.links:
            if link.startswith(folder):
                return link
    return event.links[0] if event.links else event.node


def _names(port: str, event: TtyEvent) -> bool:
    """True when the configured ``port`` is this device by a stable name (never its node)."""
    if port in event.links:
        return True
    if port == event.node or not os.path.islink(port):
        return False
    return os.path.realpath(port) == os.path.realpath(event.node)


class HotPlug:
    """Turns device events into pool actions; runs its event source in a thread."""

    def __init__(
        self,
        pool: PoolControl,
        modems: Callable[[], Sequence[ModemRef]],
        update_port: Callable[[str, str], None],
        *,
        probe: Callable[[str], str | None] = probe_imei,
        source: EventSource | None = None,
        probe_all: bool = False,
    ) -> None:
        self._pool = pool
        self._modems = modems
        self._update_port = update_port
        self._probe = probe
        self._source = source
        self._probe_all = probe_all  # also ask non-USB devices (tests use ptys)
        self._nodes: dict[str, str] = {}  # modem id -> device node it was last seen at
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- events -----------------------------------------------------------------------------
    def handle(self, event: TtyEvent) -> list[str]:
        """Act on one event; returns what was done (for the log and tests)."""
        refs = list(self._modems())
        self._remember(refs)
        if event.action == "remove":
            return self._removed(event, refs)
        if event.action == "add":
            return self._added(event, refs)
        return []

    def _remember(self, refs: Sequence[ModemRef]) -> None:
        for ref in refs:
            if os.path.exists(ref.port):
                self._nodes[ref.modem_id] = os.path.realpath(ref.port)

    def _removed(self, event: TtyEvent, refs: Sequence[ModemRef]) -> list[str]:
        done = []
        node = os.path.realpath(event.node)
        for ref in refs:
            if ref.port in event.links or self._nodes.get(ref.modem_id) == node:
                self._nodes.pop(ref.modem_id, None)
                self._pool.mark_unplugged(ref.modem_id)
                log.info("modem %s unplugged (%s)", ref.modem_id, event.node)
                done.append(f"unplugged {ref.modem_id}")
        return done

    def _added(self, event: TtyEvent, refs: Sequence[ModemRef]) -> list[str]:
        named = [ref for ref in refs if _names(ref.port, event)]
        for ref in named:
            self._nodes[ref.modem_id] = os.path.realpath(event.node)
            self._pool.retry_now(ref.modem_id)
            log.info("modem %s plugged in at %s: reconnecting now", ref.modem_id, event.node)
        if named:
            return [f"retry {ref.modem_id}" for ref in named]
        lost = [ref for ref in refs if ref.imei and not os.path.exists(ref.port)]
        if not lost or not (event.usb or self._probe_all):
            return []
        path = stable_path(event)
        imei = self._probe(path)
        if imei is None:
            return []
        for ref in lost:
            if ref.imei == imei:
                log.info("modem %s (IMEI %s) is now at %s (was %s)", ref.modem_id, imei, path,
                         ref.port)  # fmt: skip
                self._update_port(ref.modem_id, path)
                self._nodes[ref.modem_id] = os.path.realpath(event.node)
                self._pool.retry_now(ref.modem_id)
                return [f"moved {ref.modem_id} to {path}"]
        return []

    # -- thread -----------------------------------------------------------------------------
    def start(self) -> bool:
        """Listen for events in a thread; False (logged once) when there is no event source."""
        source = self._source
        if source is None:
            if not udev_available():
                log.info("no udev here: modem hot-plug is off (modems still reconnect by retry)")
                return False
            source = udev_events
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(source,), name="modem-hotplug", daemon=True
        )
        self._thread.start()
        return True

    def _run(self, source: EventSource) -> None:
        try:
            for event in source(self._stop):
                if self._stop.is_set():
                    return
                try:
                    self.handle(event)
                except Exception:  # one bad event must not end hot-plug
                    log.exception("hot-plug event %s failed", event)
        except Exception:
            log.exception("modem hot-plug stopped: the event source failed")

    def stop(self) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
