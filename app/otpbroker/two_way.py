"""The two-way part of the composition root: what gives news back to applications.

The bus carries status events and received SMS from their producers (the message-status
tracker, the inbound reader) to their consumers (webhooks, feeder replies, the monitor's
charts, metrics). ``Broker`` builds this once, before the services that publish to it, and
starts and stops it with the rest.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from otpbroker.config import keepalive_file
from otpbroker.config.status_journal import FILE_NAME as STATUS_JOURNAL_FILE
from otpbroker.config.status_journal import FileStatusJournal
from otpbroker.domain.ports import Repository, Settings
from otpbroker.feeders.redelivery import runtime_key
from otpbroker.modem import pdu
from otpbroker.services.activity_sampler import ActivitySampler, ModemSamples
from otpbroker.services.activity_series import ActivitySeries
from otpbroker.services.alerts import Alerts, alert_listener
from otpbroker.services.balance_watch import BalanceWatch, Ussd
from otpbroker.services.events import EventLog
from otpbroker.services.inbound import InboundService
from otpbroker.services.internet_modems import InternetLinks, InternetModems
from otpbroker.services.keepalive import KeepAlive
from otpbroker.services.message_life import MessageLife
from otpbroker.services.message_status import MessageStatus
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.self_test import SelfTests
from otpbroker.services.self_test_ports import (
    ModemList,
    ModemStatuses,
    OwnNumbers,
    Sender,
    SendOnModem,
)
from otpbroker.services.two_way_bus import TwoWayBus
from otpbroker.services.uplink_watch import UplinkWatch
from otpbroker.services.webhook_delivery import SettingSource, WebhookDelivery
from otpbroker.services.webhooks import WebhookRecords, Webhooks
from otpbroker.system.default_route import DefaultRouteReader
from otpbroker.system.runtime_dir import runtime_directory
from otpbroker.system.status import own_addresses
from otpbroker.webhooks.poster import HttpPoster
from otpbroker.webhooks.resolver import SocketResolver

log = logging.getLogger(__name__)
BalanceRecords = Callable[[], list[dict[str, Any]]]


class NewsFeeders(Protocol):
    """The feeders' manager, as far as the bus is concerned (``FeederManager``)."""

    def attach_news(self, bus: TwoWayBus, report_wait: Callable[[], float]) -> None:
        """Let the feeders send replies, status events and received SMS back."""
        ...


class Reconnecting(Protocol):
    """The feeders' manager, as far as the uplink is concerned (``FeederManager``)."""

    def reconnect(self) -> None:
        """Reconnect every running feeder over the new route after an uplink switch."""
        ...


class TwoWay:
    """The bus and the parts that live on it."""

    def __init__(self, data_dir: str | os.PathLike[str] | None, settings: Settings) -> None:
        """A bus with no subscriber yet, the message-status tracker (its journal in
        ``data_dir``, memory only without one) and the parts that need nothing else."""
        self.bus = TwoWayBus()
        self.journal: FileStatusJournal | None = None
        if data_dir is not None:
            self.journal = FileStatusJournal(
                Path(data_dir) / STATUS_JOURNAL_FILE,
                lambda: float(settings.get("status.retention_seconds")),
            )
        # Recipients' digests: keyed with the runtime key (tmpfs), never on the disk
        key = runtime_key(runtime_directory())
        self.status = MessageStatus(self.bus, settings, self.journal, key=key)
        self.life = MessageLife(self.bus, self.status)  # SmsService tells it each message's steps
        # The monitor's charts and the two-way metrics: the last hour and day, in memory
        self.activity = ActivitySeries()
        self.bus.subscribe_status(self.activity.on_status)
        self.bus.subscribe_inbound(self.activity.on_inbound)
        self._sampler: ActivitySampler | None = None
        # Received SMS: every modem's parts (ModemPool(inbound=...)), off until connected
        self.inbound = InboundService(self.bus)
        self.delivery: WebhookDelivery | None = None
        self.webhooks: Webhooks | None = None
        # The uplink: mobile internet as Ethernet's standby (internet.mode), and its state
        self.uplink = UplinkWatch(settings, DefaultRouteReader())
        self.balance: BalanceWatch | None = None  # SIM balance checks, once connected
        self.self_tests: SelfTests | None = None
        self.keepalive: KeepAlive | None = None
        self._keepalive_times = keepalive_file.in_directory(data_dir)  # ids and times only

    def connect(self, events: EventLog, modems: ModemSamples) -> None:
        """Join what is built after the bus: the finished requests (``events``) and the
        modems' queue depth and signal (``modems``, sampled once started)."""
        events.subscribe(self.activity.on_sms)
        self._sampler = ActivitySampler(self.activity, modems)

    def connect_webhooks(self, store: WebhookRecords, settings: SettingSource) -> Webhooks:
        """Build the parts that read the configuration (``store``: the ``ConfigStore``):
        webhooks (records for the admin, delivery on the bus). Returns the webhooks."""
        resolver = SocketResolver()
        self.delivery = WebhookDelivery(store, settings, HttpPoster(), resolver, own_addresses)
        self.delivery.connect(self.bus)
        self.webhooks = Webhooks(store, self.delivery, resolver, own_addresses)
        return self.webhooks

    def connect_alerts(self, alerts: Alerts) -> None:
        """Publish every administrator's alert raised or cleared on the bus (webhooks with
        the ``alert`` kind, feeders' status destinations)."""
        alerts.subscribe(alert_listener(self.bus.publish_alert))

    def watch_balance(self, ussd: Ussd, modems: BalanceRecords, alerts: Alerts,
                      health: ModemHealth) -> BalanceWatch:  # fmt: skip
        """SIM balance checks by USSD (``services.balance_watch``), run while started."""
        self.balance = BalanceWatch(ussd, modems, alerts, health)
        return self.balance

    def connect_checks(
        self, sms: Sender, store: ModemList, modems: ModemStatuses
    ) -> tuple[SelfTests, KeepAlive]:
        """The modem checks that ride on received SMS and on sends: the self-test (an SMS to
        the modem's own number, back as received) and the keep-alive of idle SIMs."""

        self.self_tests = SelfTests(self.bus, SendOnModem(sms), OwnNumbers(store, modems))
        self.keepalive = KeepAlive(self.bus, lambda: store.list("modems"), sms.submit,
                                   times=self._keepalive_times)  # fmt: skip
        return self.self_tests, self.keepalive

    def status_report(self, modem_id: str, report: pdu.StatusReport) -> None:
        """A modem's status report (``ModemPool(on_status_report=...)``), to the tracker; it
        runs in the modem's reader thread, which nothing here may break."""
        try:
            self.status.report(modem_id, report.message_ref, report.recipient, report.status)
        except Exception as exc:  # a bug here must not stop the modem's reader
            log.error("status report from %s not handled: %s", modem_id, type(exc).__name__)

    def connect_feeders(self, feeders: NewsFeeders, settings: Settings) -> None:
        """Feeders answer over their transport: replies, status events, received SMS."""

        def report_wait() -> float:
            value = settings.get("status.report_wait_seconds")
            return float(value) if isinstance(value, int | float) else 0.0

        feeders.attach_news(self.bus, report_wait)

    def connect_uplink(
        self, links: InternetLinks, records: Repository, ddns: Any, feeders: Reconnecting
    ) -> None:
        """Let the uplink watcher bring mobile internet up and down (``links``, the first
        modem of ``records`` with internet access); after a switch, DDNS checks the public
        address (``ddns.update_now``) and the feeders reconnect."""
        modems = InternetModems(records, links)
        self.uplink.connect(links, modems, ddns.update_now, feeders.reconnect)

    def start(self) -> None:
        """Start the parts that run threads (the activity sampler, the webhooks' dispatcher)."""
        if self._sampler is not None:
            self._sampler.start()
        if self.delivery is not None:
            self.delivery.start()
        self.uplink.start()
        if self.balance is not None:
            self.balance.start()
        if self.keepalive is not None:
            self.keepalive.start()

    def stop(self) -> None:
        """Stop them (undelivered webhook events are dropped: memory only); the status
        journal is closed (a late change opens it again)."""
        if self._sampler is not None:
            self._sampler.stop()
        if self.delivery is not None:
            self.delivery.stop()
        self.uplink.stop()
        if self.balance is not None:
            self.balance.stop()
        if self.keepalive is not None:
            self.keepalive.stop()
        if self.journal is not None:
            self.journal.close()


__all__ = ["TwoWay"]
