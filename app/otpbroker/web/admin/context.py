"""What the admin pages need from the rest of the broker, passed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from otpbroker.domain.ports import Repository
from otpbroker.services.events import EventLog
from otpbroker.services.password_reset import PasswordReset
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


@dataclass
class AdminContext:
    """Everything the admin pages use; built by ``bootstrap``."""

    repo: Repository
    setup_code: SetupCodeCheck
    sms: SmsService
    modems: ModemControl
    events: EventLog
    password_reset: PasswordReset
    version: str
    feeder_statuses: Callable[[], list[Any]] = list
    mailer: Callable[[], Any] = lambda: None
    serial_ports: Callable[[], list[dict[str, str]]] = list
    setting_docs: Callable[[], dict[str, dict[str, Any]]] = dict
    feeder_probes: Mapping[str, Callable[..., str | None]] = field(default_factory=dict)
    mail_usage: Callable[[], list[dict[str, Any]]] = list
    data_dir: str = ""
    server_status: Callable[[], dict[str, Any]] = dict
    sessions: SessionStore = field(default_factory=SessionStore)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
