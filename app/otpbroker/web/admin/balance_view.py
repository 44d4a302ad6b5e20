"""What the modems page shows of a SIM's last balance check: credit, active-until, state."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from otpbroker.i18n.formats import format_date, format_datetime, format_rupiah
from otpbroker.i18n.translate import ENGLISH, _, current_language
from otpbroker.services.balance_watch import BalanceResult, BalanceWatch, rupiah

STATE_BADGES = {"ok": "ok", "low": "bad", "expired": "bad", "unparsed": "warn", "error": "warn"}


def _money(amount: int | None) -> str:
    """Credit in rupiah; English keeps the operators' own writing (``Rp 1.234``)."""
    if amount is None or current_language() == ENGLISH:
        return rupiah(amount)
    return format_rupiah(amount)


def _until(day: date | None) -> str:
    """The end of the active period; English keeps the ISO date the operators' replies give."""
    if day is None:
        return "—"
    return str(day) if current_language() == ENGLISH else format_date(datetime.combine(day, time()))


def balance_view(result: BalanceResult) -> dict[str, Any]:
    """One result as the page shows it (never the reply text: it is not kept)."""
    balance = result.balance
    parsed = balance is not None and balance.parsed
    note = result.error
    if balance is not None and not balance.parsed:
        note = _("the reply ({length} characters) did not match the rule").format(
            length=balance.reply_length
        )
    return {
        "state": result.state,
        "badge": STATE_BADGES.get(result.state, "warn"),
        "balance": _money(balance.balance if balance and parsed else None),
        "until": _until(balance.until if balance else None),
        "days_left": result.days_left,
        "checked": format_datetime(datetime.fromtimestamp(result.checked_at).astimezone()),
        "note": note,
    }


def balance_by_id(watch: BalanceWatch) -> dict[str, dict[str, Any]]:
    """Every checked modem's last result, by id."""
    return {modem_id: balance_view(r) for modem_id, r in watch.results().items()}


__all__ = ["balance_by_id", "balance_view"]
