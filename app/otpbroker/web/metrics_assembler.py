"""What ``/metrics`` shows, gathered from the modems, the feeders, the events and the alerts."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from otpbroker.services.alerts import Alerts
from otpbroker.services.events import EventLog
from otpbroker.web.metrics import FeederGauge, ModemGauge, render_metrics
from otpbroker.web.metrics_balance import balance_lines
from otpbroker.web.metrics_logins import LoginReadings, login_lines
from otpbroker.web.metrics_modems import SendReadings, send_lines
from otpbroker.web.metrics_quota import quota_lines
from otpbroker.web.metrics_two_way import TwoWayReadings, two_way_lines
from otpbroker.web.metrics_uplink import LinkReadings, UplinkReadings, link_lines, uplink_lines
from otpbroker.web.metrics_webhooks import WebhookReadings, webhook_lines


class ModemReadings(Protocol):
    """The running modems (``ModemPool``)."""

    def statuses(self) -> list[Any]:
        """A status snapshot of each running modem."""
        ...

    def busy(self) -> frozenset[str]:
        """Ids of the modems with a message on them now."""
        ...

    def waiting(self) -> int:
        """Messages waiting for a free modem."""
        ...


class RouteSource(Protocol):
    """Every configured modem as routing sees it (``SmsService``)."""

    def routes(self) -> list[Any]:
        """``ModemRoute`` of each modem (``id``, ``reason``)."""
        ...


class QuotaReadings(Protocol):
    """The SIMs' use of their caps (``modem.pacing.PacingGate``)."""

    def views(self) -> list[Any]:
        """A ``QuotaView`` of each configured modem."""
        ...

    def refused_total(self) -> dict[str, int]:
        """Sends refused for quota, by modem."""
        ...


class FeederReadings(Protocol):
    """The feeders (``FeederManager``)."""

    def statuses(self) -> list[Any]:
        """A status of each feeder."""
        ...


class MetricsAssembler:
    """Builds the ``/metrics`` text from what runs now."""

    def __init__(
        self,
        modems: ModemReadings,
        routing: RouteSource,
        feeders: FeederReadings,
        events: EventLog,
        alerts: Alerts,
        clock: Callable[[], float] = time.time,
        refusals: Callable[[], Mapping[str, int]] | None = None,
        quota: QuotaReadings | None = None,
        logins: LoginReadings | None = None,
        sends: SendReadings | None = None,
        activity: TwoWayReadings | None = None,
        readiness: Callable[[], Any] | None = None,
        webhooks: WebhookReadings | None = None,
        uplink: UplinkReadings | None = None,
        balance: Callable[[], Mapping[str, Any]] | None = None,
        links: LinkReadings | None = None,
    ) -> None:
        """Each collaborator is read at every scrape, nothing is cached (``refusals``: the
        anti-pumping refusals by reason, ``SendLimits.refusals``; ``quota``: the SIM pacing;
        ``logins``: the login throttle; ``sends``: each modem's queue, send latency and
        ``+CMS ERROR`` classes; ``activity``: status reports, delivery ratio and received SMS;
        ``readiness``: ``services.readiness.ReadinessCheck.check``; ``webhooks``: their
        backlogs and deliveries; ``balance``: each SIM's last balance check,
        ``BalanceWatch.results``; ``links``: the mobile links kept up, ``LinkRedial``;
        None: no such lines)."""
        self._activity = activity
        self._readiness = readiness
        self._sends = sends
        self._webhooks = webhooks
        self._uplink = uplink
        self._logins = logins
        self._quota = quota
        self._modems = modems
        self._routing = routing
        self._feeders = feeders
        self._events = events
        self._alerts = alerts
        self._clock = clock
        self._refusals = refusals
        self._balance = balance
        self._links = links

    def __call__(self) -> str:
        """The ``/metrics`` text."""
        uptime = self._clock() - self._events.started
        refused = self._refusals() if self._refusals is not None else None
        text = render_metrics(self._events.counts(), self.modem_gauges(), uptime,
                              self.feeder_gauges(), self._alerts.counts(),
                              self._modems.waiting(), refused)  # fmt: skip
        more: list[str] = []
        if self._quota is not None:
            more += quota_lines(self._quota.views(), self._quota.refused_total())
        if self._sends is not None:
            more += send_lines(self._sends)
        if self._logins is not None:
            more += login_lines(self._logins.failures(), self._logins.refusals())
        if self._activity is not None:
            ready = bool(self._readiness().ready) if self._readiness is not None else None
            more += two_way_lines(self._activity, ready)
        if self._webhooks is not None:
            more += webhook_lines(self._webhooks)
        more += uplink_lines(self._uplink) if self._uplink is not None else []
        more += balance_lines(self._balance()) if self._balance is not None else []
        more += link_lines(self._links) if self._links is not None else []
        return text + "".join(line + "\n" for line in more)

    def modem_gauges(self) -> list[ModemGauge]:
        """One gauge per running modem, with its routing reason when it is out of routing."""
        routes = {route.id: route for route in self._routing.routes()}
        busy = self._modems.busy()
        return [
            ModemGauge(
                s.modem_id,
                s.state,
                s.modem_id in busy,
                s.network.signal_percent,
                s.sent,
                s.failed,
                s.unknown,
                s.sms_path.path.value if s.sms_path else None,
                routes[s.modem_id].reason if s.modem_id in routes else None,
            )
            for s in self._modems.statuses()
        ]

    def feeder_gauges(self) -> list[FeederGauge]:
        """One gauge per feeder."""
        return [FeederGauge(f.name, f.state, f.received, f.processed, f.rejected, f.reconnects,
                            getattr(f, "restarts", 0), getattr(f, "news_sent", 0),
                            getattr(f, "news_dropped", 0))
                for f in self._feeders.statuses()]  # fmt: skip


__all__ = ["FeederReadings", "MetricsAssembler", "ModemReadings", "QuotaReadings", "RouteSource"]
