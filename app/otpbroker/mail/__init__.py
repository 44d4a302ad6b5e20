"""E-mail out: SMTP accounts used in turn, and direct delivery to the recipient's MX.

An adapter: it implements :class:`otpbroker.domain.mail.MailSender` and imports nothing of
the project but the domain. The composition root wires it up, e.g.
``MailService(MailGateway(lambda: store.list("mail_accounts")))``.
"""

from __future__ import annotations

from otpbroker.mail.accounts import MailAccount
from otpbroker.mail.dns import DnsError, DnsResolver, Resolver
from otpbroker.mail.rotation import AccountRotation
from otpbroker.mail.sender import MailGateway
from otpbroker.mail.smtp import DeliveryError

__all__ = [
    "AccountRotation",
    "DeliveryError",
    "DnsError",
    "DnsResolver",
    "MailAccount",
    "MailGateway",
    "Resolver",
]
