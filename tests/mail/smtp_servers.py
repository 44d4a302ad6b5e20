"""Real SMTP servers on 127.0.0.1 free ports for the mail tests (aiosmtpd, test-only).

``start_smtp(...)`` runs an aiosmtpd server in a thread: plain, STARTTLS (required), or
implicit TLS, optionally with AUTH, optionally refusing RCPT or DATA with a fixed reply.
Each server records what it received in memory. ``RawServer`` is a bare socket server
that greets and hangs up (or never greets), for dropped connections and time-outs.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One mail as a test server got it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool
    helo: str | None

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Handler:
    """Records mails; ``rcpt_reply`` / ``data_reply`` replace the normal 250 answers."""

    name: str
    rcpt_reply: str | None = None
    data_reply: str | None = None
    received: list[Received] = field(default_factory=list)
    rcpt_seen: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpt_seen.append(address)
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_reply is not None:
            return self.data_reply
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                tls,
                bool(session.authenticated),
                session.host_name,
            )
        )
        return "250 2.0.0 OK queued as TEST"


def authenticator(users: dict[str, str]) -> Any:
    """An aiosmtpd authenticator accepting exactly ``users`` (login -> password)."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if users.get(login) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return check


class LoopbackController(Controller):
    """An aiosmtpd Controller on a socket already bound to a free 127.0.0.1 port."""

    def __init__(self, handler: Any, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((host, port))
        self._sock.listen(16)
        port = self._sock.getsockname()[1]
        super().__init__(handler, hostname=host, port=port, **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


@dataclass
class SmtpServer:
    """A running test server."""

    name: str
    port: int
    handler: Handler
    controller: LoopbackController

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def stop(self) -> None:
        if self.controller._thread is not None:  # stopping twice is fine
            self.controller.stop()


def start_smtp(
    name: str,
    *,
    mode: str = "plain",
    tls_context: ssl.SSLContext | None = None,
    users: dict[str, str] | None = None,
    auth_require_tls: bool = True,
    rcpt_reply: str | None = None,
    data_reply: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    require_starttls: bool = True,
) -> SmtpServer:
    """Start a server: ``mode`` plain, starttls (required unless told) or ssl (implicit TLS).

    ``host``/``port`` bind another loopback address or a given port (0 = a free one).
    """
    handler = Handler(name, rcpt_reply=rcpt_reply, data_reply=data_reply)
    kwargs: dict[str, Any] = {"server_hostname": f"{name}.test", "ready_timeout": 10.0}
    if mode == "starttls":
        assert tls_context is not None
        kwargs.update(tls_context=tls_context, require_starttls=require_starttls)
    elif mode == "ssl":
        assert tls_context is not None
        kwargs.update(ssl_context=tls_context)
    else:
        assert mode == "plain"
    if users is not None:
        kwargs.update(authenticator=authenticator(users), auth_require_tls=auth_require_tls)
    controller = LoopbackController(handler, host, port, **kwargs)
    controller.start()
    return SmtpServer(name, controller.port, handler, controller)


class RawServer:
    """Accepts connections on 127.0.0.1; sends ``greeting`` (if any) and hangs up.

    With ``greeting=None`` it says nothing and keeps the connection open (a time-out).
    """

    def __init__(self, greeting: bytes | None = b"220 drop.test ESMTP\r\n") -> None:
        self.greeting = greeting
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            if self.greeting is None:
                self._held.append(conn)
                continue
            try:
                conn.sendall(self.greeting)
                conn.recv(1024)  # wait for EHLO, then hang up in the middle of the dialogue
            except OSError:
                pass
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
        for conn in self._held:
            conn.close()
