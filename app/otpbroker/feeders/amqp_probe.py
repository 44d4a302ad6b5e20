"""The RabbitMQ feeder's connection test (the admin's "Test connection"): connect, open a
channel, look the queue up passively. Nothing is consumed, published or declared."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Mapping
from typing import Any

import pika
from pika.exceptions import AMQPError, ChannelClosedByBroker


def _probe_error(exc: BaseException, where: str, settings: Mapping[str, Any]) -> str:
    """Words for a failed connection test (never the password)."""
    user = str(settings.get("username") or "guest")[:64]
    if isinstance(exc, pika.exceptions.ProbableAuthenticationError):
        return f"{where}: credentials rejected for user {user!r} ({exc})"
    if isinstance(exc, pika.exceptions.ProbableAccessDeniedError):
        vhost = str(settings.get("vhost") or "/")
        return f"{where}: access to virtual host {vhost!r} refused for user {user!r} ({exc})"
    if isinstance(exc, pika.exceptions.IncompatibleProtocolError):
        return f"{where}: the server does not speak AMQP 0-9-1 (is this RabbitMQ?) ({exc})"
    if isinstance(exc, socket.gaierror):
        return f"{where}: the host name cannot be resolved ({exc.strerror or exc})"
    if isinstance(exc, ssl.SSLError):
        return f"{where}: TLS failed ({exc})"
    cause: BaseException = exc
    while True:  # pika wraps socket errors (in args, or an ``exception`` attribute)
        inner = getattr(cause, "exception", None)
        if not isinstance(inner, BaseException) and cause.args:
            inner = cause.args[0]
        if not isinstance(inner, BaseException):
            break
        cause = inner
    if isinstance(cause, ConnectionRefusedError):
        return f"{where}: connection refused (nothing listens on that port)"
    if isinstance(cause, OSError):
        return f"{where}: {cause.strerror or cause}"
    if "Timeout" in type(cause).__name__ or isinstance(cause, TimeoutError):
        return f"{where}: no answer within the time limit ({type(cause).__name__})"
    return f"{where}: {type(cause).__name__}: {cause}"[:300]


def login_options(settings: Mapping[str, Any], host: str) -> dict[str, Any]:
    """The credentials and TLS options of ``pika.ConnectionParameters`` from the settings
    (the feeder's connection and the connection test alike)."""
    options: dict[str, Any] = {}
    if settings.get("username"):
        options["credentials"] = pika.PlainCredentials(
            str(settings["username"]), str(settings.get("password") or "")
        )
    if settings.get("tls"):
        options["ssl_options"] = pika.SSLOptions(ssl.create_default_context(), host)
    return options


def probe(settings: Mapping[str, Any], timeout: float = 5.0) -> str | None:
    """Try ``settings`` (the ``feeders.rabbitmq.*`` values without the prefix) once.

    Connects, opens a channel and looks the queue up passively (a missing queue is fine: the
    feeder declares it). Returns None when that works, else the precise reason. Nothing is
    consumed, published or declared.
    """
    host = str(settings.get("host") or "localhost")
    port = int(settings.get("port") or (5671 if settings.get("tls") else 5672))
    where = f"{host}:{port}"
    options = login_options(settings, host)
    parameters = pika.ConnectionParameters(
        host=host,
        port=port,
        virtual_host=str(settings.get("vhost") or "/"),
        connection_attempts=1,
        socket_timeout=timeout,
        stack_timeout=timeout,
        blocked_connection_timeout=timeout,
        client_properties={"connection_name": "otp-broker connection test"},
        **options,
    )
    try:
        connection = pika.BlockingConnection(parameters)
    except Exception as exc:
        return _probe_error(exc, where, settings)
    queue = str(settings.get("queue") or "sms")
    try:
        channel = connection.channel()
        try:
            channel.queue_declare(queue, passive=True)
        except ChannelClosedByBroker as exc:
            if exc.reply_code != 404:  # 404: not declared yet, the feeder will declare it
                return f"{where}: queue {queue!r} not usable ({exc.reply_code} {exc.reply_text})"
        return None
    except AMQPError as exc:
        return _probe_error(exc, where, settings)
    finally:
        if connection.is_open:
            with contextlib.suppress(AMQPError):
                connection.close()


__all__ = ["probe"]
