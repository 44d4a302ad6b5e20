"""The feeders' settings: RabbitMQ, WSMessageBroker and MQTT, each with its defaults for the
expiry and lane of the messages it brings."""

from __future__ import annotations

from typing import Any

from otpbroker.config.rules import Setting, templated_doc
from otpbroker.i18n.translate import N_, _

HOST = (
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]",
    N_("a host name, an IPv4 address or an [IPv6] address"),
)
NAME = (r"[A-Za-z0-9._:/-]{1,200}", N_("1-200 of A-Z a-z 0-9 . _ : / -"))
OPTIONAL_NAME = (r"[A-Za-z0-9._:/-]{0,200}", N_("empty, or 1-200 of A-Z a-z 0-9 . _ : / -"))


def _int(key: str, default: int, low: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=low, maximum=high)


def _doc(template: str, what: str) -> dict[str, Any]:
    """A doc naming the broker (``what``), translated where shown."""
    return templated_doc(template, what=what)


def _feeder(prefix: str, what: str, port: int, name_key: str, name_doc: str) -> tuple[Setting, ...]:
    """The settings every broker feeder has."""
    return (
        Setting(
            f"{prefix}.enabled", bool, False, **_doc(N_("Consume messages from {what}."), what)
        ),
        Setting(
            f"{prefix}.host",
            str,
            "localhost",
            pattern=HOST[0],
            rule=HOST[1],
            **_doc(N_("{what} server."), what),
        ),
        Setting(
            f"{prefix}.port",
            int,
            port,
            minimum=1,
            maximum=65535,
            **_doc(N_("{what} server port."), what),
        ),
        Setting(f"{prefix}.tls", bool, False, **_doc(N_("Connect to {what} with TLS."), what)),
        Setting(
            f"{prefix}.username", str, "", max_length=128, **_doc(N_("{what} user name."), what)
        ),
        Setting(
            f"{prefix}.password",
            str,
            "",
            max_length=256,
            **_doc(N_("{what} password (never shown)."), what),
            secret=True,
        ),
        Setting(f"{prefix}.{name_key}", str, "sms", name_doc, pattern=NAME[0], rule=NAME[1]),
    )


def _terms(prefix: str) -> tuple[Setting, ...]:
    """A feeder's defaults for its messages' expiry and lane."""
    return (
        _int(
            f"{prefix}.default_ttl_seconds",
            0,
            0,
            86400,
            N_(
                "Seconds a message from this feeder is worth when neither it nor the broker says"
                " (0 = the device default)."
            ),
        ),
        Setting(
            f"{prefix}.default_priority",
            str,
            "otp",
            N_("Lane of a message from this feeder that names none: otp (first) or bulk."),
            choices=("otp", "bulk"),
        ),
    )


ROUTE_CLASS = (
    r"[A-Za-z0-9_-]{1,32};[A-Za-z0-9._:/-]{1,200};-?[0-9]{1,3};"
    r"\+?[0-9]{1,15}(?: +\+?[0-9]{1,15}){0,49}",
    N_("name;queue;consumer priority;prefix[ prefix...] e.g. tsel;sms.tsel;10;62811 62812"),
)


def _route_classes(value: list[str]) -> str | None:
    """Names and queues unique, priorities within -100..100."""
    names, queues = set(), set()
    for item in value:
        name, queue, priority, _prefixes = item.split(";", 3)
        if abs(int(priority)) > 100:
            message = _("route class {name}: consumer priority {priority} is outside -100..100")
            return message.format(name=repr(name), priority=priority)
        if name in names or queue in queues:
            message = _("route class {name}: its name or its queue {queue} is used twice")
            return message.format(name=repr(name), queue=repr(queue))
        names.add(name)
        queues.add(queue)
    return None


RABBITMQ_FLEET: tuple[Setting, ...] = (
    Setting(
        "feeders.rabbitmq.queue_type",
        str,
        "classic",
        N_(
            "Type of the queues declared: classic, or quorum (replicated; for several devices"
            " consuming one queue). Both durable."
        ),
        choices=("classic", "quorum"),
    ),
    _int(
        "feeders.rabbitmq.delivery_limit",
        10,
        0,
        1000,
        N_("Quorum queues: deliveries of a message before it is dead-lettered (0 = no limit)."),
    ),
    Setting(
        "feeders.rabbitmq.dead_letter_exchange",
        str,
        "",
        N_(
            "Exchange that malformed messages and those past the delivery limit go to (empty ="
            " none: RabbitMQ drops them)."
        ),
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    Setting(
        "feeders.rabbitmq.dead_letter_routing_key",
        str,
        "",
        N_("Routing key of dead-lettered messages (empty = their own)."),
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    _int(
        "feeders.rabbitmq.prefetch_per_modem",
        2,
        1,
        16,
        N_(
            "Messages taken at once per modem that can send now (each queue's prefetch, at most"
            " prefetch)."
        ),
    ),
    _int(
        "feeders.rabbitmq.consumer_priority",
        0,
        -100,
        100,
        N_(
            "Consumer priority (x-priority) on the main queue: RabbitMQ favours the highest"
            " (0 = none)."
        ),
    ),
    Setting(
        "feeders.rabbitmq.route_classes",
        list,
        [],
        N_(
            "Route classes: name;queue;consumer priority;prefixes. Each queue is consumed while a"
            " modem routes its prefixes."
        ),
        pattern=ROUTE_CLASS[0],
        rule=ROUTE_CLASS[1],
        max_length=8,
        check=_route_classes,
    ),
)

FEEDER_SETTINGS: tuple[Setting, ...] = (
    *_feeder(
        "feeders.rabbitmq", "RabbitMQ", 5672, "queue", N_("Queue consumed (default exchange).")
    ),
    Setting("feeders.rabbitmq.vhost", str, "/", N_("RabbitMQ virtual host."), max_length=128),
    _int(
        "feeders.rabbitmq.prefetch",
        10,
        1,
        64,
        N_(
            "Most unacknowledged messages held, and handled, at once per queue (fewer while fewer"
            " modems can send: prefetch_per_modem)."
        ),
    ),
    *RABBITMQ_FLEET,
    *_terms("feeders.rabbitmq"),
    Setting(
        "feeders.rabbitmq.status_exchange",
        str,
        "",
        N_(
            "Exchange status events and received SMS are published to (empty = the default"
            " exchange, where the routing key names a queue)."
        ),
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    Setting(
        "feeders.rabbitmq.status_routing_key",
        str,
        "",
        N_(
            "Routing key of status events and received SMS (empty = none published; a message's"
            " own reply_to is always answered)."
        ),
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    Setting("feeders.ws.enabled", bool, False, N_("Consume messages from a WSMessageBroker.")),
    Setting(
        "feeders.ws.url",
        str,
        "ws://localhost:8888/ws",
        N_("WSMessageBroker URL (ws:// or wss://)."),
        pattern=r"wss?://[A-Za-z0-9.\[\]:-]{1,260}(?:/[\x21-\x7e]{0,500})?",
        rule=N_("ws:// or wss:// followed by host[:port][/path]"),
    ),
    Setting("feeders.ws.username", str, "", N_("WSMessageBroker user name."), max_length=128),
    Setting(
        "feeders.ws.password",
        str,
        "",
        N_("WSMessageBroker password (never shown)."),
        max_length=256,
        secret=True,
    ),
    Setting(
        "feeders.ws.channel", str, "sms", N_("Channel to receive."), pattern=NAME[0], rule=NAME[1]
    ),
    *_terms("feeders.ws"),
    Setting(
        "feeders.ws.status_channel",
        str,
        "sms-status",
        N_("Channel the replies, status events and received SMS are sent to (empty = none)."),
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    *_feeder("feeders.mqtt", "MQTT", 1883, "topic", N_("Topic subscribed (QoS 1).")),
    Setting(
        "feeders.mqtt.client_id",
        str,
        "",
        N_(
            "MQTT client id (empty = otp-broker-<host>-<machine>); stable, so queued messages wait."
        ),
        pattern=r"[A-Za-z0-9._-]{0,64}",
        rule=N_("up to 64 of A-Z a-z 0-9 . _ -"),
    ),
    Setting(
        "feeders.mqtt.protocol",
        str,
        "5",
        N_("MQTT version: 5 (message expiry, session expiry) or 3.1.1 for brokers without 5."),
        choices=("5", "3.1.1"),
    ),
    Setting(
        "feeders.mqtt.share_group",
        str,
        "",
        N_(
            "Shared subscription group (empty = none): devices with the same group subscribe to"
            " $share/<group>/<topic> and share its messages, each message to one device."
        ),
        pattern=r"[A-Za-z0-9._-]{0,64}",
        rule=N_("empty, or up to 64 of A-Z a-z 0-9 . _ -"),
    ),
    *_terms("feeders.mqtt"),
    Setting(
        "feeders.mqtt.status_topic",
        str,
        "sms/status",
        N_(
            "Topic (QoS 1) the replies, status events and received SMS are published to (empty ="
            " none; an MQTT 5 message's own response topic is always answered)."
        ),
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
)

__all__ = ["FEEDER_SETTINGS", "HOST", "NAME"]
