"""The order of a graceful stop: refuse new work, give back what was not started, let the
sends on the air finish within the bound, then close everything.

1. ``Shutdown.begin()``: the REST API answers ``1112`` and ``SmsService`` accepts nothing.
2. The parts that would change the broker meanwhile stop (``quiet``: the configuration
   watcher, hot-plug, alert mail).
3. The modems take no new send: sends waiting for a modem, or queued on one, end at once
   unsent (``1112``); each modem's send on the air goes on.
4. The feeders stop taking messages and settle theirs, all at once and beside step 5: what
   was given back (``1112``) is requeued or left unacknowledged, what has an outcome is
   acknowledged.
5. The sends on the air get ``sms.stop_timeout_seconds`` (``bound``) to finish; a send
   still unanswered then ends ``unknown`` (``1103``, in the send ledger: never resent).
6. The rest closes (``close``): the listeners (every REST client has its answer by now),
   the modems' ports, the files.

A ``hurry()`` (a second stop request) makes it the minimum safe stop: the sends on the air
get at most ``HURRY_SECONDS`` more, then end ``unknown``; the feeders settle only what is
decided and wait for nothing else. Nothing is ever sent twice: what may have gone out is in
the send ledger before the stop ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from otpbroker.domain.ports import Settings
from otpbroker.services.shutdown import Shutdown

log = logging.getLogger(__name__)

HURRY_SECONDS = 3.0
"""In a hurried stop, the longest further wait for a send on the air."""
SETTLE_SECONDS = 2.0
"""After the sends' bound, how long the feeders may take to settle the outcomes."""
POLL_SECONDS = 0.2
"""How often a wait looks whether the stop was hurried."""
STOP_MARGIN_SECONDS = 15.0
"""Beyond the wait for the sends on the air: the feeders, the front and the ports closing."""


def stop_bound(settings: Settings) -> float:
    """Longest a graceful stop may take, in seconds: the wait for the sends on the air
    (``sms.stop_timeout_seconds``) plus ``STOP_MARGIN_SECONDS``."""
    return float(settings.get("sms.stop_timeout_seconds")) + STOP_MARGIN_SECONDS


class Sends(Protocol):
    """The modems' sends, as a stop sees them (``ModemPool``)."""

    def finish_sends(self) -> None:
        """Start no send any more; the unstarted ones end unsent."""
        ...

    def wait_sends(self, timeout: float) -> bool:
        """Wait until no send is on the air; True when none is."""
        ...

    def give_up_sends(self) -> int:
        """End the waits for the sends still on the air (``unknown``); how many."""
        ...


class Feeders(Protocol):
    """The feeders, as a stop sees them (``FeederManager``)."""

    def stop(self, drain: float | None = None) -> None:
        """Stop them all, waiting up to ``drain`` seconds for messages in progress."""
        ...

    def hurry(self) -> None:
        """Shorten their stop."""
        ...


Step = Callable[[], None]


class GracefulStop:
    """Runs the stop in its order (see the module docstring)."""

    def __init__(
        self, shutdown: Shutdown, sends: Sends, feeders: Feeders, settings: Settings
    ) -> None:
        """``settings``: ``sms.stop_timeout_seconds``, the seconds the sends on the air get."""
        self._shutdown = shutdown
        self._sends = sends
        self._feeders = feeders
        self._settings = settings
        self._told_hurry = False

    def run(self, quiet: Sequence[Step], close: Sequence[Step]) -> None:
        """Stop: ``quiet`` before the sends are finished, ``close`` after."""
        self._shutdown.begin()
        bound = float(self._settings.get("sms.stop_timeout_seconds"))
        started = time.monotonic()
        _each(quiet)
        self._sends.finish_sends()
        feeders = threading.Thread(
            target=self._feeders.stop, args=(bound + SETTLE_SECONDS,), name="stop-feeders",
            daemon=True,
        )  # fmt: skip
        feeders.start()
        self._wait_sends(started + bound)
        while feeders.is_alive():
            feeders.join(POLL_SECONDS)
            self._hurry_if_asked()
        _each(close)
        log.info("stopped in %.1f s", time.monotonic() - started)

    def _wait_sends(self, deadline: float) -> None:
        """Wait for the sends on the air until ``deadline`` (sooner when hurried), then
        give up on those still unanswered."""
        while (left := deadline - time.monotonic()) > 0:
            if self._sends.wait_sends(min(left, POLL_SECONDS)):
                return
            if self._hurry_if_asked():
                deadline = min(deadline, time.monotonic() + HURRY_SECONDS)
        unanswered = self._sends.give_up_sends()
        if unanswered:
            log.warning("stop: %d send(s) on the air had no answer at the stop's bound; their "
                        "outcome is unknown and they are never resent", unanswered)  # fmt: skip

    def _hurry_if_asked(self) -> bool:
        """Pass a ``hurry()`` on to the feeders (once); True the first time."""
        if self._told_hurry or not self._shutdown.hurried:
            return False
        self._told_hurry = True
        log.info("stop hurried: settling what is decided, waiting for nothing else")
        self._feeders.hurry()
        return True


def _each(steps: Sequence[Step]) -> None:
    """Run every step; one that fails is logged and the stop goes on."""
    for step in steps:
        try:
            step()
        except Exception:
            log.exception("stop: a step failed")


__all__ = ["HURRY_SECONDS", "SETTLE_SECONDS", "STOP_MARGIN_SECONDS", "GracefulStop", "stop_bound"]
