"""The composition root: the only place that knows every concrete class.

``Broker`` builds the adapters and the services, hands each what it needs through its
constructor, and starts and stops them. What keeps the broker in line with the stored
configuration is ``services.config_reconciler``; the rest of the behaviour lives with the
service or adapter it belongs to.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

from otpbroker import __version__
from otpbroker.accounts_wiring import wire_accounts
from otpbroker.config.blocklist import ConfigBlockList
from otpbroker.config.describe import setting_docs
from otpbroker.config.quota_store import QuotaFile
from otpbroker.config.send_ledger import FILE_NAME as SEND_LEDGER_FILE
from otpbroker.config.send_ledger import FileSendLedger
from otpbroker.config.snapshot import SettingsSnapshot
from otpbroker.config.store import ConfigStore
from otpbroker.config.watch import ConfigWatcher
from otpbroker.ddns.clients import DdnsClients
from otpbroker.domain.routing import ModemRoute
from otpbroker.factory import FactorySecrets, SealingKeyFiles
from otpbroker.factory.brochure import Brochure
from otpbroker.feeders.manager import FeederManager
from otpbroker.feeders.redelivery import RedeliveryGuard, runtime_key
from otpbroker.feeders.registry import feeder_factories, feeder_probes
from otpbroker.fleet.rabbit_consumers import ManagementConsumers
from otpbroker.fleet.redis_ledger import RedisSharedLedger
from otpbroker.machine import Machine as Machine
from otpbroker.mail import MailGateway
from otpbroker.modem.configured import ConfiguredModems
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.modem.hotplug import HotPlug
from otpbroker.modem.hotplug_refs import StoredModemRefs
from otpbroker.modem.pacing import PacingGate
from otpbroker.modem.pool import ModemPool
from otpbroker.modem.port_holds import SmsPortHolds
from otpbroker.modem.report_makers import PoolReports
from otpbroker.modem.usb_reset import UsbPortReset
from otpbroker.services.alerts import Alerts
from otpbroker.services.blocking import BlockingList
from otpbroker.services.command_processor import CommandProcessor
from otpbroker.services.config_reconciler import ConfigReconciler
from otpbroker.services.ddns import DdnsUpdater
from otpbroker.services.ddns_accounts import DdnsAccounts
from otpbroker.services.diagnostic_reports import DiagnosticReports
from otpbroker.services.events import EventLog
from otpbroker.services.feeder_settings import FeederSettings
from otpbroker.services.firewall_rules import FirewallRules
from otpbroker.services.fleet_view import FleetView
from otpbroker.services.https_certificates import HttpsCertificates
from otpbroker.services.internet_modems import InternetLinks, InternetModems
from otpbroker.services.link_redial import LinkRedial
from otpbroker.services.listeners import Listeners as RouteListeners
from otpbroker.services.login_throttle import LoginThrottle
from otpbroker.services.mail import MailService
from otpbroker.services.mail_accounts import MailAccounts
from otpbroker.services.modem_discovery import ModemDiscoveryService
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.modem_records import ModemRecords
from otpbroker.services.network_apply import SafetyNet
from otpbroker.services.network_changes import NetworkChanges
from otpbroker.services.network_settings import NetworkSettings
from otpbroker.services.otp import OtpService
from otpbroker.services.readiness import ReadinessCheck
from otpbroker.services.route_classes import ConsumptionPlanner
from otpbroker.services.sealing import Sealing
from otpbroker.services.send_limits import SendLimits
from otpbroker.services.settings import SettingsService
from otpbroker.services.shared_ledger import SharedClaims
from otpbroker.services.shutdown import Shutdown
from otpbroker.services.sms import SmsService
from otpbroker.services.stopping import GracefulStop, stop_bound
from otpbroker.system.haproxy_front import FrontSupervisor
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.helper_program import HELPER_STAGE_DIR, helper_transport
from otpbroker.system.internet import InternetControl
from otpbroker.system.network_control import NetworkControl
from otpbroker.system.runtime_dir import private_directory, runtime_directory
from otpbroker.system.status import MachineStatus
from otpbroker.system.tls_directory import TlsDirectory
from otpbroker.system.usb_control import HelperUsbControl
from otpbroker.two_way import TwoWay
from otpbroker.web.admin.app import build_admin, with_body_limit
from otpbroker.web.admin.services import AdminServices
from otpbroker.web.admin.sessions import SessionStore
from otpbroker.web.api import build_api
from otpbroker.web.api_paths import ApiPaths
from otpbroker.web.app_slot import AppSlot
from otpbroker.web.dispatch import by_path
from otpbroker.web.listener_control import ConfiguredListeners, ListenOptions, ServedCertificate
from otpbroker.web.listeners import Listeners
from otpbroker.web.metrics_assembler import MetricsAssembler


class Broker:
    """Everything ``otp-broker serve`` runs."""

    def __init__(self, data_dir: str | os.PathLike[str], machine: Machine | None = None) -> None:
        machine = machine or Machine()
        self.store = ConfigStore(data_dir)
        self.settings = SettingsSnapshot(self.store)
        self.events = EventLog()
        self.two_way = TwoWay(data_dir, self.settings)  # statuses and received SMS, back to apps
        self.webhooks = self.two_way.connect_webhooks(self.store, self.settings)  # signed
        self.shutdown = Shutdown()  # the process's stop: begun, then perhaps hurried
        self.alerts = Alerts()  # for the administrator: modem holds, dead modems, no SMS path
        self.two_way.connect_alerts(self.alerts)  # and to applications (webhooks, feeders)
        # The privileged helper: network, firewall, mobile internet, USB (on a device)
        self.helper = HelperClient(helper_transport(), HELPER_STAGE_DIR)
        usb_control = self.usb_control = machine.usb_control or HelperUsbControl(self.helper)
        # The pool tells ModemHealth each modem's route and ModemHealth asks the pool to
        # recover a dead modem: the pool is built first, telling routes to a listener list
        # that ModemHealth joins once it is built.
        routes = RouteListeners[Callable[[ModemRoute], None]]("modem route")
        # SIM pacing: gaps and caps per modem, counted in <data-dir>/sim-quota.json
        self.pacing = PacingGate(QuotaFile(data_dir))
        self.pool = ModemPool(
            on_route=routes.tell,
            on_status_report=self.two_way.status_report,
            reset_usb=UsbPortReset(lambda: usb_control),
            gate=self.pacing,
            inbound=self.two_way.inbound,  # received SMS: read, handed over, deleted
        )
        self.two_way.connect(self.events, self.pool)  # charts: requests, queues, signal
        self.health = ModemHealth(self.alerts, self.pool.names, recover=self.pool.recover)
        self.modem_records = ModemRecords(self.store)  # also serve --modem
        self.balance = self.two_way.watch_balance(self.pool.ussd, self.modem_records.active,
                                                  self.alerts, self.health)  # fmt: skip
        routes.subscribe(self.health.observe)
        self.blocklist = ConfigBlockList(self.store)
        self.two_way.inbound.connect(self.settings, self.events, self.blocklist)
        self.limits = SendLimits(self.settings, self.events)  # anti-pumping, before any modem
        # What went out (ids and digests, states and times): no duplicate after a crash
        self.ledger = FileSendLedger(Path(data_dir) / SEND_LEDGER_FILE)
        self.shared = SharedClaims(self.settings, RedisSharedLedger.at, self.alerts)  # fleet.*
        self.sms = SmsService(
            self.pool, self.blocklist, self.settings, self.events, self.health,
            limits=self.limits, ledger=self.ledger, shared=self.shared,
            stopping=self.shutdown.is_on, life=self.two_way.life,
        )  # fmt: skip
        self.otp = OtpService(self.sms, self.settings)
        self.fleet = FleetView(self.settings, self.shared, RedisSharedLedger.at,
                               ManagementConsumers, self.pool.statuses)  # fmt: skip
        self.self_tests, self.keepalive = self.two_way.connect_checks(self.sms, self.store,
                                                                      self.pool)  # fmt: skip
        self.mail = MailGateway(functools.partial(self.store.list, "mail_accounts"))
        mail_service = MailService(self.mail)
        self.sealing = Sealing(SealingKeyFiles(data_dir), self.settings)
        self.processor = CommandProcessor(
            self.sms, self.otp, self.blocklist, self.settings, mail_service,
            sealing=self.sealing,
        )  # fmt: skip
        accounts = wire_accounts(self.store, self.settings, self.alerts, self.sms, mail_service)
        self.admin_accounts, self.api_users = accounts.admin_accounts, accounts.api_users
        self.authenticator, self.alert_mail = accounts.authenticator, accounts.alert_mail
        self.password_reset = accounts.password_reset
        # Id-less redeliveries: keyed digests, the key in the runtime directory (tmpfs)
        redelivery = RedeliveryGuard(runtime_key(runtime_directory()), self.ledger)
        planner = ConsumptionPlanner(self.sms.routes, self.settings)  # queues from the modems
        self.feeders = FeederManager(self.processor, feeder_factories(), redelivery, self.events,
                                     planner=planner)  # fmt: skip
        self.two_way.connect_feeders(self.feeders, self.settings)  # replies and status back
        # Credential guessing: one throttle for the API's Basic auth and the admin's login
        self.login_throttle = LoginThrottle(self.settings, self.events)
        # /health/ready: can the device take OTPs now, and why not
        self.readiness = ReadinessCheck(self.sms.routes, self.pool.names, self.shutdown.is_on,
                                        self.shared.notes)  # fmt: skip
        # Mobile internet (ppp) per modem, through the same helper (kept up: LinkRedial)
        self.sms_holds = SmsPortHolds(self.pool)
        internet = (machine.internet or self._internet)(self.sms_holds)
        self.metrics = MetricsAssembler(
            self.pool, self.sms, self.feeders, self.events, self.alerts,
            refusals=self.limits.refusals, quota=self.pacing, logins=self.login_throttle,
            sends=self.pool, activity=self.two_way.activity, readiness=self.readiness.check,
            webhooks=self.webhooks, uplink=self.two_way.uplink, balance=self.balance.results,
            links=internet if isinstance(internet, LinkRedial) else None,
        )  # fmt: skip
        self.api = build_api(
            self.processor, self.authenticator, self.login_throttle, self.settings,
            self.metrics, self.api_users.terms_for, self.sealing.keys.key,
            stopping=self.shutdown.is_on, readiness=self.readiness.check,
            status=self.two_way.status,
        )  # fmt: skip
        self.factory_secrets = FactorySecrets(data_dir)
        self.factory_secrets.ensure(with_tls=False)  # the HTTPS listener makes the TLS pair
        self.setup_code = self.factory_secrets.setup_code
        self.brochure = Brochure(self.factory_secrets, self.store.settings)
        ddns_clients = DdnsClients(self.settings, __version__)
        self.ddns = DdnsUpdater(self.store, self.settings, ddns_clients.find_public_address,
                                ddns_clients.provider)  # fmt: skip
        # Network and firewall settings, applied through the privileged helper (on a device)
        network = machine.network or NetworkControl(self.helper, self.factory_secrets.wifi)
        # The settings, blocking list, DDNS, firewall and network use cases of the admin
        self.settings_service = SettingsService(self.store, setting_docs)
        # The safety net's settings side: previous values of unconfirmed changes in
        # <data-dir>/network-pending.json, restored when the helper reverts (see start())
        self.network_changes = NetworkChanges(self.store, lambda: network, data_dir)
        safety_net = SafetyNet(
            self.settings_service, self.store, lambda: network,
            self.network_changes,
        )  # fmt: skip
        self.two_way.connect_uplink(internet, self.store, self.ddns, self.feeders)  # standby
        # USB: plugged-in modems found by id (and AT), CD-ROM switch and reset via the helper
        discovery = machine.usb_discovery or UsbModemDiscovery()
        self.modem_discovery = ModemDiscoveryService(discovery, self.store, usb_control)
        # HTTPS: the admin shows the listeners and swaps their certificate, so they come
        # before the app they serve, which is handed to them through a slot once built
        tls = TlsDirectory(Path(data_dir) / "tls", self.store.settings)
        app = AppSlot()
        # The front (haproxy, a child process) serves the ports; cheroot serves it on Unix
        # sockets in a private directory of the runtime directory
        self.listeners = Listeners(
            app,
            ServedCertificate(tls),
            FrontSupervisor,
            functools.partial(private_directory, "front-"),
        )
        self.api_listeners = ConfiguredListeners(self.listeners)
        self.admin_services = AdminServices(
            version=__version__, admin_accounts=self.admin_accounts, api_users=self.api_users,
            setup_code=self.setup_code, password_reset=self.password_reset, sms=self.sms,
            events=self.events, alerts=self.alerts, modem_records=self.modem_records,
            modems=self.pool, modem_health=self.health, modem_discovery=self.modem_discovery,
            serial_ports=machine.serial_ports, settings=self.settings_service,
            blocking=BlockingList(self.blocklist, self.store, self.settings),
            mail_accounts=MailAccounts(self.store, lambda: mail_service, self.mail.rotation.usage),
            feeder_settings=FeederSettings(
                self.settings_service, feeder_probes(), self.feeders.statuses
            ),
            network_settings=NetworkSettings(self.settings_service, safety_net),
            firewall=FirewallRules(self.store, safety_net),
            internet_modems=InternetModems(self.store, internet), internet=internet,
            ddns_accounts=DdnsAccounts(self.store), ddns=self.ddns,
            https=HttpsCertificates(tls, self.listeners), sealing_keys=self.sealing.keys,
            server=machine.server or MachineStatus(data_dir), brochure=self.brochure,
            sessions=SessionStore(), throttle=self.login_throttle, sim_quota=self.pacing,
            inbound=self.two_way.inbound, activity=self.two_way.activity,
            webhooks=self.webhooks, uplink=self.two_way.uplink, balance=self.balance,
            self_tests=self.self_tests, keepalive=self.keepalive, fleet=self.fleet,
            diagnostic_reports=DiagnosticReports(PoolReports(self.pool)),
        )  # fmt: skip
        self.admin = build_admin(self.admin_services)
        self.app = by_path(self.api, with_body_limit(self.admin), ApiPaths(self.settings))
        app.fill(self.app)
        modem_refs = StoredModemRefs(self.store)
        self.hotplug = HotPlug(self.pool, modem_refs.refs, modem_refs.move)
        self.reconciler = ConfigReconciler(
            self.store, ConfiguredModems(self.pool), (self.feeders, self.api_listeners)
        )
        self.watcher = ConfigWatcher(self.store)
        self._unsubscribe = self.store.subscribe(self.reconciler.on_change)

    def _internet(self, sms_holds: Callable[[str], bool]) -> InternetLinks:
        return LinkRedial(InternetControl(self.helper, sms_holds=sms_holds))

    def start(
        self, host: str, http_port: int | None = None, https_port: int | None = None
    ) -> Listeners:
        """Start modems, the configuration watcher and the HTTP/HTTPS listeners the API
        setting enables; a port given here replaces the configured one (0: a free port)."""
        self.reconciler.apply()
        options = ListenOptions(host, http_port, https_port)  # from now on settings move them
        listeners = self.api_listeners.start(options, self.store.settings())
        self.hotplug.start()
        self.two_way.start()
        self.alert_mail.start()
        self.watcher.start()
        self.network_changes.start()  # reconciles at once: covers a restart in the window
        self.ddns.start()
        self.fleet.start()
        return listeners

    def stop_bound(self) -> float:
        """Longest a graceful stop may take, in seconds (``services.stopping``)."""
        return stop_bound(self.settings)

    def stop(self) -> None:
        """A graceful stop (``services.stopping``): it begins the shutdown if nobody did."""
        stop = GracefulStop(self.shutdown, self.pool, self.feeders, self.settings)
        stop.run(
            quiet=(self.watcher.stop, self.hotplug.stop, self.alert_mail.stop, self._unsubscribe),
            close=(self.api_listeners.stop, self.ddns.stop, self.network_changes.stop,
                   self.pool.stop, self.two_way.stop, self.ledger.close, self.shared.close,
                   self.fleet.stop, self.store.close),
        )  # fmt: skip
