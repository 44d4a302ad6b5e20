"""The "local" account kind: deliver straight to the recipient domain's mail servers.

No external SMTP account is needed: the device looks up the MX hosts of the recipient's
domain and talks SMTP to them on port 25, in preference order, without logging in.

TLS is *opportunistic* (RFC 7435, as every MTA does on port 25): STARTTLS is used when the
server offers it, and the certificate is **not verified**. Verifying would buy nothing:
the MX host name comes from unauthenticated DNS (no DNSSEC/DANE or MTA-STS here), MX
certificates are often self-signed or issued for another name, and a failed check would
only leave the choice between not delivering and falling back to clear text. Encrypting
without verification still protects the OTP against passive eavesdropping. If the TLS
handshake itself fails, the same host is tried once more in clear text, as MTAs do.

The next MX host is tried after a connection failure, a TLS failure or a 4xx reply; a 5xx
reply from an MX host is the domain's answer and ends the delivery (RFC 5321 section 5.1).

Receivers may still refuse or junk such mail (no SPF/DKIM for the device, no matching
PTR record, a dynamic IP on a block list), and many ISPs block outgoing port 25; see
docs/mail.md.
"""

from __future__ import annotations

import ssl
from functools import partial

from otpbroker.domain.mail import MailMessage
from otpbroker.mail.accounts import MailAccount
from otpbroker.mail.dns import DnsError, Resolver
from otpbroker.mail.smtp import DEFAULT_TIMEOUT, DeliveryError, SmtpSession, build_message

#: The SMTP port of MX hosts.
SMTP_PORT = 25


def opportunistic_context() -> ssl.SSLContext:
    """A TLS client context that encrypts but does not verify (see the module docstring)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _deliver_to_host(
    host: str,
    *,
    port: int,
    account: MailAccount,
    recipient: str,
    data: bytes,
    tls: bool,
    timeout: float,
    helo_name: str | None,
) -> str:
    session = SmtpSession(host, port, timeout=timeout, helo_name=helo_name)
    ok = False
    try:
        session.connect()
        if tls and session.offers("starttls"):
            session.starttls(opportunistic_context())
        reply = session.send(account.sender, recipient, data)
        ok = True
        return reply
    finally:
        session.close(polite=ok)


def send_direct(
    account: MailAccount,
    message: MailMessage,
    *,
    resolver: Resolver,
    port: int = SMTP_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    helo_name: str | None = None,
) -> str:
    """Deliver ``message`` to the MX hosts of its recipient's domain; returns the reply.

    Raises DeliveryError: ``permanent`` when the domain does not exist, accepts no mail
    (null MX) or an MX host definitely refused the recipient.
    """
    domain = message.recipient.rpartition("@")[2]
    try:
        hosts = resolver.mx(domain)
    except DnsError as exc:
        raise DeliveryError(
            f"cannot find the mail servers of {domain}: {exc.reason}",
            stage="dns",
            permanent=exc.permanent,
        ) from None
    if not hosts:
        raise DeliveryError(f"{domain} has no mail server", stage="dns", permanent=True)
    data = build_message(account.sender, message)
    failures: list[str] = []
    unreachable = 0
    deliver = partial(
        _deliver_to_host,
        port=port, account=account, recipient=message.recipient, data=data,
        timeout=timeout, helo_name=helo_name,
    )  # fmt: skip
    for _preference, host in hosts:
        try:
            try:
                return deliver(host, tls=True)
            except DeliveryError as exc:
                if exc.stage != "starttls":
                    raise
                failures.append(f"{exc.reason}; retrying without TLS")
                return deliver(host, tls=False)
        except DeliveryError as exc:
            if exc.code is not None and exc.code >= 500:
                raise  # the domain's own answer: other MX hosts would say the same
            unreachable += exc.stage == "connect"
            failures.append(exc.reason)
    hint = ""
    if unreachable == len(hosts) and port == SMTP_PORT:
        hint = " (no MX host could be reached: many ISPs block outgoing port 25)"
    raise DeliveryError(
        f"no mail server of {domain} took the mail: {'; '.join(failures)}{hint}", stage="relay"
    )


__all__ = ["SMTP_PORT", "opportunistic_context", "send_direct"]
