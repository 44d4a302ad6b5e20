"""What modem trouble means for routing and for the administrator.

Two sources feed it:

- ``failed``: a send ended with a classified error (``domain.send_errors``). A ``sim`` or
  ``configuration`` error puts that modem on *hold*: out of routing with the reason and
  what to do, and an alert. A hold ends when the administrator puts the modem back, when a
  test SMS on it goes through, or when its SIM changes (another IMSI after a reconnect).
- ``observe``: the gateway reports every modem's route whenever its status changes. A modem
  that is ``dead``, whose SIM is locked or missing raises an alert at once; one without an
  SMS path raises one when that lasts ``path_alert_after`` seconds (a modem searching for
  its network at start-up is not worth an e-mail). Each alert clears when its cause is gone.

Alert titles and advice are messages marked for the catalogues (shown in the reader's
language); so are the reasons a route gives in the device's own words (``alert_words``); others
(a recovery step, a modem error) stay as the modem layer words them (English).

``routes`` is the routing view the SMS service uses: the gateway's, with the holds applied.
Holds live in memory: after a restart a modem is trusted again until it fails again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from otpbroker.domain.routing import ModemRoute
from otpbroker.domain.send_errors import ErrorInfo, policy
from otpbroker.i18n.translate import N_
from otpbroker.services.alert_words import route_wording
from otpbroker.services.alerts import Alerts, Wording

log = logging.getLogger(__name__)

#: Each modem state that raises an alert: its title and severity.
STATE_ALERTS = {
    "dead": (N_("Modem {name}: does not answer"), "error"),
    "sim_locked": (N_("Modem {name}: SIM locked"), "error"),
    "no_sim": (N_("Modem {name}: no SIM card"), "error"),
}
DEAD_ADVICE = N_(
    "Unplug the modem and plug it in again (or use Retry on the modems page); check the "
    "power supply: a Pi needs a 3 A supply or a powered hub for its modems."
)
OUT_OF_ROUTING = N_("Modem {name}: out of routing")
NO_SMS_PATH = N_("Modem {name}: cannot send SMS")


@dataclass(frozen=True)
class Hold:
    """A modem kept out of routing after a ``sim`` or ``configuration`` error."""

    modem_id: str
    reason: str
    code: str
    text: str
    advice: str
    sim_id: str | None
    since: float
    words: tuple[Wording, Wording] | None = None
    """``text`` and ``advice`` as wordings (shown in the reader's language)."""


class ModemHealth:
    """Holds, state alerts and the routing view (thread-safe)."""

    def __init__(
        self,
        alerts: Alerts,
        names: Callable[[], Mapping[str, str]] = dict,
        *,
        recover: Callable[[str], bool] | None = None,
        path_alert_after: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``names``: modem names by id; ``recover``: restarts a dead modem's recovery."""
        self.alerts = alerts
        self._names = names
        self._recover = recover
        self._path_alert_after = path_alert_after
        self._clock = clock
        self._lock = threading.Lock()
        self._holds: dict[str, Hold] = {}
        self._no_path_since: dict[str, float] = {}

    def _name(self, modem_id: str) -> str:
        try:
            return str(self._names().get(modem_id) or modem_id)
        except Exception:  # names are cosmetic
            return modem_id

    # -- routing ---------------------------------------------------------------------------
    def routes(self, routes: list[ModemRoute]) -> list[ModemRoute]:
        """``routes`` with every hold applied (a held modem is out with its reason).

        Read for every message: without a hold it only copies the list."""
        with self._lock:
            if not self._holds:
                return list(routes)
            held = set(self._holds)
        for route in routes:
            if route.id in held:
                self._check_sim(route)
        with self._lock:
            holds = dict(self._holds)
        return [self._held(route, holds.get(route.id)) for route in routes]

    @staticmethod
    def _held(route: ModemRoute, hold: Hold | None) -> ModemRoute:
        if hold is None or not route.active:
            return route
        return replace(route, healthy=False, reason=hold.reason,
                       reason_text=f"{hold.text}. {hold.advice}")  # fmt: skip

    def route_words(self, route: ModemRoute) -> str:
        """Why ``route`` is out of routing, in the current language (a hold's own words, else
        the sentences the device gave with the reason, else the route's English reason)."""
        with self._lock:
            hold = self._holds.get(route.id)
        if hold is not None and hold.words is not None and route.reason == hold.reason:
            text, advice = hold.words
            return Wording.of("{text}. {advice}", text=text, advice=advice).shown()
        return route.shown_reason()

    def holds(self) -> dict[str, Hold]:
        """The active holds by modem id."""
        with self._lock:
            return dict(self._holds)

    # -- send outcomes -------------------------------------------------------------------------
    def failed(
        self,
        modem_id: str,
        info: ErrorInfo,
        route: ModemRoute | None = None,
        *,
        words: tuple[Wording, Wording] | None = None,
    ) -> None:
        """A send on ``modem_id`` failed with ``info``: hold the modem when the class says so.

        ``words``: the alert's text and advice as wordings (default: the error's meaning and
        advice, messages of ``domain.send_errors``)."""
        reason = policy(info.error_class).hold
        if reason is None:
            return
        words = words or error_words(info)
        hold = Hold(modem_id, reason, info.code, f"{info.text} ({info.code})", info.advice,
                    route.sim_id if route else None, self._clock(), words)  # fmt: skip
        with self._lock:
            self._holds[modem_id] = hold
        name = self._name(modem_id)
        log.warning("modem %s is out of routing: %s", name, hold.text)
        text, advice = words
        self.alerts.raise_alert(f"{reason}:{modem_id}", reason,
                                Wording.of(OUT_OF_ROUTING, name=name), text,
                                advice=advice, modem_id=modem_id)  # fmt: skip

    def sent(self, modem_id: str) -> None:
        """A send on ``modem_id`` went through: a hold on it is over (the cause is gone)."""
        self.release(modem_id, "an SMS went through on it")

    def release(self, modem_id: str, why: str) -> bool:
        """End the hold on ``modem_id``; True when there was one."""
        with self._lock:
            hold = self._holds.pop(modem_id, None)
        if hold is None:
            return False
        log.info("modem %s is back in routing: %s", self._name(modem_id), why)
        self.alerts.clear(f"{hold.reason}:{modem_id}", why)
        return True

    def put_back(self, modem_id: str) -> bool:
        """The administrator's "put back into routing": ends a hold and restarts the recovery
        of a dead modem. True when there was anything to do."""
        released = self.release(modem_id, "put back by the administrator")
        restarted = False
        if self.alerts.get(f"dead:{modem_id}") is not None and self._recover is not None:
            restarted = self._recover(modem_id)
        return released or restarted

    # -- modem states ------------------------------------------------------------------------
    def observe(self, route: ModemRoute) -> None:
        """A modem's route after a status change: SIM changes, state and SMS-path alerts.

        A modem deactivated or removed (``inactive``) drops its hold and its alerts."""
        if route.reason == "inactive":
            self.release(route.id, "the modem was deactivated or removed")
        self._check_sim(route)
        for reason, (title, severity) in STATE_ALERTS.items():
            key = f"{reason}:{route.id}"
            if route.reason == reason:
                advice = Wording(DEAD_ADVICE if reason == "dead" else "")
                self.alerts.raise_alert(key, reason, Wording.of(title, name=self._name(route.id)),
                                        route_wording(route), advice=advice,
                                        severity=severity, modem_id=route.id)  # fmt: skip
            else:
                self.alerts.clear(key, "the modem is past it")
        self._path_alert(route)

    def _path_alert(self, route: ModemRoute) -> None:
        key = f"no_sms_path:{route.id}"
        if route.reason != "no_sms_path":
            with self._lock:
                self._no_path_since.pop(route.id, None)
            self.alerts.clear(key, "it has an SMS path again")
            return
        now = self._clock()
        with self._lock:
            since = self._no_path_since.setdefault(route.id, now)
        if now - since >= self._path_alert_after:
            name = self._name(route.id)
            self.alerts.raise_alert(key, "no_sms_path", Wording.of(NO_SMS_PATH, name=name),
                                    route_wording(route), severity="warning",
                                    modem_id=route.id)  # fmt: skip

    def _check_sim(self, route: ModemRoute) -> None:
        """A held modem whose SIM changed is back in routing."""
        with self._lock:
            hold = self._holds.get(route.id)
            if hold is None or route.sim_id is None:
                return
            if hold.sim_id is None:  # the SIM was not known when it was held: it is now
                self._holds[route.id] = replace(hold, sim_id=route.sim_id)
                return
            changed = hold.sim_id != route.sim_id
        if changed:
            self.release(route.id, "its SIM card changed")


def error_words(info: ErrorInfo) -> tuple[Wording, Wording]:
    """An error's meaning (with its code) and advice as wordings; both are messages of
    ``domain.send_errors``."""
    return Wording.of("{error} ({code})", error=Wording(info.text), code=info.code), Wording(
        info.advice
    )


__all__ = ["Hold", "ModemHealth", "error_words"]
