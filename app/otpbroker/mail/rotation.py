"""Round-robin over the active mail accounts, with per-account daily limits.

Every send asks for a :class:`Plan`: the active accounts in turn, starting after the one
that led the previous plan, without those whose daily limit is used up. Counters are kept
in memory per account and per local date, so they start again at midnight (and at a
restart of the service, which is documented). A slot is *reserved* before a send and
*released* when the send fails, so concurrent sends never exceed a limit.

An account that just failed (connection, log-in, temporary error) is tried last for
``failure_cooldown`` seconds, so one dead server does not delay every mail.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from otpbroker.mail.accounts import MailAccount

log = logging.getLogger(__name__)

AccountsProvider = Callable[[], list[dict[str, Any]]]
WallClock = Callable[[], datetime]


@dataclass(frozen=True)
class Plan:
    """The accounts to try for one mail, in order, and those left out and why."""

    candidates: list[MailAccount] = field(default_factory=list)
    exhausted: list[MailAccount] = field(default_factory=list)
    unusable: list[MailAccount] = field(default_factory=list)

    @property
    def active(self) -> int:
        """How many active accounts exist (usable or not)."""
        return len(self.candidates) + len(self.exhausted) + len(self.unusable)


class AccountRotation:
    """Chooses the order in which the active accounts are tried."""

    def __init__(
        self,
        accounts_provider: AccountsProvider,
        clock: WallClock = datetime.now,
        *,
        failure_cooldown: float = 60.0,
    ) -> None:
        """``accounts_provider`` returns the current records; ``clock`` the local time."""
        self._provider = accounts_provider
        self._clock = clock
        self._cooldown = timedelta(seconds=failure_cooldown)
        self._lock = threading.Lock()
        self._cursor: str | None = None
        self._cursor_index = 0
        self._counts: dict[str, tuple[date, int]] = {}
        self._failed_until: dict[str, datetime] = {}

    def accounts(self) -> list[MailAccount]:
        """Every configured account, active or not, in configuration order."""
        return [MailAccount.from_record(record) for record in self._provider()]

    def _sent_today(self, key: str, today: date) -> int:
        day, count = self._counts.get(key, (today, 0))
        return count if day == today else 0

    def _exhausted(self, account: MailAccount, today: date) -> bool:
        limit = account.daily_limit
        return limit > 0 and self._sent_today(account.key, today) >= limit

    def _cooling(self, account: MailAccount, now: datetime) -> bool:
        until = self._failed_until.get(account.key)
        # A clock set back (no RTC before NTP) must not keep an account cooling for long.
        return until is not None and now < until <= now + self._cooldown

    def plan(self) -> Plan:
        """The order for the next mail; advances the round-robin."""
        active = [account for account in self.accounts() if account.active]
        with self._lock:
            now = self._clock()
            today = now.date()
            keys = [account.key for account in active]
            # When the previous leader was removed, its successor moved into its place.
            start = keys.index(self._cursor) + 1 if self._cursor in keys else self._cursor_index
            start = start % len(active) if active else 0
            ordered = active[start:] + active[:start]
            unusable = [account for account in ordered if not account.usable]
            usable = [account for account in ordered if account.usable]
            exhausted = [account for account in usable if self._exhausted(account, today)]
            ready = [account for account in usable if not self._exhausted(account, today)]
            healthy = [account for account in ready if not self._cooling(account, now)]
            candidates = healthy + [account for account in ready if account not in healthy]
            if candidates:
                self._cursor = candidates[0].key
                self._cursor_index = keys.index(self._cursor)
        return Plan(candidates, exhausted, unusable)

    def next_candidates(self) -> list[MailAccount]:
        """The accounts to try for the next mail, in order (see :meth:`plan`)."""
        return self.plan().candidates

    def reserve(self, account: MailAccount) -> bool:
        """Count one mail for ``account`` today; False when its daily limit is used up."""
        with self._lock:
            today = self._clock().date()
            if self._exhausted(account, today):
                return False
            self._counts[account.key] = (today, self._sent_today(account.key, today) + 1)
            return True

    def release(self, account: MailAccount) -> None:
        """Undo :meth:`reserve` after a failed send."""
        with self._lock:
            today = self._clock().date()
            count = self._sent_today(account.key, today)
            if count > 0:
                self._counts[account.key] = (today, count - 1)

    def record_failure(self, account: MailAccount) -> None:
        """Try ``account`` last for a while."""
        with self._lock:
            self._failed_until[account.key] = self._clock() + self._cooldown

    def record_success(self, account: MailAccount, *, failed_over: bool = False) -> None:
        """``account`` sent a mail: end its cool-down.

        After a fail-over the round-robin continues after ``account`` (the one that did
        the work), so the next mail goes to the account after it.
        """
        with self._lock:
            self._failed_until.pop(account.key, None)
            if failed_over:
                self._cursor = account.key

    def sent_today(self, account: MailAccount) -> int:
        """How many mails ``account`` sent today (local date)."""
        with self._lock:
            return self._sent_today(account.key, self._clock().date())

    def usage(self) -> list[dict[str, Any]]:
        """Today's use of every account: name, active, sent, daily_limit (for the admin)."""
        accounts = self.accounts()
        with self._lock:
            today = self._clock().date()
            return [
                {
                    "name": account.name,
                    "active": account.active,
                    "sent_today": self._sent_today(account.key, today),
                    "daily_limit": account.daily_limit,
                    "problem": account.problem,
                }
                for account in accounts
            ]


__all__ = ["AccountRotation", "AccountsProvider", "Plan", "WallClock"]
