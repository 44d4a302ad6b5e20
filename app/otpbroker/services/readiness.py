"""Can the device take OTPs now, and if not, why not: the rule behind ``/health/ready``.

The device is ready when it is not stopping and at least one modem may send a message from
the API now (``ModemRoute.eligible``: active, connected, in routing, allowed to send from
the API). Otherwise every modem says why it cannot. The answer is read without credentials,
so it names modems and reasons only: never an IMSI, a phone number or a setting's value.
A reason the device words itself (a hold, SIM advice, a sending cap) is given in its words;
one that carries what a serial port or the modem said (not connected, recovering, dead) in
fixed words; every text is scrubbed of long digit runs and paths, whatever put them there.

Notes (``ReadinessNote``) tell what works in a degraded way while the device still sends,
such as an unreachable shared ledger (``fleet.enabled``): they never make it "not ready".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from otpbroker.domain.routing import ModemRoute

#: A run of digits long enough to be a phone number, an IMSI, an IMEI or an ICCID.
_LONG_NUMBER = re.compile(r"\+?\d[\d ]{4,}\d")
#: A file path (a serial port's, a device's): a setting's value, not for an open answer.
_PATH = re.compile(r"(?<!\w)/(?:[\w.+:-]+/)+[\w.+:-]*")
#: Reasons whose ``reason_text`` is the device's own words (not a port's or modem's).
WORDED_REASONS = frozenset(
    {"inactive", "sim_locked", "no_sim", "no_sms_path", "sim_account", "configuration", "quota"}
)
#: The words for the other reasons of ``routing.OUT_OF_ROUTING``.
FIXED_WORDS = {
    "disconnected": "not connected (starting, or its port does not answer)",
    "unplugged": "unplugged",
    "recovering": "not answering: being recovered",
    "dead": "not answering after every recovery step",
}
#: The state of a modem that may send a message from the API now.
READY = "ready"
#: Why a modem in routing still takes no API message.
NOT_FOR_API = "not_for_api"


@dataclass(frozen=True)
class ModemReadiness:
    """One configured modem as a health check sees it."""

    id: str
    name: str
    state: str
    """``ready``, ``not_for_api`` or a reason of ``routing.OUT_OF_ROUTING``."""
    reason: str = ""
    """Why it cannot send, in plain words ("" when it can)."""


@dataclass(frozen=True)
class ReadinessNote:
    """Something that works in a degraded way while the device still sends (no secret)."""

    about: str
    """What it is about (``shared_ledger``)."""
    state: str
    """Its state (``unreachable``)."""
    reason: str
    """What it means, in plain words."""


@dataclass(frozen=True)
class Readiness:
    """Whether the device can take OTPs, with each modem's part in it."""

    ready: bool
    stopping: bool
    modems: tuple[ModemReadiness, ...]
    notes: tuple[ReadinessNote, ...] = ()
    """What is degraded without stopping the sending (never changes ``ready``)."""

    @property
    def summary(self) -> str:
        """The answer in one sentence."""
        if self.stopping:
            return "the device is stopping"
        if self.ready:
            return "ready"
        if not self.modems:
            return "no modem is configured"
        return "no modem can send now"


def scrub(text: str) -> str:
    """``text`` with every long digit run (a number, an IMSI) and path replaced by ``…``."""
    return _LONG_NUMBER.sub("…", _PATH.sub("…", text))


def reason_words(route: ModemRoute) -> str:
    """Why ``route`` is out of routing, in words fit for an open answer."""
    reason = route.reason or ""
    if reason in WORDED_REASONS and route.reason_text:
        return scrub(route.reason_text)
    return FIXED_WORDS.get(reason, reason.replace("_", " "))


def modem_readiness(route: ModemRoute, name: str) -> ModemReadiness:
    """What ``route`` means for sending an API message now."""
    if route.eligible():
        return ModemReadiness(route.id, name, READY)
    if route.reason is None:  # in routing, but kept for the admin's manual SMS
        return ModemReadiness(route.id, name, NOT_FOR_API, "not allowed to send API messages")
    return ModemReadiness(route.id, name, route.reason, reason_words(route))


class ReadinessCheck:
    """Answers "can the device take OTPs" from the routing view, the names and the stop."""

    def __init__(
        self,
        routes: Callable[[], list[ModemRoute]],
        names: Callable[[], Mapping[str, str]],
        stopping: Callable[[], bool],
        notes: Callable[[], Sequence[ReadinessNote]] = tuple,
    ) -> None:
        """``routes``: every configured modem as routing sees it, holds applied
        (``SmsService.routes``); ``names``: modem names by id; ``stopping``: the stop began;
        ``notes``: what is degraded now (``ledger_notes``)."""
        self._routes = routes
        self._names = names
        self._stopping = stopping
        self._notes = notes

    def check(self) -> Readiness:
        """The device's readiness now."""
        names = self._names()
        modems = tuple(
            sorted(
                (modem_readiness(r, scrub(str(names.get(r.id) or r.id))) for r in self._routes()),
                key=lambda m: (m.name, m.id),
            )
        )
        stopping = self._stopping()
        ready = not stopping and any(m.state == READY for m in modems)
        notes = tuple(scrubbed(n) for n in self._notes())
        return Readiness(ready, stopping, modems, notes)


def scrubbed(note: ReadinessNote) -> ReadinessNote:
    """``note`` with its words scrubbed (``scrub``), whoever wrote them."""
    return ReadinessNote(note.about, note.state, scrub(note.reason))
