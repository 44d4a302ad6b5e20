"""What the modems page shows of a SIM's last balance check: credit, active-until, state."""

from __future__ import annotations

import time
from typing import Any

from otpbroker.services.balance_watch import BalanceResult, BalanceWatch, rupiah

STATE_BADGES = {"ok": "ok", "low": "bad", "expired": "bad", "unparsed": "warn", "error": "warn"}


def balance_view(result: BalanceResult) -> dict[str, Any]:
    """One result as the page shows it (never the reply text: it is not kept)."""
    balance = result.balance
    parsed = balance is not None and balance.parsed
    note = result.error
    if balance is not None and not balance.parsed:
        note = f"the reply ({balance.reply_length} characters) did not match the rule"
    return {
        "state": result.state,
        "badge": STATE_BADGES.get(result.state, "warn"),
        "balance": rupiah(balance.balance if balance and parsed else None),
        "until": str(balance.until) if balance and balance.until else "—",
        "days_left": result.days_left,
        "checked": time.strftime("%Y-%m-%d %H:%M", time.localtime(result.checked_at)),
        "note": note,
    }


def balance_by_id(watch: BalanceWatch) -> dict[str, dict[str, Any]]:
    """Every checked modem's last result, by id."""
    return {modem_id: balance_view(r) for modem_id, r in watch.results().items()}


__all__ = ["balance_by_id", "balance_view"]
