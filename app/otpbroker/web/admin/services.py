"""What the admin pages need from the rest of the broker, passed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from otpbroker.services.admin_accounts import AdminAccounts
from otpbroker.services.alerts import Alerts
from otpbroker.services.api_users import ApiUsers
from otpbroker.services.blocking import BlockingList
from otpbroker.services.ddns_accounts import DdnsAccounts
from otpbroker.services.events import EventLog
from otpbroker.services.feeder_settings import FeederSettings
from otpbroker.services.firewall_rules import FirewallRules
from otpbroker.services.internet_modems import InternetModems
from otpbroker.services.mail_accounts import MailAccounts
from otpbroker.services.modem_discovery import ModemDiscoveryService
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.modem_records import ModemRecords
from otpbroker.services.network_changes import NetworkChanges
from otpbroker.services.network_settings import NetworkSettings
from otpbroker.services.password_reset import PasswordReset
from otpbroker.services.settings import SettingsService
from otpbroker.services.sms import SmsService
from otpbroker.web.admin.sessions import SessionStore
from otpbroker.web.admin.throttle import LoginThrottle


class SetupCodeCheck(Protocol):
    """Checks the device's first-run setup code."""

    def check(self, typed: str) -> bool:
        """True for the right code."""
        ...


class ModemControl(Protocol):
    """Live modem operations for the admin."""

    def statuses(self) -> list[Any]:
        """Status snapshots of the running modems (``ModemStatus``)."""
        ...

    def ussd(self, modem_id: str, code: str, timeout: float = 60.0) -> str:
        """Run a USSD code and return the decoded reply."""
        ...

    def routes(self) -> list[Any]:
        """Every configured modem as routing sees it (``ModemRoute``, with its reason)."""
        ...


class InternetLinks(Protocol):
    """Mobile internet through a modem (ppp); methods raise with a message to show."""

    @property
    def available(self) -> bool:
        """False off a device: connect and disconnect refuse."""
        ...

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Install the modem's ppp files and start the link; its status."""
        ...

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Stop the modem's link; its status."""
        ...

    def status(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The link state (up, ipv4, rx/tx bytes, pid, shares_sms_port, settings_error)."""
        ...


class NetworkApply(Protocol):
    """Network and firewall settings applied through the privileged helper.

    ``preview`` raises ValueError naming the problem; the others raise an exception whose
    text is the helper's precise message.
    """

    @property
    def available(self) -> bool:
        """False off a device: settings are stored but not applied."""
        ...

    def preview(self, settings: Mapping[str, Any], ports: Any) -> dict[str, str]:
        """``{target: file text}`` for the given settings and firewall port records."""
        ...

    def apply(self, settings: Mapping[str, Any], ports: Any, confirm: bool,
              targets: Any = None) -> dict[str, Any]:  # fmt: skip
        """Apply; with ``confirm`` returns ``{"token", "deadline", "targets"}``."""
        ...

    def confirm(self, token: str) -> dict[str, Any]:
        """Keep the change waiting for confirmation."""
        ...

    def pending(self) -> dict[str, Any]:
        """The change waiting for confirmation (``{}``: none)."""
        ...

    def always_open(self, settings: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Ports the firewall keeps open whatever the records say, each with its reason."""
        ...


class BrochureSource(Protocol):
    """The printable device card (built by the factory layer)."""

    css: str

    def fragment(self) -> str:
        """The card as an HTML fragment, every value escaped."""
        ...

    def png(self) -> bytes:
        """The card as an A6 PNG at 300 dpi."""
        ...


@dataclass
class AdminContext:
    """Everything the admin pages use; built by ``bootstrap``."""

    setup_code: SetupCodeCheck
    sms: SmsService
    modems: ModemControl
    events: EventLog
    password_reset: PasswordReset
    version: str
    admin_accounts: AdminAccounts  # administrators: the last-administrator rule, login
    api_users: ApiUsers  # accounts of the REST API
    feeder_statuses: Callable[[], list[Any]] = list
    serial_ports: Callable[[], list[dict[str, str]]] = list
    data_dir: str = ""
    server_status: Callable[[], dict[str, Any]] = dict
    # DDNS: the updater's last cycle (address, checked_at, error, retry_in) and "Update now"
    ddns_status: Callable[[], dict[str, Any]] = dict
    ddns_update_now: Callable[[], None] = lambda: None
    # HTTPS: installed certificate info (None: none yet), upload (cert PEM, key PEM) -> info
    # raising ValueError with ``.field`` ("cert"/"key"), new self-signed -> info, listeners
    tls_info: Callable[[], Any] = lambda: None
    tls_install: Callable[[bytes, bytes], Any] | None = None
    tls_regenerate: Callable[[], Any] | None = None
    tls_names: Callable[[], list[str]] = list  # what a new self-signed certificate names
    listener_statuses: Callable[[], list[Any]] = list
    # Mobile internet (ppp) per modem; None: not wired (the page says so)
    internet: InternetLinks | None = None
    # Network and firewall (hostapd, dnsmasq, networkd, nftables); None: not wired
    network: NetworkApply | None = None
    # The safety net's bookkeeping: previous stored values of unconfirmed network changes,
    # restored when the helper reverts them; None: not wired (changes are not applied)
    network_changes: NetworkChanges | None = None
    sessions: SessionStore = field(default_factory=SessionStore)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    brochure: BrochureSource | None = None
    # Plugged-in USB modems (detected, not configured yet), CD-ROM switch; None: not wired
    modem_discovery: ModemDiscoveryService | None = None
    # Alerts for the administrator (home, monitor) and the modems' holds ("put back")
    alerts: Alerts = field(default_factory=Alerts)
    modem_health: ModemHealth | None = None
    # Use cases of the settings, blocking list, DDNS, firewall and network pages
    settings: SettingsService = field(kw_only=True)
    blocking: BlockingList = field(kw_only=True)
    ddns_accounts: DdnsAccounts = field(kw_only=True)
    firewall: FirewallRules = field(kw_only=True)
    network_settings: NetworkSettings = field(kw_only=True)
    # The modem records the Internet page changes, and the names the home page shows
    internet_modems: InternetModems = field(kw_only=True)
    # The modems, e-mail accounts and feeder settings pages (and the monitor's modem names)
    modem_records: ModemRecords = field(kw_only=True)
    mail_accounts: MailAccounts = field(kw_only=True)
    feeder_settings: FeederSettings = field(kw_only=True)
