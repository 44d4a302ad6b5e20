"""The services the admin pages use, handed over once by the composition root.

``AdminServices`` is frozen and every field is required: each is a service of
``otpbroker.services`` or one of its small ports (``services.device_ports``, the DDNS
updater's ``DdnsControl``, the ``InternetLinks`` of mobile internet), never a bare callable
and never a "not wired" placeholder. Off a device the adapters are still there and say so
(``available`` False), which the pages show. Tests build the set with fakes in place of what
they replace (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.services.activity_series import ActivitySeries
from otpbroker.services.admin_accounts import AdminAccounts
from otpbroker.services.alerts import Alerts
from otpbroker.services.api_users import ApiUsers
from otpbroker.services.balance_watch import BalanceWatch
from otpbroker.services.blocking import BlockingList
from otpbroker.services.ddns import DdnsControl
from otpbroker.services.ddns_accounts import DdnsAccounts
from otpbroker.services.device_ports import (
    BrochureSource,
    ModemControl,
    SerialPorts,
    ServerReadings,
    SetupCodeCheck,
)
from otpbroker.services.diagnostic_reports import DiagnosticReports
from otpbroker.services.events import EventLog
from otpbroker.services.feeder_settings import FeederSettings
from otpbroker.services.firewall_rules import FirewallRules
from otpbroker.services.fleet_view import FleetView
from otpbroker.services.https_certificates import HttpsCertificates
from otpbroker.services.inbound import InboundService
from otpbroker.services.internet_modems import InternetLinks, InternetModems
from otpbroker.services.keepalive import KeepAlive
from otpbroker.services.login_throttle import LoginThrottle
from otpbroker.services.mail_accounts import MailAccounts
from otpbroker.services.modem_discovery import ModemDiscoveryService
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.modem_records import ModemRecords
from otpbroker.services.network_settings import NetworkSettings
from otpbroker.services.password_reset import PasswordReset
from otpbroker.services.sealing import SealingKeys
from otpbroker.services.self_test import SelfTests
from otpbroker.services.settings import SettingsService
from otpbroker.services.sms import SmsService
from otpbroker.services.uplink_watch import UplinkWatch
from otpbroker.services.webhooks import Webhooks
from otpbroker.web.admin.sessions import SessionStore
from otpbroker.web.metrics_assembler import QuotaReadings


@dataclass(frozen=True, kw_only=True)
class AdminServices:
    """Everything the admin pages use; built once by ``bootstrap``.

    ``sessions`` is the admin's own web state (who is logged in), not a use case: the
    composition root makes it with the rest so that the guard and every handler reach it the
    same way, and a test can hand in its own. ``throttle`` is the login throttle the REST
    API shares (``services.login_throttle``).
    """

    version: str  # shown on the home page
    # Accounts: administrators (the last-administrator rule, login), the REST API's users,
    # the device's first-run setup code and the password reset by SMS or e-mail
    admin_accounts: AdminAccounts
    api_users: ApiUsers
    setup_code: SetupCodeCheck
    password_reset: PasswordReset
    # Messages: manual SMS, routes, counts and the monitor's feed, alerts
    sms: SmsService
    events: EventLog
    alerts: Alerts
    # Modems: records, live control (status, USSD), health (holds, put back), plugged-in
    # USB modems (CD-ROM switch) and the serial ports a new modem may be on
    modem_records: ModemRecords
    modems: ModemControl
    modem_health: ModemHealth
    modem_discovery: ModemDiscoveryService
    serial_ports: SerialPorts
    # Settings pages: settings, blocking list, e-mail accounts, feeders (and their statuses)
    settings: SettingsService
    blocking: BlockingList
    mail_accounts: MailAccounts
    feeder_settings: FeederSettings
    # The device: network and firewall (with the safety net), mobile internet, DDNS, HTTPS
    network_settings: NetworkSettings
    firewall: FirewallRules
    internet_modems: InternetModems
    internet: InternetLinks
    # Mobile internet as Ethernet's standby (internet.mode) and the uplink's state
    uplink: UplinkWatch
    ddns_accounts: DdnsAccounts
    ddns: DdnsControl
    https: HttpsCertificates
    sealing_keys: SealingKeys
    server: ServerReadings
    brochure: BrochureSource
    # The admin's web state and the login throttle (see the class docstring)
    sessions: SessionStore
    throttle: LoginThrottle
    # SIM pacing: each modem's use of its caps (the modems page)
    sim_quota: QuotaReadings
    # The last hour and day per modem, in memory (the charts of the home and monitor pages)
    activity: ActivitySeries
    # Webhooks: their records, backlogs, test event and dead letters
    webhooks: Webhooks
    # Received SMS kept in memory (operators' notices, people's replies): "Received" page
    inbound: InboundService
    # SIM balance checks by USSD: each SIM's last result and "check now" (the modems page)
    balance: BalanceWatch
    # Modem checks: "Test this modem" (an SMS to its own number, back) and keep-alive SMS
    self_tests: SelfTests
    keepalive: KeepAlive
    # A running modem's field report ("Download diagnostic report", docs/modems.md)
    diagnostic_reports: DiagnosticReports
    # Several devices on one queue: consumers, heartbeats, "which device sent id X"
    fleet: FleetView
