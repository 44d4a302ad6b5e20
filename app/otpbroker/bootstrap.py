"""The composition root: the only place that knows every concrete class.

``Broker`` wires configuration, modems, services and the HTTP API together, keeps the
modems in step with the configuration (also when another process such as the CLI changes
it), and starts and stops everything.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from otpbroker import __version__
from otpbroker.config.blocklist import ConfigBlockList
from otpbroker.config.describe import setting_docs
from otpbroker.config.snapshot import SettingsSnapshot
from otpbroker.config.store import ConfigStore, check_new_password
from otpbroker.ddns import PublicAddressFinder, provider_for
from otpbroker.ddns.providers import user_agent
from otpbroker.ddns.web_client import WebClient
from otpbroker.factory import FactorySecrets
from otpbroker.factory.brochure import Brochure
from otpbroker.feeders.manager import FeederManager
from otpbroker.mail import MailGateway
from otpbroker.modem import pdu
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.hotplug import HotPlug, ModemRef
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.ports import detect_ports
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.usb_reset import UsbPortReset
from otpbroker.services.admin_accounts import AdminAccounts
from otpbroker.services.alert_mail import AlertMailer
from otpbroker.services.alerts import Alerts
from otpbroker.services.api_users import ApiUsers
from otpbroker.services.auth import ApiAuthenticator
from otpbroker.services.commands import CommandProcessor
from otpbroker.services.ddns import DdnsUpdater
from otpbroker.services.events import EventLog
from otpbroker.services.mail import MailService
from otpbroker.services.modem_discovery import ModemDiscoveryService
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.network_changes import NetworkChanges
from otpbroker.services.otp import OtpService
from otpbroker.services.password_reset import PasswordReset
from otpbroker.services.sms import SmsService
from otpbroker.system import status as system_status
from otpbroker.system import tls
from otpbroker.system.device_names import DeviceNames, device_names
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.internet import InternetControl
from otpbroker.system.network_control import NetworkControl
from otpbroker.system.usb_control import HelperUsbControl
from otpbroker.web.admin.app import build_admin, with_body_limit
from otpbroker.web.admin.context import AdminContext
from otpbroker.web.api import PATH_KEYS, build_api
from otpbroker.web.dispatch import by_path
from otpbroker.web.listeners import ListenerPlan, Listeners, TlsFiles
from otpbroker.web.metrics import FeederGauge, ModemGauge, render_metrics

log = logging.getLogger(__name__)
SMS_LOGGERS = ("otpbroker.modem", "otpbroker.services.sms", "otpbroker.feeders")
HELPER_PROGRAM = "/usr/local/sbin/otpb-helper"
HELPER_STAGE_DIR = Path("/run/otp-broker/stage")
# Feeder name -> (module, feeder class). A feeder's client library (pika, paho-mqtt,
# websocket-client) is imported when the feeder is first started or probed, not at boot.
FEEDERS = {
    "rabbitmq": ("otpbroker.feeders.amqp", "RabbitMqFeeder"),
    "ws": ("otpbroker.feeders.ws", "WsBrokerFeeder"),
    "mqtt": ("otpbroker.feeders.mqtt", "MqttFeeder"),
}


def _on_first_use(module: str, name: str) -> Any:
    """A callable that imports ``module`` on its first call and calls its ``name``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def helper_argv() -> list[str] | None:
    """How the app runs the privileged helper: through sudo on a device, None elsewhere."""
    return ["sudo", "-n", HELPER_PROGRAM] if os.path.exists(HELPER_PROGRAM) else None


def modem_spec(record: Mapping[str, Any], settings: Mapping[str, Any]) -> ModemSpec:
    """A configured modem record, plus the SMS settings, as the modem layer needs it."""
    options = ModemOptions(
        pin=record.get("pin") or None,
        smsc=record.get("smsc") or None,
        use_cmms=bool(settings["sms.use_cmms"]),
        ussd_packed=bool(record.get("ussd_packed")),
        status_reports=bool(settings["sms.status_reports"]),
        prompt_timeout=float(settings["sms.prompt_timeout_seconds"]),
        result_timeout=float(settings["sms.result_timeout_seconds"]),
        validity=pdu.validity_from_minutes(int(settings["sms.validity_minutes"])),
    )
    serial = SerialSettings(
        port=str(record["port"]),
        baudrate=int(record.get("baud_rate", 115200)),
        parity=str(record.get("parity", "N")),
        data_bits=int(record.get("data_bits", 8)),
        stop_bits=int(record.get("stop_bits", 1)),
    )
    return ModemSpec(
        modem_id=str(record["id"]),
        name=str(record.get("name") or record["port"]),
        serial=serial,
        options=options,
        prefixes=tuple(record.get("prefixes") or ()),
        default=bool(record.get("default_modem")),
        active=bool(record.get("active", True)),
        send_from_api=bool(record.get("send_from_api", True)),
    )


def register_modem_ports(store: ConfigStore, ports: list[str]) -> None:
    """Add a modem record for each port not configured yet (``serve --modem PORT``)."""
    known = {str(record["port"]) for record in store.list("modems")}
    for port in (os.path.abspath(port) for port in ports):
        if port not in known:
            store.add("modems", {"name": f"modem {Path(port).name}", "port": port})
            known.add(port)


class Broker:
    """Everything ``otp-broker serve`` runs."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.store = ConfigStore(data_dir)
        self.settings = SettingsSnapshot(self.store)
        self.events = EventLog()
        # Alerts for the administrator; modem trouble (holds, dead, no SMS path) raises them
        self.alerts = Alerts()
        self.health = ModemHealth(self.alerts, lambda: self.pool.names(),
                                  recover=lambda modem_id: self.pool.recover(modem_id))  # fmt: skip
        self.pool = ModemPool(
            on_route=self.health.observe,
            # the recovery ladder's USB reset, through the helper (built further down)
            reset_usb=UsbPortReset(lambda: self.usb_control),
        )
        self.blocklist = ConfigBlockList(self.store)
        self.sms = SmsService(self.pool, self.blocklist, self.settings, self.events, self.health)
        self.otp = OtpService(self.sms, self.settings)
        self.mail = MailGateway(lambda: self.store.list("mail_accounts"))
        self.processor = CommandProcessor(
            self.sms, self.otp, self.blocklist, self.settings, MailService(self.mail)
        )
        self.admin_accounts = AdminAccounts(self.store, check_new_password)
        self.api_users = ApiUsers(self.store, check_new_password)
        self.alert_mail = AlertMailer(
            self.alerts, self.admin_accounts.list, lambda: self.processor.mailer
        )
        self.authenticator = ApiAuthenticator(
            self.api_users.find_for_login, self.settings, self.api_users.version
        )
        self.api = build_api(self.processor, self.authenticator, self.settings, self.metrics)
        self.factory_secrets = FactorySecrets(data_dir)
        self.factory_secrets.ensure(with_tls=False)  # the HTTPS listener makes the TLS pair
        self.setup_code = self.factory_secrets.setup_code
        self.brochure = Brochure(self.factory_secrets, self.store.settings)
        self.password_reset = PasswordReset(
            self.admin_accounts, self.sms, lambda: self.processor.mailer
        )
        self.feeders = FeederManager(
            self.processor,
            {name: _on_first_use(module, cls) for name, (module, cls) in FEEDERS.items()},
        )
        self.ddns = DdnsUpdater(
            self.store, self.settings, self._find_public_address, self._ddns_provider
        )
        self.admin_context = AdminContext(
            repo=self.store,
            setup_code=self.setup_code,
            sms=self.sms,
            modems=self.pool,
            events=self.events,
            password_reset=self.password_reset,
            version=__version__,
            admin_accounts=self.admin_accounts,
            api_users=self.api_users,
            feeder_statuses=self.feeders.statuses,
            mailer=lambda: self.processor.mailer,
            feeder_probes={
                name: _on_first_use(module, "probe") for name, (module, _) in FEEDERS.items()
            },
            mail_usage=self.mail.rotation.usage,
            data_dir=str(data_dir),
            server_status=lambda: system_status.server_status(data_dir),
            setting_docs=setting_docs,
            serial_ports=detect_ports,
            brochure=self.brochure,
        )
        self.admin_context.alerts = self.alerts
        self.admin_context.modem_health = self.health
        self.tls_dir = Path(data_dir) / "tls"
        self._wire_https_admin()
        # Network and firewall settings, applied through the privileged helper (on a device)
        self.helper = HelperClient(helper_argv(), HELPER_STAGE_DIR)
        self.admin_context.network = NetworkControl(self.helper, self.factory_secrets.wifi)
        # The safety net's settings side: previous values of unconfirmed changes in
        # <data-dir>/network-pending.json, restored when the helper reverts (see start())
        self.network_changes = NetworkChanges(
            self.store, lambda: self.admin_context.network, data_dir
        )
        self.admin_context.network_changes = self.network_changes
        # Mobile internet (ppp) per modem, through the same helper
        self.admin_context.internet = InternetControl(self.helper, sms_holds=self._sms_holds)
        # USB: plugged-in modems found by id (and AT), CD-ROM switch and reset via the helper
        self.usb_control = HelperUsbControl(self.helper)
        self.modem_discovery = ModemDiscoveryService(
            UsbModemDiscovery(), self.store, self.usb_control
        )
        self.admin_context.modem_discovery = self.modem_discovery
        self.admin_context.ddns_status = self.ddns.status
        self.admin_context.ddns_update_now = self.ddns.update_now
        self.admin = build_admin(self.admin_context)
        self.app = by_path(self.api, with_body_limit(self.admin), self._is_api_path)
        self.listeners = Listeners(self.app, self._tls_files)
        self.hotplug = HotPlug(self.pool, self._modem_refs, self._move_modem)
        self._listen: tuple[str, int | None, int | None] | None = None  # host, port overrides
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="config-watch", daemon=True)
        self._unsubscribe = self.store.subscribe(lambda _generation: self.apply_config())

    def _is_api_path(self, path: str) -> bool:
        return path in {str(self.settings.get(key)) for key in PATH_KEYS}

    def apply_config(self) -> None:
        """Bring the modems in line with the configuration."""
        settings = self.store.settings()
        for name in SMS_LOGGERS:  # sms.log_level: how much the SMS path logs (bodies masked)
            logging.getLogger(name).setLevel(str(settings["sms.log_level"]))
        specs = []
        for record in self.store.list("modems"):
            try:
                specs.append(modem_spec(record, settings))
            except (KeyError, ValueError) as exc:
                log.error("modem %s skipped: bad configuration (%s)", record.get("id"), exc)
        self.pool.apply(specs)
        self.feeders.apply(settings)
        if self._listen is not None:
            self.listeners.request(self._listener_plan(settings))

    def metrics(self) -> str:
        """The ``/metrics`` text."""
        routes = {route.id: route for route in self.sms.routes()}
        busy = self.pool.busy()
        gauges = [
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
            for s in self.pool.statuses()
        ]
        feeders = [
            FeederGauge(f.name, f.state, f.received, f.processed, f.rejected, f.reconnects)
            for f in self.feeders.statuses()
        ]
        uptime = time.time() - self.events.started
        return render_metrics(self.events.counts(), gauges, uptime, feeders, self.alerts.counts(),
                              self.pool.waiting())  # fmt: skip

    def _modem_refs(self) -> list[ModemRef]:
        """The configured modems as hot-plug matches them (stable path, IMEI)."""
        return [
            ModemRef(str(r["id"]), str(r["port"]), str(r.get("imei") or "") or None)
            for r in self.store.list("modems")
        ]

    def _move_modem(self, modem_id: str, port: str) -> None:
        """Hot-plug found a modem (by IMEI) at a new path: store it (the pool follows)."""
        try:
            self.store.update("modems", modem_id, {"port": port})
        except (KeyError, ValueError) as exc:
            log.error("modem %s: new port %s not stored: %s", modem_id, port, exc)

    def _tls_files(self) -> TlsFiles:
        """The HTTPS pair in ``<data-dir>/tls``, self-signed on first use."""
        if not tls.has_pair(self.tls_dir):
            names = self._certificate_names()
            tls.ensure_self_signed(self.tls_dir, names.hostnames, names.addresses)
        stamp = tls.modified_stamp(self.tls_dir)
        return TlsFiles(str(tls.cert_path(self.tls_dir)), str(tls.key_path(self.tls_dir)), stamp)

    def _certificate_names(self) -> DeviceNames:
        """What a self-signed certificate names: host name, ``<host>.local``, the access
        point address and the static Ethernet address."""
        return device_names(socket.gethostname(), self.store.settings())

    def _listener_plan(self, settings: Mapping[str, Any]) -> ListenerPlan:
        """The enabled schemes and their ports (``serve --http-port/--https-port`` win)."""
        assert self._listen is not None
        host, http_port, https_port = self._listen
        http = int(settings["api.http_port"]) if http_port is None else http_port
        https = int(settings["api.https_port"]) if https_port is None else https_port
        return ListenerPlan(
            host,
            http if settings["api.http_enabled"] else None,
            https if settings["api.https_enabled"] else None,
        )

    def _sms_holds(self, modem_id: str) -> bool:
        """True while the modem pool runs a driver for ``modem_id`` (it owns the port)."""
        return any(status.modem_id == modem_id for status in self.pool.statuses())

    def _wire_https_admin(self) -> None:
        """The admin's HTTPS page: certificate info, upload, regenerate, listener states."""

        def info() -> tls.CertInfo | None:
            return tls.certificate_info(self.tls_dir) if tls.has_pair(self.tls_dir) else None

        def install(cert_pem: bytes, key_pem: bytes) -> tls.CertInfo:
            installed = tls.install_uploaded(self.tls_dir, cert_pem, key_pem)
            self.listeners.certificate_changed()
            return installed

        def regenerate() -> tls.CertInfo:
            names = self._certificate_names()
            fresh = tls.regenerate_self_signed(self.tls_dir, names.hostnames, names.addresses)
            self.listeners.certificate_changed()
            return fresh

        self.admin_context.tls_info = info
        self.admin_context.tls_install = install
        self.admin_context.tls_regenerate = regenerate
        self.admin_context.tls_names = lambda: list(self._certificate_names().all())
        self.admin_context.listener_statuses = lambda: self.listeners.statuses()

    def _ddns_client(self) -> WebClient:
        """The HTTP client of DDNS updates (User-Agent with the configured contact)."""
        return WebClient(user_agent(__version__, str(self.settings.get("ddns.contact") or "")))

    def _find_public_address(self) -> str:
        """The public IPv4 address from the configured source (``ddns.ip_source``)."""
        services = list(self.settings.get("ddns.ip_services") or [])
        source = str(self.settings.get("ddns.ip_source") or "web")
        return PublicAddressFinder(self._ddns_client(), services, source).find()

    def _ddns_provider(self, account: Mapping[str, Any]) -> Any:
        """The provider client for a ``ddns_accounts`` record."""
        return provider_for(account, self._ddns_client())

    def start(
        self, host: str, http_port: int | None = None, https_port: int | None = None
    ) -> Listeners:
        """Start modems, the configuration watcher and the HTTP/HTTPS listeners the API
        setting enables; a port given here replaces the configured one (0: a free port)."""
        self.apply_config()
        self._listen = (host, http_port, https_port)  # from now on apply_config moves them too
        self.listeners.apply(self._listener_plan(self.store.settings()))
        self.hotplug.start()
        self.alert_mail.start()
        self._watcher.start()
        self.network_changes.start()  # reconciles at once: covers a restart in the window
        self.ddns.start()
        return self.listeners

    def _watch(self) -> None:
        """Pick up configuration written by other processes (e.g. ``otp-broker config set``)."""
        while not self._stop.wait(1.0):
            try:
                self.store.refresh()
            except Exception:
                log.exception("configuration refresh failed")

    def stop(self) -> None:
        """Stop listeners, then modems."""
        self._stop.set()
        self._listen = None
        self.listeners.close()
        self.hotplug.stop()
        self.alert_mail.stop()
        self._unsubscribe()
        self.feeders.stop()
        self.ddns.stop()
        self.network_changes.stop()
        self.pool.stop()
        self.store.close()
