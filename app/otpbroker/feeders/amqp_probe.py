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

from otpbroker.i18n.translate import _


def _probe_error(exc: BaseException, where: str, settings: Mapping[str, Any]) -> str:
    """Words for a failed connection test (never the password), in the reader's language."""
    user = repr(str(settings.get("username") or "guest")[:64])
    if isinstance(exc, pika.exceptions.ProbableAuthenticationError):
        text = _("{where}: credentials rejected for user {user} ({error})")
        return text.format(where=where, user=user, error=exc)
    if isinstance(exc, pika.exceptions.ProbableAccessDeniedError):
        vhost = repr(str(settings.get("vhost") or "/"))
        text = _("{where}: access to virtual host {vhost} refused for user {user} ({error})")
        return text.format(where=where, vhost=vhost, user=user, error=exc)
    if isinstance(exc, pika.exceptions.IncompatibleProtocolError):
        text = _("{where}: the server does not speak AMQP 0-9-1 (is this RabbitMQ?) ({error})")
        return text.format(where=where, error=exc)
    if isinstance(exc, socket.gaierror):
        text = _("{where}: the host name cannot be resolved ({error})")
        return text.format(where=where, error=exc.strerror or exc)
    if isinstance(exc, ssl.SSLError):
        return _("{where}: TLS failed ({error})").format(where=where, error=exc)
    cause: BaseException = exc
    while True:  # pika wraps socket errors (in args, or an ``exception`` attribute)
        inner = getattr(cause, "exception", None)
        if not isinstance(inner, BaseException) and cause.args:
            inner = cause.args[0]
        if not isinstance(inner, BaseException):
            break
        cause = inner
    if isinstance(cause, ConnectionRefusedError):
        return _("{where}: connection refused (nothing listens on that port)").format(where=where)
    if isinstance(cause, OSError):
        return f"{where}: {cause.strerror or cause}"
    if "Timeout" in type(cause).__name__ or isinstance(cause, TimeoutError):
        text = _("{where}: no answer within the time limit ({error})")
        return text.format(where=where, error=type(cause).__name__)
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
                text = _("{where}: queue {queue} not usable ({code} {reason})")
                return text.format(
                    where=where, queue=repr(queue), code=exc.reply_code, reason=exc.reply_text
                )
        return None
    except AMQPError as exc:
        return _probe_error(exc, where, settings)
    finally:
        if connection.is_open:
            with contextlib.suppress(AMQPError):
                connection.close()


__all__ = ["probe"]
