"""The feeders' settings: RabbitMQ, WSMessageBroker and MQTT, each with its defaults for the
expiry and lane of the messages it brings."""

from __future__ import annotations

from otpbroker.config.rules import Setting

HOST = (
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]",
    "a host name, an IPv4 address or an [IPv6] address",
)
NAME = (r"[A-Za-z0-9._:/-]{1,200}", "1-200 of A-Z a-z 0-9 . _ : / -")
OPTIONAL_NAME = (r"[A-Za-z0-9._:/-]{0,200}", "empty, or 1-200 of A-Z a-z 0-9 . _ : / -")


def _int(key: str, default: int, low: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=low, maximum=high)


def _feeder(prefix: str, what: str, port: int, name_key: str, name_doc: str) -> tuple[Setting, ...]:
    """The settings every broker feeder has."""
    return (
        Setting(f"{prefix}.enabled", bool, False, f"Consume messages from {what}."),
        Setting(
            f"{prefix}.host", str, "localhost", f"{what} server.", pattern=HOST[0], rule=HOST[1]
        ),
        _int(f"{prefix}.port", port, 1, 65535, f"{what} server port."),
        Setting(f"{prefix}.tls", bool, False, f"Connect to {what} with TLS."),
        Setting(f"{prefix}.username", str, "", f"{what} user name.", max_length=128),
        Setting(
            f"{prefix}.password",
            str,
            "",
            f"{what} password (never shown).",
            max_length=256,
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
            "Seconds a message from this feeder is worth when neither it nor the broker says"
            " (0 = the device default).",
        ),
        Setting(
            f"{prefix}.default_priority",
            str,
            "otp",
            "Lane of a message from this feeder that names none: otp (first) or bulk.",
            choices=("otp", "bulk"),
        ),
    )


FEEDER_SETTINGS: tuple[Setting, ...] = (
    *_feeder("feeders.rabbitmq", "RabbitMQ", 5672, "queue", "Queue consumed (default exchange)."),
    Setting("feeders.rabbitmq.vhost", str, "/", "RabbitMQ virtual host.", max_length=128),
    _int(
        "feeders.rabbitmq.prefetch",
        10,
        1,
        64,
        "Unacknowledged messages held, and handled, at once.",
    ),
    *_terms("feeders.rabbitmq"),
    Setting(
        "feeders.rabbitmq.status_exchange",
        str,
        "",
        "Exchange status events and received SMS are published to (empty = the default"
        " exchange, where the routing key names a queue).",
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    Setting(
        "feeders.rabbitmq.status_routing_key",
        str,
        "",
        "Routing key of status events and received SMS (empty = none published; a message's"
        " own reply_to is always answered).",
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    Setting("feeders.ws.enabled", bool, False, "Consume messages from a WSMessageBroker."),
    Setting(
        "feeders.ws.url",
        str,
        "ws://localhost:8888/ws",
        "WSMessageBroker URL (ws:// or wss://).",
        pattern=r"wss?://[A-Za-z0-9.\[\]:-]{1,260}(?:/[\x21-\x7e]{0,500})?",
        rule="ws:// or wss:// followed by host[:port][/path]",
    ),
    Setting("feeders.ws.username", str, "", "WSMessageBroker user name.", max_length=128),
    Setting(
        "feeders.ws.password",
        str,
        "",
        "WSMessageBroker password (never shown).",
        max_length=256,
        secret=True,
    ),
    Setting("feeders.ws.channel", str, "sms", "Channel to receive.", pattern=NAME[0], rule=NAME[1]),
    *_terms("feeders.ws"),
    Setting(
        "feeders.ws.status_channel",
        str,
        "sms-status",
        "Channel the replies, status events and received SMS are sent to (empty = none).",
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
    *_feeder("feeders.mqtt", "MQTT", 1883, "topic", "Topic subscribed (QoS 1)."),
    Setting(
        "feeders.mqtt.client_id",
        str,
        "",
        "MQTT client id (empty = otp-broker-<host>-<machine>); stable, so queued messages wait.",
        pattern=r"[A-Za-z0-9._-]{0,64}",
        rule="up to 64 of A-Z a-z 0-9 . _ -",
    ),
    Setting(
        "feeders.mqtt.protocol",
        str,
        "5",
        "MQTT version: 5 (message expiry, session expiry) or 3.1.1 for brokers without 5.",
        choices=("5", "3.1.1"),
    ),
    Setting(
        "feeders.mqtt.share_group",
        str,
        "",
        "Shared subscription group (empty = none): devices with the same group subscribe to"
        " $share/<group>/<topic> and share its messages, each message to one device.",
        pattern=r"[A-Za-z0-9._-]{0,64}",
        rule="empty, or up to 64 of A-Z a-z 0-9 . _ -",
    ),
    *_terms("feeders.mqtt"),
    Setting(
        "feeders.mqtt.status_topic",
        str,
        "sms/status",
        "Topic (QoS 1) the replies, status events and received SMS are published to (empty ="
        " none; an MQTT 5 message's own response topic is always answered).",
        pattern=OPTIONAL_NAME[0],
        rule=OPTIONAL_NAME[1],
    ),
)

__all__ = ["FEEDER_SETTINGS", "HOST", "NAME"]
