"""Throttling of credential guessing, for the REST API's users and the administrators.

One mechanism for every login: the REST API's Basic auth (realm ``api``), the admin's login
and setup code (``admin``) and its password-reset requests (``reset``). Each realm counts
failures per source address (an IPv6 /64 as one) and per user name (known or not, across
addresses), with the rules of ``domain.login_attempts`` and the ``auth.*`` settings.

A refused attempt is answered at once (429 with the wait): its credentials are not checked
and no thread sleeps. An address that logged in correctly as a user is remembered for
``auth.trusted_seconds`` and is exempt from that user's lock, so guessing one account from
many addresses cannot lock out its client. Every table is capped (oldest forgotten first).
The password tried never reaches this module.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from otpbroker.domain import login_attempts as policy
from otpbroker.domain.login_attempts import Tally, ThrottleRule
from otpbroker.domain.ports import Settings
from otpbroker.services.events import EventLog, SmsEvent
from otpbroker.services.replies import Code

log = logging.getLogger(__name__)

REALMS = ("api", "admin")
SCOPES = ("address", "user")
MAX_KEYS = 10_000
SOURCES = {"api": "rest", "admin": "admin-login", "reset": "admin-reset"}

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class BoundedTable(Generic[K, V]):
    """A dict that forgets its least recently written entries beyond ``capacity``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused: which scope holds it and for how long."""

    scope: str
    wait: float

    @property
    def retry_after(self) -> int:
        """The wait in whole seconds, rounded up (at least 1)."""
        return max(1, math.ceil(self.wait))


def rules(settings: Settings) -> dict[str, ThrottleRule]:
    """The rule of each scope from the ``auth.*`` settings."""
    shared = {
        "window_seconds": float(settings.get("auth.window_seconds")),
        "max_delay_seconds": float(settings.get("auth.max_delay_seconds")),
        "lockout_seconds": float(settings.get("auth.lockout_seconds")),
    }
    return {
        scope: ThrottleRule(
            free_failures=int(settings.get(f"auth.{scope}_free_failures")),
            lockout_failures=int(settings.get(f"auth.{scope}_lockout_failures")),
            **shared,
        )
        for scope in SCOPES
    }


class LoginThrottle:
    """Counts failed logins; tells how long an attempt must wait; remembers good clients."""

    def __init__(
        self,
        settings: Settings,
        events: EventLog | None = None,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = MAX_KEYS,
    ) -> None:
        self._settings = settings
        self._events = events
        self._clock = clock
        self._lock = threading.Lock()
        self._tallies = {scope: BoundedTable[tuple[str, str], Tally](capacity) for scope in SCOPES}
        self._trusted = BoundedTable[tuple[str, str, str], float](capacity)
        self._failures: Counter[str] = Counter()
        self._refusals: Counter[tuple[str, str]] = Counter()

    def _keys(self, address: str, user: str | None) -> dict[str, str]:
        keys = {"address": policy.address_key(address)}
        if user is not None:
            keys["user"] = policy.user_key(user)
        return keys

    def _is_trusted(self, realm: str, keys: dict[str, str], now: float) -> bool:
        if "user" not in keys:
            return False
        until = self._trusted.get((realm, keys["user"], keys["address"]))
        return until is not None and until > now

    def refusal(self, realm: str, address: str, user: str | None = None) -> Refusal | None:
        """Why an attempt now must wait (counted as a refusal), or None: check it."""
        now = self._clock()
        with self._lock:
            keys = self._keys(address, user)
            if self._is_trusted(realm, keys, now):
                keys.pop("user")  # the user's lock does not apply to its own client
            waits = [
                (policy.wait_seconds(self._tallies[scope].get((realm, key)), now), scope)
                for scope, key in keys.items()
            ]
            wait, scope = max(waits)
            if wait <= 0:
                return None
            self._refusals[(realm, scope)] += 1
        return Refusal(scope, wait)

    def attempt(
        self, realm: str, address: str, user: str, check: Callable[[], T | None]
    ) -> Refusal | T | None:
        """One login: the refusal while this address or user name must wait (``check`` not
        called), else what ``check`` gives for the credentials, None when they are wrong;
        the failure or the success is counted."""
        refused = self.refusal(realm, address, user)
        if refused is not None:
            return refused
        accepted = check()
        if accepted is None:
            self.failed(realm, address, user)
        else:
            self.succeeded(realm, address, user)
        return accepted

    def failed(self, realm: str, address: str, user: str | None = None) -> None:
        """Count a failed login (wrong or unknown user name, wrong password or code)."""
        self._note(realm, address, user, "login_failed", Code.UNAUTHORIZED)
        self.spend(realm, address, user)

    def spend(self, realm: str, address: str, user: str | None = None) -> None:
        """Count an attempt against the limits without reporting it as a failed login (a
        password-reset request)."""
        now = self._clock()
        rule_of = rules(self._settings)
        engaged: list[tuple[str, Tally]] = []
        with self._lock:
            self._failures[realm] += 1
            for scope, key in self._keys(address, user).items():
                table = self._tallies[scope]
                tally = policy.after_failure(table.get((realm, key)), rule_of[scope], now)
                table.put((realm, key), tally)
                if tally.refused_until > now:
                    engaged.append((scope, tally))
        for scope, tally in engaged:
            self._engaged(realm, address, user, scope, tally, now)

    def _engaged(
        self, realm: str, address: str, user: str | None, scope: str, tally: Tally, now: float
    ) -> None:
        wait = tally.refused_until - now
        log.warning(
            "%s logins throttled by %s (address %s, user %r): %d failures, refused for %.0f s",
            realm, scope, address[:64], (user or "")[:64], tally.failures, wait,
        )  # fmt: skip
        self._note(realm, address, user, "throttled", Code.LOGIN_THROTTLED)

    def succeeded(self, realm: str, address: str, user: str | None = None) -> None:
        """A correct login: forget the address's failures, trust it for this user a while."""
        now = self._clock()
        trust = float(self._settings.get("auth.trusted_seconds"))
        with self._lock:
            keys = self._keys(address, user)
            self._tallies["address"].pop((realm, keys["address"]))
            if "user" in keys and trust > 0:
                self._trusted.put((realm, keys["user"], keys["address"]), now + trust)

    def _note(self, realm: str, address: str, user: str | None, outcome: str, code: Code) -> None:
        if self._events is None or realm not in REALMS:
            return
        self._events.note(
            SmsEvent(at=time.time(), source=SOURCES[realm], user=(user or "")[:64] or None,
                     recipient=address[:64], modem_id=None, outcome=outcome, duration=0.0,
                     code=code.response_code, kind="login")
        )  # fmt: skip

    def failures(self) -> dict[str, int]:
        """Failed logins since start, by realm."""
        with self._lock:
            return {realm: self._failures[realm] for realm in REALMS}

    def refusals(self) -> dict[tuple[str, str], int]:
        """Attempts refused since start, by (realm, scope)."""
        with self._lock:
            return {(r, s): self._refusals[(r, s)] for r in REALMS for s in SCOPES}

    def sizes(self) -> dict[str, int]:
        """Entries held in each table (bounded by the capacity)."""
        with self._lock:
            held = {scope: len(table) for scope, table in self._tallies.items()}
            return {**held, "trusted": len(self._trusted)}
