"""A modem's self-test: an SMS to its own number, timed until it comes back as received.

``SelfTests.start`` sends a short text with a random token (never an OTP) to the modem's
own MSISDN on that modem, and listens on the two-way bus for an ``InboundSms`` on the same
modem holding the token. The result (sent at, arrived at, round trip, or "not back after N
s") is kept in memory per modem for the admin; nothing of it is written to disk.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from otpbroker.domain.message_life import InboundSms
from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.services.two_way_bus import TwoWayBus

log = logging.getLogger(__name__)

TEXT = "OTP Broker self-test {token}"
WAIT_SECONDS = 120.0
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class SelfTestError(ValueError):
    """The test cannot start (no known number, one already running); nothing was sent."""


def new_token() -> str:
    """Five random characters, easy to read back (no 0/O, 1/I)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(5))


@dataclass(frozen=True)
class SelfTestResult:
    """One test of one modem: ``state`` is waiting, back, not-back or failed."""

    modem_id: str
    token: str
    number: str
    """The number it was sent to, masked."""
    started_at: float
    wait_seconds: float
    state: str = "waiting"
    sent_at: float | None = None
    arrived_at: float | None = None
    error: str = ""

    @property
    def round_trip(self) -> float | None:
        """Seconds from sent to back, when it came back."""
        if self.sent_at is None or self.arrived_at is None:
            return None
        return max(0.0, self.arrived_at - self.sent_at)

    def summary(self) -> str:
        """One line for the admin and ``modem-check``."""
        if self.state == "back":
            return f"back after {self.round_trip:.1f} s (token {self.token})"
        if self.state == "not-back":
            return f"not back after {self.wait_seconds:g} s (token {self.token})"
        if self.state == "failed":
            return f"not sent: {self.error}"
        return f"waiting for token {self.token} (up to {self.wait_seconds:g} s)"


Send = Callable[[str, str, str], None]
"""``send(modem_id, number, text)``: sends on that modem; raises when it was not sent."""


class SelfTests:
    """Runs self-tests and keeps each modem's last result in memory."""

    def __init__(
        self,
        bus: TwoWayBus,
        send: Send,
        own_number: Callable[[str], str | None],
        *,
        wait_seconds: float = WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = new_token,
    ) -> None:
        """``own_number(modem_id)``: the SIM's MSISDN when known, else None."""
        self._send, self._own_number = send, own_number
        self._wait, self._clock, self._token = wait_seconds, clock, token
        self._lock = threading.Lock()
        self._results: dict[str, SelfTestResult] = {}
        self._done: dict[str, threading.Event] = {}
        bus.subscribe_inbound(self._on_inbound)

    def start(
        self, modem_id: str, number: str | None = None, wait_seconds: float | None = None
    ) -> SelfTestResult:
        """Send the test SMS on ``modem_id`` (to ``number``, default its own) in the
        background and wait ``wait_seconds`` (default the service's) for it to come back;
        ``SelfTestError`` when no number is known or a test is running."""
        target = number or self._own_number(modem_id)
        if not target:
            raise SelfTestError(
                f"modem {modem_id}: its own number (MSISDN) is not known; set the MSISDN on "
                "the modem's page (or the SIM's AT+CNUM entry) and test again"
            )
        with self._lock:
            current = self._results.get(modem_id)
            if current is not None and current.state == "waiting":
                raise SelfTestError(f"modem {modem_id}: a self-test is already waiting")
            result = SelfTestResult(
                modem_id, self._token(), mask_msisdn(target), self._clock(),
                self._wait if wait_seconds is None else wait_seconds,
            )  # fmt: skip
            self._results[modem_id] = result
            self._done[modem_id] = done = threading.Event()
        threading.Thread(
            target=self._run, args=(result, target, done), name=f"self-test-{modem_id}",
            daemon=True,
        ).start()  # fmt: skip
        return result

    def _run(self, result: SelfTestResult, number: str, done: threading.Event) -> None:
        text = TEXT.format(token=result.token)
        try:
            self._send(result.modem_id, number, text)
        except Exception as exc:  # refused or failed: reported, never raised further
            self._update(result, state="failed", error=str(exc) or type(exc).__name__)
            done.set()
            return
        self._update(result, sent_at=self._clock())
        if not done.wait(result.wait_seconds):
            self._update(result, state="not-back")
            log.info("modem %s: self-test not back after %g s", result.modem_id,
                     result.wait_seconds)  # fmt: skip
        done.set()

    def _update(self, result: SelfTestResult, **changes: object) -> None:
        with self._lock:
            current = self._results.get(result.modem_id)
            if current is None or current.token != result.token or current.state != "waiting":
                return
            self._results[result.modem_id] = replace(current, **changes)  # type: ignore[arg-type]

    def _on_inbound(self, sms: InboundSms) -> None:
        """A received SMS (the bus's thread): the waiting test of that modem it answers."""
        with self._lock:
            current = self._results.get(sms.modem_id)
            if current is None or current.state != "waiting" or current.token not in sms.text:
                return
            arrived = self._clock()
            sent = current.sent_at if current.sent_at is not None else arrived
            self._results[sms.modem_id] = replace(
                current, state="back", arrived_at=arrived, sent_at=sent
            )
            done = self._done.get(sms.modem_id)
        if done is not None:
            done.set()

    def result(self, modem_id: str) -> SelfTestResult | None:
        """The modem's last test, or None."""
        with self._lock:
            return self._results.get(modem_id)

    def wait(self, modem_id: str, timeout: float) -> SelfTestResult | None:
        """Wait until the modem's running test ends (or ``timeout``); its result."""
        with self._lock:
            done = self._done.get(modem_id)
        if done is not None:
            done.wait(timeout)
        return self.result(modem_id)


__all__ = ["TEXT", "WAIT_SECONDS", "SelfTestError", "SelfTestResult", "SelfTests", "new_token"]
