"""``/metrics`` in the Prometheus text format: counts and states, never content or numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from otpbroker.domain.modem_states import MODEM_STATES
from otpbroker.domain.routing import OUT_OF_ROUTING
from otpbroker.domain.sms_path import SmsPath

SMS_PATHS = tuple(path.value for path in SmsPath)
ROUTING_REASONS = tuple(OUT_OF_ROUTING)


@dataclass(frozen=True)
class ModemGauge:
    """What ``/metrics`` shows of one modem."""

    modem_id: str
    state: str
    busy: bool
    """A message is on the modem now (it took it from the waiting line; no outcome yet)."""
    signal_percent: int | None
    sent: int
    failed: int
    unknown: int
    sms_path: str | None = None
    """``domain.sms_path.SmsPath`` value; None before the first diagnosis."""
    out_of_routing: str | None = None
    """``domain.routing.OUT_OF_ROUTING`` key; None while it is in routing."""


@dataclass(frozen=True)
class FeederGauge:
    """What ``/metrics`` shows of one feeder."""

    name: str
    state: str
    received: int
    processed: int
    rejected: int
    reconnects: int
    restarts: int = 0
    """Restarts because the feeder's settings changed."""
    news_sent: int = 0
    """Replies, status events and received SMS published back to the application."""
    news_dropped: int = 0
    """Those dropped (no connection, a full queue, an unusable destination)."""


def _label(value: str) -> str:
    """A label value limited to safe characters (ids, outcomes, states)."""
    return re.sub(r"[^A-Za-z0-9_.:-]", "_", value)[:64]


label = _label  # for the other ``/metrics`` sections


def render_metrics(
    counts: Mapping[tuple[str, str, str], int],
    modems: Iterable[ModemGauge],
    uptime_seconds: float,
    feeders: Iterable[FeederGauge] = (),
    alerts: Mapping[str, int] | None = None,
    waiting: int = 0,
    refused: Mapping[str, int] | None = None,
) -> str:
    """The exposition text (``alerts``: active alerts by kind; ``waiting``: messages waiting
    for a free modem; ``refused``: messages the anti-pumping limits refused, by reason)."""
    lines = [
        "# HELP otpbroker_uptime_seconds Seconds since the broker started.",
        "# TYPE otpbroker_uptime_seconds gauge",
        f"otpbroker_uptime_seconds {uptime_seconds:.0f}",
        "# HELP otpbroker_sms_waiting Messages waiting for a free modem.",
        "# TYPE otpbroker_sms_waiting gauge",
        f"otpbroker_sms_waiting {waiting}",
        "# HELP otpbroker_requests_total Requests finished, by kind, outcome and modem.",
        "# TYPE otpbroker_requests_total counter",
    ]
    for (kind, outcome, modem_id), value in sorted(counts.items()):
        lines.append(
            f'otpbroker_requests_total{{kind="{_label(kind)}",outcome="{_label(outcome)}",'
            f'modem="{_label(modem_id)}"}} {value}'
        )
    modems = list(modems)
    lines += _modem_lines(modems)
    lines += _routing_lines(modems)
    lines += _alert_lines(alerts or {})
    lines += _feeder_lines(list(feeders))
    lines += _refused_lines(refused or {})
    return "\n".join(lines) + "\n"


def _modem_lines(modems: list[ModemGauge]) -> list[str]:
    """Each modem's up, state, busy, signal and message-count series."""
    lines = [
        "# HELP otpbroker_modem_up 1 when the modem is initialised and can send.",
        "# TYPE otpbroker_modem_up gauge",
    ]
    lines += [f'otpbroker_modem_up{{modem="{_label(m.modem_id)}"}} {int(m.state == "ready")}'
              for m in modems]  # fmt: skip
    lines += [
        "# HELP otpbroker_modem_state Current state of each modem (1 for the state it is in).",
        "# TYPE otpbroker_modem_state gauge",
    ]
    for modem in modems:
        for state in MODEM_STATES:
            lines.append(
                f'otpbroker_modem_state{{modem="{_label(modem.modem_id)}",state="{state}"}} '
                f"{int(modem.state == state)}"
            )
    lines += [
        "# HELP otpbroker_modem_busy 1 while a message is on the modem (taken, no outcome yet).",
        "# TYPE otpbroker_modem_busy gauge",
    ]
    lines += [f'otpbroker_modem_busy{{modem="{_label(m.modem_id)}"}} {int(m.busy)}'
              for m in modems]  # fmt: skip
    lines += [
        "# HELP otpbroker_modem_signal_percent Signal strength (0-100).",
        "# TYPE otpbroker_modem_signal_percent gauge",
    ]
    lines += [f'otpbroker_modem_signal_percent{{modem="{_label(m.modem_id)}"}} {m.signal_percent}'
              for m in modems if m.signal_percent is not None]  # fmt: skip
    lines += [
        "# HELP otpbroker_modem_messages_total Messages by modem and outcome since it started.",
        "# TYPE otpbroker_modem_messages_total counter",
    ]
    for modem in modems:
        for outcome in ("sent", "failed", "unknown"):
            lines.append(
                f'otpbroker_modem_messages_total{{modem="{_label(modem.modem_id)}",'
                f'outcome="{outcome}"}} {getattr(modem, outcome)}'
            )
    return lines


def _routing_lines(modems: list[ModemGauge]) -> list[str]:
    lines = [
        "# HELP otpbroker_modem_sms_path 1 for the SMS path the modem was last found to have.",
        "# TYPE otpbroker_modem_sms_path gauge",
    ]
    for modem in modems:
        for path in SMS_PATHS:
            lines.append(
                f'otpbroker_modem_sms_path{{modem="{_label(modem.modem_id)}",path="{path}"}} '
                f"{int(modem.sms_path == path)}"
            )
    lines += [
        "# HELP otpbroker_modem_out_of_routing 1 for the reason a modem is out of routing.",
        "# TYPE otpbroker_modem_out_of_routing gauge",
    ]
    for modem in modems:
        for reason in ROUTING_REASONS:
            lines.append(
                f'otpbroker_modem_out_of_routing{{modem="{_label(modem.modem_id)}",'
                f'reason="{reason}"}} {int(modem.out_of_routing == reason)}'
            )
    return lines


def _alert_lines(alerts: Mapping[str, int]) -> list[str]:
    lines = [
        "# HELP otpbroker_alerts_active Alerts waiting for the administrator, by kind.",
        "# TYPE otpbroker_alerts_active gauge",
    ]
    lines += [f'otpbroker_alerts_active{{kind="{_label(kind)}"}} {count}'
              for kind, count in sorted(alerts.items())]  # fmt: skip
    return lines


def _feeder_lines(feeders: list[FeederGauge]) -> list[str]:
    lines = [
        "# HELP otpbroker_feeder_up 1 when the feeder is connected, 0 otherwise.",
        "# TYPE otpbroker_feeder_up gauge",
    ]
    lines += [f'otpbroker_feeder_up{{feeder="{_label(f.name)}",state="{_label(f.state)}"}} '
              f"{int(f.state == 'connected')}" for f in feeders]  # fmt: skip
    lines += [
        "# HELP otpbroker_feeder_messages_total Messages a feeder took, by result.",
        "# TYPE otpbroker_feeder_messages_total counter",
    ]
    for feeder in feeders:
        for result in ("received", "processed", "rejected"):
            lines.append(
                f'otpbroker_feeder_messages_total{{feeder="{_label(feeder.name)}",'
                f'result="{result}"}} {getattr(feeder, result)}'
            )
    lines += [
        "# HELP otpbroker_feeder_reconnects_total Connection attempts after a failure.",
        "# TYPE otpbroker_feeder_reconnects_total counter",
    ]
    lines += [f'otpbroker_feeder_reconnects_total{{feeder="{_label(f.name)}"}} {f.reconnects}'
              for f in feeders]  # fmt: skip
    lines += [
        "# HELP otpbroker_feeder_restarts_total Restarts because the feeder's settings changed.",
        "# TYPE otpbroker_feeder_restarts_total counter",
    ]
    lines += [f'otpbroker_feeder_restarts_total{{feeder="{_label(f.name)}"}} {f.restarts}'
              for f in feeders]  # fmt: skip
    lines += [
        "# HELP otpbroker_feeder_news_total Replies, status events and received SMS published"
        " back over the feeder's transport, by result.",
        "# TYPE otpbroker_feeder_news_total counter",
    ]
    lines += [f'otpbroker_feeder_news_total{{feeder="{_label(f.name)}",result="{result}"}} '
              f"{getattr(f, 'news_' + result)}"
              for f in feeders for result in ("sent", "dropped")]  # fmt: skip
    return lines


def _refused_lines(refused: Mapping[str, int]) -> list[str]:
    lines = [
        "# HELP otpbroker_sms_refused_total Messages refused by the anti-pumping limits, "
        "by reason.",
        "# TYPE otpbroker_sms_refused_total counter",
    ]
    lines += [f'otpbroker_sms_refused_total{{reason="{_label(reason)}"}} {count}'
              for reason, count in sorted(refused.items())]  # fmt: skip
    return lines
