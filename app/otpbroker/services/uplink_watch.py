"""Routing follows the link: mobile internet as a standby for Ethernet.

Every ``internet.check_interval_seconds`` the watcher reads which devices hold a default
route. In ``standby`` mode it brings mobile internet up (the first modem with internet
access, through the same ``InternetLinks`` the admin's Connect uses) once Ethernet has
been without a default route for ``internet.failover_after_seconds``, and down once
Ethernet's route has been back for ``internet.failback_after_seconds``; a route that comes
and goes within those times changes nothing. After each switch the DDNS updater is asked
to check the public address at once and the feeders drop their connections and reconnect
over the new route. In ``always`` mode
it only reports what it sees.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from otpbroker.domain.ports import Settings

log = logging.getLogger(__name__)

ETHERNET = "ethernet"
MOBILE = "mobile"


class DefaultRoutes(Protocol):
    """Reads the devices that hold a default route now (``system.default_route``)."""

    def devices(self) -> list[str]:
        """Names of the devices with a default route; OSError when unreadable."""
        ...


class StandbyLink(Protocol):
    """Brings mobile internet up and down (``InternetLinks``)."""

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Start the modem's link."""
        ...

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Stop the modem's link."""
        ...


class StandbyModems(Protocol):
    """The modems that may carry the internet (``InternetModems``)."""

    def with_internet(self) -> list[dict[str, Any]]:
        """The modems with internet access."""
        ...


def is_mobile_device(name: str) -> bool:
    """True for a mobile link's device (``ppp0``, ``ppp1``, ...)."""
    return name.startswith("ppp")


@dataclass
class UplinkState:
    """What the watcher last saw and did (shown on the Internet page and in ``/metrics``)."""

    mode: str = "always"
    active: str = ETHERNET  # the link the watcher keeps up: ethernet or mobile
    ethernet_route: bool = False
    mobile_route: bool = False
    last_switch: str = ""  # e.g. "to mobile at 2026-01-01T00:00:00+00:00"
    error: str = ""
    checked_at: str = ""


def _stamp(wall: Callable[[], float]) -> str:
    return datetime.fromtimestamp(wall(), UTC).isoformat(timespec="seconds")


class UplinkWatch:
    """The standby state machine (``tick``) and its thread (``start``/``stop``)."""

    def __init__(
        self,
        settings: Settings,
        routes: DefaultRoutes,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        is_mobile: Callable[[str], bool] = is_mobile_device,
    ) -> None:
        """``clock`` measures the hysteresis; ``wall`` stamps the switches."""
        self._settings = settings
        self._routes = routes
        self._clock = clock
        self._wall = wall
        self._is_mobile = is_mobile
        self._links: StandbyLink | None = None
        self._modems: StandbyModems | None = None
        self._after_switch: list[Callable[[], None]] = []
        self._state = UplinkState()
        self._since: float | None = None  # when the condition for a switch began
        self._record: dict[str, Any] | None = None  # the modem brought up
        self._looked = False  # whether standby has looked at the links since it began
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def connect(
        self, links: StandbyLink, modems: StandbyModems, *after_switch: Callable[[], None]
    ) -> None:
        """Join the mobile link control, the modems, and what runs after each switch."""
        self._links = links
        self._modems = modems
        self._after_switch = list(after_switch)

    def state(self) -> UplinkState:
        """A copy of the last state."""
        with self._lock:
            return UplinkState(**vars(self._state))

    def _seconds(self, key: str, default: float) -> float:
        value = self._settings.get(key)
        return float(value) if isinstance(value, int | float) else default

    # --- one check --------------------------------------------------------------------

    def tick(self) -> None:
        """Read the default routes once and switch when a hysteresis time has passed."""
        mode = str(self._settings.get("internet.mode") or "always")
        try:
            devices = self._routes.devices()
        except OSError as exc:
            self._note_error(f"default routes unreadable: {exc}")
            return
        ethernet = any(not self._is_mobile(name) for name in devices)
        with self._lock:
            state = self._state
            state.mode, state.checked_at = mode, _stamp(self._wall)
            state.ethernet_route = ethernet
            state.mobile_route = any(self._is_mobile(name) for name in devices)
            if mode != "standby":
                self._since, self._looked = None, False
                return
            if not self._looked:  # a mobile link up when standby begins is taken as its own
                self._looked = True
                if state.mobile_route and state.active == ETHERNET:
                    state.active = MOBILE
                    self._record = self._first_modem()
            wanted = MOBILE if (state.active == ETHERNET and not ethernet) else None
            if state.active == MOBILE and ethernet:
                wanted = ETHERNET
            if wanted is None:
                self._since = None
                return
            if self._since is None:
                self._since = self._clock()
            if wanted == MOBILE:
                wait = self._seconds("internet.failover_after_seconds", 30.0)
            else:
                wait = self._seconds("internet.failback_after_seconds", 60.0)
            if self._clock() - self._since < wait:
                return
        self._switch(wanted)

    def _switch(self, wanted: str) -> None:
        try:
            if wanted == MOBILE:
                self._bring_up()
            else:
                self._bring_down()
        except Exception as exc:  # the link control's message, shown and logged once
            with self._lock:
                self._since = self._clock()  # try again after another full wait
            self._note_error(f"switch to {wanted} failed: {exc}")
            return
        with self._lock:
            self._state.active = wanted
            self._state.last_switch = f"to {wanted} at {_stamp(self._wall)}"
            self._state.error = ""
            self._since = None
        log.warning("Uplink: switched to %s", wanted)
        for hook in self._after_switch:
            try:
                hook()
            except Exception:
                log.exception("Uplink: after-switch hook failed")

    def _first_modem(self) -> dict[str, Any] | None:
        modems = self._modems.with_internet() if self._modems is not None else []
        return modems[0] if modems else None

    def _bring_up(self) -> None:
        if self._links is None or self._modems is None:
            raise RuntimeError("mobile internet is not available here")
        record = self._first_modem()
        if record is None:
            raise RuntimeError("no modem has internet access turned on")
        self._links.connect(record)
        self._record = record

    def _bring_down(self) -> None:
        if self._links is not None and self._record is not None:
            self._links.disconnect(self._record)
        self._record = None

    def _note_error(self, message: str) -> None:
        with self._lock:
            repeated = self._state.error == message
            self._state.error = message
        if not repeated:
            log.error("Uplink: %s", message)

    # --- the thread -------------------------------------------------------------------

    def start(self) -> None:
        """Check on the interval in a thread of its own."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="uplink-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop checking (a link brought up stays up)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("Uplink check failed")
            self._stop.wait(max(0.1, self._seconds("internet.check_interval_seconds", 10.0)))


__all__ = ["ETHERNET", "MOBILE", "DefaultRoutes", "UplinkState", "UplinkWatch"]
