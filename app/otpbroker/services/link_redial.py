"""Mobile internet links kept up: a link that drops, or a dial that fails, is redialled
with a back-off.

pppd runs without ``persist`` (``system.render_ppp``): when the link ends or an attempt
fails it exits, saying why in its log. ``LinkRedial`` stands in front of the internet
control (the same ``connect``/``disconnect``/``status``): a link connected through it is
*wanted*; while it is wanted, a check every ``check_seconds`` sees whether pppd still
runs, and once it has ended the link is dialled again after 10 s, 20 s, 40 s ... at most
5 minutes (``delays``). A link that stayed up ``stable_seconds`` starts the back-off
again from the first wait. Disconnect ends the wish (and the redials).

The check runs in a thread of its own while at least one link is wanted; ``tick()`` is
one check (the tests drive it with a fake clock). The status of a link gains ``wanted``,
``redials`` (since it was connected), ``since`` (epoch seconds of its last change, up or
down, as seen here) and ``next_redial_seconds`` (None when none is planned).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from otpbroker.services.internet_modems import InternetLinks

log = logging.getLogger(__name__)

REDIAL_DELAYS = (10.0, 20.0, 40.0, 80.0, 160.0, 300.0)
"""Waits before the 1st, 2nd, ... redial since the link was last stable (then the last)."""
STABLE_SECONDS = 300.0
"""A link up this long starts the back-off again from the first wait."""


@dataclass
class _Wanted:
    """One link kept up: its modem record and what the checks saw."""

    record: dict[str, Any]
    attempts: int = 0  # redials since the link was last stable
    redials: int = 0  # redials since it was connected
    up_since: float | None = None  # monotonic
    down_at: float | None = None  # monotonic: seen down (or redialled) at
    due: float | None = None  # monotonic: the next redial
    state: str = ""  # up, dialling or down: the last state seen
    since: float | None = None  # wall clock: when that state began


def _key(record: Mapping[str, Any]) -> str:
    return str(record.get("id") or "")


def _state(status: Mapping[str, Any]) -> str:
    if status.get("up"):
        return "up"
    return "dialling" if status.get("pid") is not None else "down"


class LinkRedial:
    """The internet control with redial and back-off (an ``InternetLinks`` itself)."""

    def __init__(
        self,
        links: InternetLinks,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        delays: tuple[float, ...] = REDIAL_DELAYS,
        stable_seconds: float = STABLE_SECONDS,
        check_seconds: float = 2.0,
    ) -> None:
        self._links = links
        self._clock, self._wall = clock, wall
        self._delays, self._stable, self._check = delays, stable_seconds, check_seconds
        self._wanted: dict[str, _Wanted] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def available(self) -> bool:
        """False off a device (no privileged helper)."""
        return self._links.available

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Start the link and keep it up from now on (raises like the control)."""
        status = self._links.connect(record)
        with self._lock:
            self._wanted[_key(record)] = _Wanted(dict(record))
        self._start()
        return self._with_redial(record, status)

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Stop keeping the link up, then stop it."""
        with self._lock:
            self._wanted.pop(_key(record), None)
        return self._links.disconnect(record)

    def status(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The control's status with ``wanted``, ``redials``, ``since`` and
        ``next_redial_seconds``."""
        return self._with_redial(record, self._links.status(record))

    def kept(self) -> list[dict[str, Any]]:
        """The links kept up, as last seen: ``id``, ``state`` (``up``, ``dialling``,
        ``down`` or ``""`` before the first check) and ``redials`` (for ``/metrics``)."""
        with self._lock:
            return [{"id": key, "state": link.state, "redials": link.redials}
                    for key, link in sorted(self._wanted.items())]  # fmt: skip

    def _with_redial(self, record: Mapping[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any]
        with self._lock:
            wanted = self._wanted.get(_key(record))
            if wanted is None:
                extra = {"wanted": False, "redials": 0, "since": None, "next_redial_seconds": None}
            else:
                left = None if wanted.due is None else max(0.0, wanted.due - self._clock())
                extra = {"wanted": True, "redials": wanted.redials, "since": wanted.since,
                         "next_redial_seconds": left}  # fmt: skip
        return {**status, **extra}

    # --- one check ----------------------------------------------------------------------

    def tick(self) -> None:
        """Look at every wanted link once; redial those whose wait is over."""
        with self._lock:
            wanted = list(self._wanted.values())
        for link in wanted:
            try:
                status = self._links.status(link.record)
            except Exception:  # an unreadable /sys: look again next time
                log.debug("link status unreadable", exc_info=True)
                continue
            if self._observe(link, _state(status)):
                self._redial(link, status.get("problem"))

    def _observe(self, link: _Wanted, state: str) -> bool:
        """Note ``state``; True when the link is down and its wait is over."""
        now = self._clock()
        with self._lock:
            if state != link.state:
                link.state, link.since = state, self._wall()
            if state != "up":
                link.up_since = None
            elif link.up_since is None:
                link.up_since = now
            elif now - link.up_since >= self._stable:
                link.attempts = 0  # stable: the next loss starts from the first wait
            if state != "down":
                link.due = link.down_at = None
                return False
            if link.due is None:
                start = now if link.down_at is None else link.down_at
                link.due = start + self._delays[min(link.attempts, len(self._delays) - 1)]
            return now >= link.due

    def _redial(self, link: _Wanted, problem: object) -> None:
        with self._lock:
            if self._wanted.get(_key(link.record)) is not link:
                return  # disconnected meanwhile
            link.attempts += 1
            link.redials += 1
            link.due, link.down_at = None, self._clock()  # the next wait counts from here
        name = link.record.get("name", _key(link.record))
        log.warning("Mobile internet %s is down (%s): redial %d", name,
                    problem or "pppd ended", link.redials)  # fmt: skip
        try:
            self._links.connect(link.record)
        except Exception as exc:  # e.g. the helper refused: tried again after the next wait
            log.error("Mobile internet %s: redial failed: %s", name, exc)

    # --- the thread ---------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="link-redial", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop checking (the links stay as they are)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._check):
            with self._lock:
                if not self._wanted:
                    self._thread = None
                    return  # started again by the next connect
            try:
                self.tick()
            except Exception:
                log.exception("Link redial check failed")


__all__ = ["REDIAL_DELAYS", "STABLE_SECONDS", "LinkRedial"]
