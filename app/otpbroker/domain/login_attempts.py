"""The policy against credential guessing: free failures, growing waits, then a lock-out.

Pure rules over one tally of failures (per source address or per user name); the service
``services.login_throttle`` keeps the tallies. The shape follows OWASP's Authentication
Cheat Sheet ("Login Throttling", "Account Lockout"): a threshold of failures within an
observation window, an exponentially growing delay, then a lock-out period; a refused
attempt never reaches the password check, so it costs neither time nor a worker thread.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ThrottleRule:
    """When one key (an address or a user name) is slowed and locked out."""

    free_failures: int
    """Failures within the window answered normally; 0 = this rule is off."""
    lockout_failures: int
    """Failures within the window after which the key is locked out; 0 = never."""
    window_seconds: float
    """How long failures are remembered once the last one's refusal has ended."""
    max_delay_seconds: float
    """The cap of the growing wait (1 s, 2 s, 4 s ...) between the free and lock-out counts."""
    lockout_seconds: float
    """How long a locked-out key is refused."""

    @property
    def off(self) -> bool:
        """True when this rule never refuses."""
        return self.free_failures <= 0


@dataclass(frozen=True)
class Tally:
    """Failures of one key in a run, the last one's time and until when it is refused."""

    failures: int
    last_at: float
    refused_until: float = 0.0


def wait_seconds(tally: Tally | None, now: float) -> float:
    """Seconds before the next attempt of this key is checked (0: at once)."""
    return 0.0 if tally is None else max(0.0, tally.refused_until - now)


def expired(tally: Tally, rule: ThrottleRule, now: float) -> bool:
    """True when the run is over: no failure for the window, counted from the end of its
    refusal (so a slow drip of guesses keeps counting, and a failure soon after a lock-out
    locks again at once)."""
    return now - max(tally.last_at, tally.refused_until) >= rule.window_seconds


def after_failure(tally: Tally | None, rule: ThrottleRule, now: float) -> Tally:
    """The tally once one more failure is counted (a new run when the old one expired)."""
    if tally is None or expired(tally, rule, now):
        tally = Tally(0, now)
    tally = replace(tally, failures=tally.failures + 1, last_at=now)
    if rule.off or tally.failures < rule.free_failures:
        return tally
    if rule.lockout_failures and tally.failures >= rule.lockout_failures:
        return replace(tally, refused_until=now + rule.lockout_seconds)
    delay = min(rule.max_delay_seconds, 2.0 ** min(tally.failures - rule.free_failures, 30))
    return replace(tally, refused_until=now + delay)


def locked_out(tally: Tally, rule: ThrottleRule) -> bool:
    """True when the tally reached the lock-out count (not merely a growing wait)."""
    return bool(rule.lockout_failures) and tally.failures >= rule.lockout_failures


def address_key(address: str) -> str:
    """The key an address is counted under: an IPv4 address itself, an IPv6 address's /64
    (one subscriber usually holds a whole /64), an IPv4-mapped IPv6 address as IPv4."""
    try:
        parsed = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return address[:64] or "?"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def user_key(username: str) -> str:
    """The key a user name is counted under (case-insensitive, bounded length)."""
    return username.casefold()[:128]
