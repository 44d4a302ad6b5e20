"""Send one mail through one SMTP account with smtplib, with precise error reasons.

``security``: ``ssl`` connects with implicit TLS (SMTP_SSL, port 465), ``starttls``
upgrades a plain connection and refuses to go on when the server does not offer
STARTTLS, ``none`` stays in clear text (only for a trusted server on the local network).
Certificates are verified against ``ssl_context`` (the system CAs by default).

Every smtplib, socket and TLS exception becomes a :class:`DeliveryError` whose ``reason``
names the server, the stage of the dialogue and what went wrong. Neither the subject nor
the body ever enters a reason or a log line; the password never does either.
"""

from __future__ import annotations

import email.policy
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TypeVar

from otpbroker.domain.mail import MailMessage
from otpbroker.mail.accounts import MailAccount

T = TypeVar("T")

#: Seconds to wait for the server at each step of the dialogue.
DEFAULT_TIMEOUT = 20.0

# 7-bit transfer encodings everywhere: no server needs 8BITMIME or SMTPUTF8 for our mails.
_POLICY = email.policy.SMTP.clone(cte_type="7bit")
_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


class DeliveryError(Exception):
    """A mail was not delivered. ``reason`` is precise and safe to log and to answer with.

    ``stage`` is where it failed (connect, ehlo, starttls, auth, mail, rcpt, data, dns);
    ``code`` the SMTP reply code if the server gave one; ``permanent`` is True only when
    the recipient was definitely refused, so trying another account would not help.
    """

    def __init__(
        self, reason: str, *, stage: str, code: int | None = None, permanent: bool = False
    ) -> None:
        """Record the reason and where it happened."""
        super().__init__(reason)
        self.reason = reason
        self.stage = stage
        self.code = code
        self.permanent = permanent

    @property
    def temporary(self) -> bool:
        """True for a 4xx reply (try again later / elsewhere)."""
        return self.code is not None and 400 <= self.code < 500


def server_text(reply: bytes | str) -> str:
    """A server reply made safe for one log line: decoded, on one line, at most 200 chars."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= 200 else text[:197] + "..."


def definite_rejection(code: int, reply: bytes | str) -> bool:
    """True when a RCPT reply refuses the *recipient* itself, whichever account asks.

    550/551/553 with an enhanced status 5.1.x (bad mailbox, bad domain, bad syntax) is
    definite. The same codes with a policy status (5.7.x: relaying denied, not
    authenticated; 5.4.x/5.2.x, e.g. a sending quota) depend on the account, so other
    accounts are tried. Without an enhanced status a 550/551/553 counts as definite unless
    its text speaks of relaying, the classic account-specific refusal.
    """
    if code not in (550, 551, 553):
        return False
    text = server_text(reply)
    enhanced = _ENHANCED.match(text)
    if enhanced:
        return enhanced.group(1) == "5" and enhanced.group(2) == "1"
    return "relay" not in text.lower()


def build_message(sender: str, message: MailMessage) -> bytes:
    """The RFC 5322 message: UTF-8, 7-bit transfer encoding, Date and Message-ID, CRLF."""
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body, charset="utf-8")
    return mail.as_bytes(policy=_POLICY)


def _hint(security: str, port: int, exc: BaseException, stage: str) -> str:
    text = str(exc).upper()
    if isinstance(exc, ssl.SSLError) and "WRONG_VERSION_NUMBER" in text and security == "ssl":
        return " (the server does not speak TLS at once: use security=starttls, e.g. port 587)"
    if isinstance(exc, TimeoutError) and stage == "connect" and port == 465 and security != "ssl":
        return " (port 465 expects security=ssl)"
    return ""


class SmtpSession:
    """One SMTP connection; every step maps its exceptions to a DeliveryError."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        helo_name: str | None = None,
        security: str = "none",
    ) -> None:
        """Nothing happens until :meth:`connect`."""
        self.host = host
        self.port = port
        self.timeout = timeout
        self.helo_name = helo_name or "localhost"
        self.security = security
        self.stage = "connect"
        self.tls = False
        self._conn: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"

    def _step(self, stage: str, action: Callable[[], T]) -> T:
        self.stage = stage
        try:
            return action()
        except DeliveryError:
            raise
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(self._explain(exc), stage=stage, code=exc.smtp_code) from None
        except (smtplib.SMTPException, OSError, UnicodeError, ValueError) as exc:
            raise DeliveryError(self._explain(exc), stage=stage) from None

    def _explain(self, exc: BaseException) -> str:
        where, stage = self.where, self.stage
        hint = _hint(self.security, self.port, exc, stage)
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return f"{where} refused the log-in: {exc.smtp_code} {server_text(exc.smtp_error)}"
        if isinstance(exc, smtplib.SMTPConnectError):
            return f"{where} refused the session: {exc.smtp_code} {server_text(exc.smtp_error)}"
        if isinstance(exc, smtplib.SMTPHeloError):
            return f"{where} rejected EHLO/HELO: {exc.smtp_code} {server_text(exc.smtp_error)}"
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = f"{exc.smtp_code} {server_text(exc.smtp_error)}"
            return f"{where} answered {reply} to {stage.upper()}"
        if isinstance(exc, smtplib.SMTPNotSupportedError) and stage == "auth":
            return (
                f"{where} offers no log-in (AUTH){' before TLS' if not self.tls else ''}; "
                "check security and auth"
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            if isinstance(exc.__context__, OSError):  # smtplib wraps time-outs and resets
                return self._explain(exc.__context__)
            return f"{where} closed the connection during {stage}"
        if isinstance(exc, smtplib.SMTPException):
            return f"SMTP error with {where} during {stage}: {server_text(str(exc))}"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"the TLS certificate of {where} is not trusted: {exc.verify_message}"
        if isinstance(exc, ssl.SSLError):
            return f"TLS with {where} failed: {exc.reason or server_text(str(exc))}{hint}"
        if isinstance(exc, socket.gaierror):
            return f"cannot resolve the host name {self.host!r}: {exc.strerror}"
        if isinstance(exc, TimeoutError):
            return f"{where} did not answer within {self.timeout:g} s during {stage}{hint}"
        if isinstance(exc, ConnectionRefusedError):
            return f"{where} refused the connection (no server on that port, or a firewall)"
        if isinstance(exc, ConnectionResetError | BrokenPipeError):
            return f"{where} dropped the connection during {stage}"
        if isinstance(exc, UnicodeError):
            return f"cannot send to {where} during {stage}: non-ASCII characters are not allowed"
        if isinstance(exc, OSError):
            detail = exc.strerror or type(exc).__name__
            return f"network error with {where} during {stage}: {detail}"
        return f"error with {where} during {stage}: {type(exc).__name__}"

    def connect(self, ssl_context: ssl.SSLContext | None = None) -> None:
        """Open the connection (with implicit TLS when ``ssl_context`` is given), then EHLO."""

        def open_plain() -> smtplib.SMTP:
            return smtplib.SMTP(
                self.host, self.port, local_hostname=self.helo_name, timeout=self.timeout
            )

        def open_tls() -> smtplib.SMTP:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.helo_name,
                timeout=self.timeout,
                context=ssl_context,
            )

        self._conn = self._step("connect", open_tls if ssl_context is not None else open_plain)
        self.tls = ssl_context is not None
        self._step("ehlo", self._conn.ehlo_or_helo_if_needed)

    @property
    def conn(self) -> smtplib.SMTP:
        """The open connection."""
        if self._conn is None:
            raise DeliveryError(f"not connected to {self.where}", stage=self.stage)
        return self._conn

    def offers(self, extension: str) -> bool:
        """True when the server announced ``extension`` in its EHLO reply."""
        return bool(self.conn.has_extn(extension))

    def starttls(self, ssl_context: ssl.SSLContext) -> None:
        """Upgrade to TLS (DeliveryError when not offered or when the handshake fails)."""
        conn = self.conn
        if not self.offers("starttls"):
            raise DeliveryError(
                f"{self.where} does not offer STARTTLS; not sending without TLS "
                "(use security=ssl for port 465)",
                stage="starttls",
            )

        def upgrade() -> None:
            conn.starttls(context=ssl_context)
            conn.ehlo()

        self._step("starttls", upgrade)
        self.tls = True

    def login(self, username: str, password: str) -> None:
        """Authenticate (the password goes to the server only)."""
        conn = self.conn
        self._step("auth", lambda: conn.login(username, password))

    def send(self, sender: str, recipient: str, data: bytes) -> str:
        """MAIL, RCPT, DATA; returns the server's final reply. Raises DeliveryError."""
        conn = self.conn
        code, reply = self._step("mail", lambda: conn.mail(sender))
        if code != 250:
            raise DeliveryError(
                f"{self.where} refused the sender {sender}: {code} {server_text(reply)}",
                stage="mail",
                code=code,
            )
        code, reply = self._step("rcpt", lambda: conn.rcpt(recipient))
        if code not in (250, 251):
            raise DeliveryError(
                f"{self.where} refused the recipient: {code} {server_text(reply)}",
                stage="rcpt",
                code=code,
                permanent=definite_rejection(code, reply),
            )
        code, reply = self._step("data", lambda: conn.data(data))
        if code != 250:
            raise DeliveryError(
                f"{self.where} refused the message: {code} {server_text(reply)}",
                stage="data",
                code=code,
            )
        return server_text(reply)

    def close(self, *, polite: bool) -> None:
        """QUIT after a success (errors ignored: the mail is accepted), else just close."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if polite:
                conn.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            conn.close()


def send_via_account(
    account: MailAccount,
    message: MailMessage,
    *,
    ssl_context: ssl.SSLContext,
    timeout: float = DEFAULT_TIMEOUT,
    helo_name: str | None = None,
) -> str:
    """Send ``message`` through the SMTP account; returns the server's final reply.

    Raises DeliveryError with a precise reason (never containing subject, body or password).
    """
    data = build_message(account.sender, message)
    session = SmtpSession(
        account.host, account.port, timeout=timeout, helo_name=helo_name, security=account.security
    )
    ok = False
    try:
        session.connect(ssl_context if account.security == "ssl" else None)
        if account.security == "starttls":
            session.starttls(ssl_context)
        if account.auth:
            session.login(account.username, account.password)
        reply = session.send(account.sender, message.recipient, data)
        ok = True
        return reply
    finally:
        session.close(polite=ok)


__all__ = [
    "DEFAULT_TIMEOUT",
    "DeliveryError",
    "SmtpSession",
    "build_message",
    "definite_rejection",
    "send_via_account",
    "server_text",
]
