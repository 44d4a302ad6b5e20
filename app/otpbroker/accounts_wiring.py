"""The composition root's accounts part: administrators and API users, the API's login
check, and what the device sends people (password resets, alert e-mails) in the device's
language (``device.language``). Broker builds it once the SMS service and mail exist."""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.config.snapshot import SettingsSnapshot
from otpbroker.config.store import ConfigStore, check_new_password
from otpbroker.services.admin_accounts import AdminAccounts
from otpbroker.services.alert_mail import AlertMailer
from otpbroker.services.alerts import Alerts
from otpbroker.services.api_users import ApiUsers
from otpbroker.services.auth import ApiAuthenticator
from otpbroker.services.mail import MailService
from otpbroker.services.password_reset import PasswordReset
from otpbroker.services.sms import SmsService


@dataclass(frozen=True)
class Accounts:
    """The accounts' services, built together."""

    admin_accounts: AdminAccounts
    api_users: ApiUsers
    authenticator: ApiAuthenticator
    alert_mail: AlertMailer
    password_reset: PasswordReset


def wire_accounts(
    store: ConfigStore,
    settings: SettingsSnapshot,
    alerts: Alerts,
    sms: SmsService,
    mail: MailService,
) -> Accounts:
    """Build the accounts' services over the store, the settings, alerts, SMS and mail."""
    admin_accounts = AdminAccounts(store, check_new_password)
    api_users = ApiUsers(store, check_new_password)

    def language() -> str:
        return str(settings.get("device.language") or "")

    return Accounts(
        admin_accounts,
        api_users,
        ApiAuthenticator(api_users.find_for_login, settings, api_users.version),
        AlertMailer(alerts, admin_accounts.list, lambda: mail, language=language),
        PasswordReset(admin_accounts, sms, lambda: mail, language=language),
    )
