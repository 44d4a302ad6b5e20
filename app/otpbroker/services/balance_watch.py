"""Scheduled balance checks: each SIM's credit and active-until date, read by USSD.

Every active modem with a ``balance_ussd`` code is asked every ``balance_interval_hours``
(plus up to 10 % jitter, so modems do not all ask at once; the first check comes
``FIRST_DELAY`` seconds after start). The request goes through the modem's job queue
(``ussd``: ``ModemPool.ussd``), so it never interrupts a send. The last result of each modem
lives in memory only: the reply text is read and dropped (never logged, never stored); an
unparsed reply keeps its length only.

A balance below ``balance_min`` and an active period that ends within ``expiry_warn_days``
(or has ended) raise ``sim_account`` alerts; with ``balance_hold`` the modem also leaves
routing (``ModemHealth``) until a later check is fine. A failed check retries after
``RETRY_AFTER`` seconds and raises nothing (a busy network is no empty SIM).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from otpbroker.domain.balance_rules import Balance, parse
from otpbroker.domain.send_errors import ErrorClass, ErrorInfo
from otpbroker.i18n.translate import N_
from otpbroker.services.alerts import Alerts, Wording
from otpbroker.services.modem_health import ModemHealth

log = logging.getLogger(__name__)

FIRST_DELAY = 60.0
RETRY_AFTER = 600.0
TICK = 30.0
LOW_CODE = "BALANCE_LOW"
ENDED_CODE = "SIM_EXPIRED"
LOW_TEXT = "credit below minimum"
ENDED_TEXT = N_("SIM active period ended")
LOW_TITLE = N_("Modem {name}: credit below minimum")
ENDED_TITLE = N_("Modem {name}: SIM active period ended")
ENDS_TITLE = N_("Modem {name}: SIM active period ends in {days} day(s)")
LOW_WORDS = N_("{amount} is below the minimum {minimum}.")
LOW_HOLD = N_("credit below minimum: {amount} is below the minimum {minimum}.")
UNTIL_TEXT = N_("Active until {date}.")
TOP_UP = N_("Top up the SIM.")
TOP_UP_PERIOD = N_("Top up the SIM to extend its active period.")
TOP_UP_HOLD = N_("Top up the SIM, then check its balance again on the modems page.")

Ussd = Callable[[str, str], str]
"""``(modem_id, code) -> reply text`` (raises when the modem or network cannot answer)."""


@dataclass(frozen=True)
class BalanceResult:
    """A modem's last balance check (memory only; never the reply text)."""

    modem_id: str
    checked_at: float
    balance: Balance | None = None
    error: str = ""
    low: bool = False
    ended: bool = False
    days_left: int | None = None

    @property
    def state(self) -> str:
        """``error``, ``unparsed``, ``expired``, ``low`` or ``ok``."""
        if self.error:
            return "error"
        if self.balance is None or not self.balance.parsed:
            return "unparsed"
        return "expired" if self.ended else "low" if self.low else "ok"


class BalanceWatch:
    """Runs the due balance checks, keeps their results, raises alerts and holds."""

    def __init__(
        self,
        ussd: Ussd,
        modems: Callable[[], Sequence[Mapping[str, Any]]],
        alerts: Alerts,
        health: ModemHealth | None = None,
        *,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """``modems``: the active modem records (``ModemRecords.active``)."""
        self._ussd = ussd
        self._modems = modems
        self._alerts = alerts
        self._health = health
        self._clock = clock
        self._jitter = jitter
        self._lock = threading.Lock()
        self._due: dict[str, float] = {}
        self._results: dict[str, BalanceResult] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------------
    def results(self) -> dict[str, BalanceResult]:
        """The last result of every modem checked, by id."""
        with self._lock:
            return dict(self._results)

    def result(self, modem_id: str) -> BalanceResult | None:
        """The last result of ``modem_id``."""
        with self._lock:
            return self._results.get(modem_id)

    # -- checking --------------------------------------------------------------------------
    def tick(self) -> list[str]:
        """Check every modem that is due now; the ids checked."""
        now = self._clock()
        checked = []
        records = {str(r["id"]): r for r in self._modems() if r.get("balance_ussd")}
        with self._lock:
            gone = set(self._due) - set(records)
            for modem_id in gone:
                self._due.pop(modem_id)
                self._results.pop(modem_id, None)
            for modem_id in records:
                self._due.setdefault(modem_id, now + FIRST_DELAY * (1 + self._jitter()))
            due = [m for m, at in self._due.items() if at <= now]
        for modem_id in gone:  # deactivated, deleted or its code removed: its alerts go
            self._alerts.clear(f"sim_account:balance:{modem_id}", "no balance checks any more")
            self._alerts.clear(f"sim_account:until:{modem_id}", "no balance checks any more")
            self._release(modem_id, "no balance checks any more")
        for modem_id in due:
            self.check(records[modem_id])
            checked.append(modem_id)
        return checked

    def check_now(self, modem_id: str) -> BalanceResult:
        """Check ``modem_id`` now (the admin's "check now"); LookupError without a code."""
        for record in self._modems():
            if str(record["id"]) == modem_id and record.get("balance_ussd"):
                return self.check(record)
        raise LookupError(f"modem {modem_id} is not active or has no balance USSD code")

    def check(self, record: Mapping[str, Any]) -> BalanceResult:
        """Run ``record``'s balance code, keep and act on the result."""
        modem_id = str(record["id"])
        now = self._clock()
        try:
            reply = self._ussd(modem_id, str(record["balance_ussd"]))
            balance = parse(reply, str(record.get("balance_rule") or "telkomsel"),
                            str(record.get("balance_regex") or ""))  # fmt: skip
            del reply  # the reply is read and dropped
        except Exception as exc:  # a modem or network trouble: try again soon
            result = BalanceResult(modem_id, now, error=str(exc)[:200] or type(exc).__name__)
            self._keep(result, now + RETRY_AFTER)
            log.info("balance check of modem %s failed: %s", modem_id, result.error)
            return result
        result = judge(modem_id, now, balance, record)
        hours = float(record.get("balance_interval_hours") or 24)
        self._keep(result, now + hours * 3600 * (1 + 0.1 * self._jitter()))
        self._act(result, record)
        log.info("balance of modem %s: %s", modem_id, result.state)
        return result

    def _keep(self, result: BalanceResult, next_at: float) -> None:
        with self._lock:
            self._results[result.modem_id] = result
            self._due[result.modem_id] = next_at

    def _act(self, result: BalanceResult, record: Mapping[str, Any]) -> None:
        """Alerts for low credit and the active period, then the hold. With ``balance_hold``
        the hold's own alert (``ModemHealth``) stands for the condition: one e-mail, not two."""
        balance = result.balance
        if balance is None or not balance.parsed:
            return
        modem_id, name = result.modem_id, str(record.get("name") or result.modem_id)
        holding = bool(record.get("balance_hold"))
        key_low, key_end = f"sim_account:balance:{modem_id}", f"sim_account:until:{modem_id}"
        if result.low and not holding:
            self._alerts.raise_alert(key_low, "sim_account", Wording.of(LOW_TITLE, name=name),
                                     low_wording(result, record), advice=Wording(TOP_UP),
                                     modem_id=modem_id)  # fmt: skip
        else:
            self._alerts.clear(key_low, "the credit is above the minimum")
        days, warn = result.days_left, int(record.get("expiry_warn_days") or 0)
        if days is not None and days <= warn and not (result.ended and holding):
            title = Wording.of(ENDED_TITLE if result.ended else ENDS_TITLE, name=name,
                               days=str(days))  # fmt: skip
            self._alerts.raise_alert(key_end, "sim_account", title,
                                     Wording.of(UNTIL_TEXT, date=str(balance.until)),
                                     advice=Wording(TOP_UP_PERIOD),
                                     severity="error" if result.ended else "warning",
                                     modem_id=modem_id)  # fmt: skip
        else:
            self._alerts.clear(key_end, "the active period is far enough")
        self._hold(result, record)

    def _hold(self, result: BalanceResult, record: Mapping[str, Any]) -> None:
        if self._health is None:
            return
        modem_id = result.modem_id
        current = self._health.holds().get(modem_id)
        if record.get("balance_hold") and (result.low or result.ended):
            code = ENDED_CODE if result.ended else LOW_CODE
            low = low_wording(result, record)
            text = Wording(ENDED_TEXT) if result.ended else Wording(LOW_HOLD, low.values)
            info = ErrorInfo(code, ErrorClass.SIM, text.english(), TOP_UP_HOLD)
            if current is None or current.code != code:
                words = Wording.of("{error} ({code})", error=text, code=code)
                self._health.failed(modem_id, info, words=(words, Wording(TOP_UP_HOLD)))
        else:
            self._release(modem_id, "a balance check is fine again")

    def _release(self, modem_id: str, why: str) -> None:
        """End a hold this watch put on ``modem_id`` (never one a send error put)."""
        current = self._health.holds().get(modem_id) if self._health else None
        if self._health is not None and current and current.code in (LOW_CODE, ENDED_CODE):
            self._health.release(modem_id, why)

    # -- the thread ------------------------------------------------------------------------
    def start(self) -> None:
        """Check due modems every ``TICK`` seconds in a thread of its own."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="balance-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread (a check under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=70)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            try:
                self.tick()
            except Exception:  # a bad record never stops the checks
                log.exception("balance checks failed")


def low_words(result: BalanceResult, record: Mapping[str, Any]) -> str:
    """``Rp 3.000 is below the minimum Rp 5.000.`` (dotted: no digit run an alert masks)."""
    return low_wording(result, record).english()


def low_wording(result: BalanceResult, record: Mapping[str, Any]) -> Wording:
    """``low_words`` as a wording (the amounts as values)."""
    amount = result.balance.balance if result.balance else None
    minimum = rupiah(int(record.get("balance_min") or 0))
    return Wording.of(LOW_WORDS, amount=rupiah(amount), minimum=minimum)


def rupiah(amount: int | None) -> str:
    """``Rp 1.234.567`` (``—`` for None)."""
    return "—" if amount is None else "Rp " + f"{amount:,}".replace(",", ".")


def judge(modem_id: str, now: float, balance: Balance, record: Mapping[str, Any]) -> BalanceResult:
    """What ``balance`` means against ``record``'s minimum (days counted in UTC)."""
    minimum = int(record.get("balance_min") or 0)
    low = balance.balance is not None and minimum > 0 and balance.balance < minimum
    days = None
    if balance.until is not None:
        today: date = datetime.fromtimestamp(now, UTC).date()
        days = (balance.until - today).days
    return BalanceResult(modem_id, now, balance, low=low, ended=days is not None and days < 0,
                         days_left=days)  # fmt: skip


__all__ = ["BalanceResult", "BalanceWatch", "judge", "low_wording", "low_words", "rupiah"]
