"""``/metrics`` lines of each SIM's balance check: credit, days left, time of the check."""

from __future__ import annotations

from collections.abc import Mapping

from otpbroker.services.balance_watch import BalanceResult
from otpbroker.web.metrics import label

FAMILIES = (
    ("otpbroker_sim_balance", "Credit the last parsed balance check read, by modem (rupiah)."),
    ("otpbroker_sim_active_days_left",
     "Days until the SIM's active period ends, from the last parsed check (negative: ended)."),
    ("otpbroker_sim_balance_checked_timestamp_seconds",
     "When the modem's balance was last checked (Unix time; parsed or not)."),
)  # fmt: skip


def balance_lines(results: Mapping[str, BalanceResult]) -> list[str]:
    """The three balance families, one sample per modem that has a value."""
    lines: list[str] = []
    for name, doc in FAMILIES:
        lines += [f"# HELP {name} {doc}", f"# TYPE {name} gauge"]
        for modem, result in sorted(results.items()):
            value = _value(name, result)
            if value is not None:
                lines.append(f'{name}{{modem="{label(modem)}"}} {value}')
    return lines


def _value(name: str, result: BalanceResult) -> str | None:
    if name.endswith("timestamp_seconds"):
        return f"{result.checked_at:.3f}"
    balance = result.balance
    if balance is None or not balance.parsed:
        return None
    if name == "otpbroker_sim_balance":
        return None if balance.balance is None else str(balance.balance)
    return None if result.days_left is None else str(result.days_left)


__all__ = ["balance_lines"]
