"""Prefix-based routing: which modems may send a message to a number, in which order.

A modem is *eligible* when it is active and healthy and either allowed to send messages
from the API or the message is the admin's manual SMS. For a recipient the candidates are:

1. the eligible modems holding the longest prefix that matches the number (among all
   eligible modems' prefixes), round-robin when several hold it;
2. then the eligible default modems not already listed, round-robin;
3. only when 1 and 2 are both empty: every eligible modem, round-robin (a device with no
   prefixes and no default simply uses its active modems in turn).

A modem whose matching prefix is shorter than the winning one is not a candidate unless it
is a default modem. The modems of one tier (1 or 2) are equally good: the sender gives the
message to whichever of them is free first (``Router.tiers``), and moves on to the rest of
the tier, then to the next tier, only after a definite failure (``next_choice``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.msisdn import normalize_prefix
from otpbroker.i18n.translate import N_, _


@dataclass(frozen=True)
class Words:
    """One sentence of a route's reason, put in the current language when shown.

    ``message`` is marked ``N_``; ``values`` fill its placeholders as they are, ``messages``
    fill them with marked messages translated too; ``before`` goes before it when it follows
    another sentence.
    """

    message: str
    values: tuple[tuple[str, str | int], ...] = ()
    messages: tuple[tuple[str, str], ...] = ()
    before: str = "; "

    def text(self) -> str:
        """The sentence in the current language."""
        values: dict[str, str | int] = dict(self.values)
        values.update((name, _(message)) for name, message in self.messages)
        return _(self.message).format(**values)


#: The reasons the device gives in its own words (the modem's own errors stay as they are).
INACTIVE_WORDS = Words(N_("deactivated by the administrator"))
NOT_RUNNING_WORDS = Words(N_("not running yet"))
REMOVED_WORDS = Words(N_("removed"))


@dataclass(frozen=True)
class ModemRoute:
    """A snapshot of what routing needs to know about one modem.

    ``prefixes`` are recipient prefixes in MSISDN form (``62871``); national forms are
    tolerated and normalised, unparseable ones ignored.
    """

    id: str
    prefixes: tuple[str, ...] = ()
    default: bool = False
    active: bool = True
    send_from_api: bool = True
    healthy: bool = True
    reason: str | None = None
    """Why it is out of routing: one of ``OUT_OF_ROUTING`` (None while it is in)."""
    reason_text: str = ""
    """The reason in plain words, with what to do where there is something to do."""
    sim_id: str | None = None
    """The SIM's IMSI when known (a held modem comes back when its SIM changes)."""
    back_at: float | None = None
    """For ``quota``: when its SIM has room again (wall-clock time)."""
    reason_words: tuple[Words, ...] = ()
    """``reason_text`` as sentences to translate, when the device said it in its own words."""

    def eligible(self, *, manual: bool = False) -> bool:
        """True if this modem may send now (``manual`` ignores ``send_from_api``)."""
        return self.active and self.healthy and (self.send_from_api or manual)

    def shown_reason(self) -> str:
        """``reason_text`` in the current language (the reader's) where its words are known,
        else as it is."""
        if not self.reason_words:
            return self.reason_text
        first, *rest = self.reason_words
        return first.text() + "".join(words.before + words.text() for words in rest)

    def testable(self) -> bool:
        """True if the administrator may still send a test SMS on it by name: it runs and
        answers, and is out of routing only for a reason a test can disprove."""
        return self.active and (self.healthy or self.reason in TESTABLE_REASONS)


#: Why a modem is out of routing (a fixed set, e.g. for ``/metrics`` labels); each route
#: says it in words in its ``reason_text``.
OUT_OF_ROUTING = (
    "inactive",  # deactivated by the administrator
    "disconnected",  # not connected (yet)
    "unplugged",
    "recovering",  # not answering: on the recovery ladder
    "dead",  # not answering after every recovery step
    "sim_locked",  # the SIM wants a PIN or PUK the device will not enter
    "no_sim",
    "no_sms_path",  # registered where it cannot send SMS (e.g. LTE without SMS)
    "sim_account",  # held: the SIM's account refused sending
    "configuration",  # held: its settings need fixing
    "quota",  # its SIM reached a sending cap (pacing): back when the window resets
)
TESTABLE_REASONS = frozenset({"no_sms_path", "sim_account", "configuration"})


class Router:
    """Chooses candidate modems for a number; keeps round-robin state per candidate group.

    Thread-safe: the round-robin counters are guarded by a lock. No threads are started.
    A modem's prefixes are normalised once, the first time it is routed to with them.
    """

    def __init__(self, country_code: str = "62", max_groups: int = 1024) -> None:
        """``country_code`` completes national prefixes (and, for ``SmsService``, numbers)."""
        if max_groups < 1:
            raise ValueError("max_groups must be at least 1")
        self._country_code = country_code
        self._max_groups = max_groups
        self._lock = threading.Lock()
        self._next: dict[tuple[str, ...], int] = {}
        self._prefixes: dict[tuple[str, ...], frozenset[str]] = {}

    @property
    def country_code(self) -> str:
        """The country code national numbers are completed with."""
        return self._country_code

    def __repr__(self) -> str:
        """Country code and number of round-robin groups tracked."""
        return f"Router(country_code={self._country_code!r}, groups={len(self._next)})"

    def tiers(
        self, msisdn: str, modems: Sequence[ModemRoute], *, manual: bool = False
    ) -> list[list[str]]:
        """The candidates for ``msisdn`` in tiers of equally good modems (the longest-prefix
        holders, then the default modems), each in round-robin order; [] if none.

        ``msisdn`` is in MSISDN form already (``SmsService`` normalised it once, as the
        message came in): it is taken as it is.
        Any modem of a tier may take the message; the sender prefers the first one free.
        Each call advances the round-robin position of every tier it returns.
        """
        eligible = _unique(m for m in modems if m.eligible(manual=manual))
        prefixes = {m.id: self._clean_prefixes(m.prefixes) for m in eligible}

        best = ""
        for modem in eligible:
            for prefix in prefixes[modem.id]:
                if len(prefix) > len(best) and msisdn.startswith(prefix):
                    best = prefix

        tier1 = [m.id for m in eligible if best and best in prefixes[m.id]]
        listed = set(tier1)
        tier2 = [m.id for m in eligible if m.default and m.id not in listed]
        if not tier1 and not tier2:
            tier1 = [m.id for m in eligible]
        return [self._rotate(tier) for tier in (tier1, tier2) if tier]

    def _clean_prefixes(self, raw: Iterable[str]) -> frozenset[str]:
        """``raw`` in MSISDN form, unparseable ones left out (normalised once per list)."""
        key = tuple(raw)
        cleaned = self._prefixes.get(key)
        if cleaned is None:
            cleaned = frozenset(_normalized_prefixes(key, self._country_code))
            with self._lock:
                if len(self._prefixes) >= self._max_groups:
                    del self._prefixes[next(iter(self._prefixes))]
                self._prefixes[key] = cleaned
        return cleaned

    def _rotate(self, group: list[str]) -> list[str]:
        if len(group) < 2:
            return list(group)
        key = tuple(group)
        with self._lock:
            start = self._next.pop(key, 0) % len(group)
            if len(self._next) >= self._max_groups:
                del self._next[next(iter(self._next))]
            self._next[key] = (start + 1) % len(group)
        return group[start:] + group[:start]


def _normalized_prefixes(raw: Iterable[str], country_code: str) -> Iterator[str]:
    for prefix in raw:
        try:
            yield normalize_prefix(prefix, country_code)
        except InvalidNumberError:
            continue


def _unique(modems: Iterable[ModemRoute]) -> list[ModemRoute]:
    seen: set[str] = set()
    result = []
    for modem in modems:
        if modem.id not in seen:
            seen.add(modem.id)
            result.append(modem)
    return result


def next_choice(tiers: Sequence[Sequence[str]], tried: Iterable[str]) -> list[str]:
    """The modems the next attempt may use: the untried members of the first tier that
    still has any, in their order ([] when every candidate was tried).

    A definite failure on one modem moves the message to an equal one first, then to the
    next tier.
    """
    done = set(tried)
    for tier in tiers:
        left = [modem for modem in dict.fromkeys(tier) if modem not in done]
        if left:
            return left
    return []


__all__ = [
    "INACTIVE_WORDS",
    "NOT_RUNNING_WORDS",
    "OUT_OF_ROUTING",
    "REMOVED_WORDS",
    "TESTABLE_REASONS",
    "ModemRoute",
    "Router",
    "Words",
    "next_choice",
]
