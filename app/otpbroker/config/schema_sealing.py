"""The ``sealing.*`` settings: messages sealed to the device's public key.

``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_

SEALING_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "sealing.required_on_feeders",
        bool,
        False,
        N_(
            "Refuse (1217) send-sms / send-mail from RabbitMQ, MQTT and WebSocket unless the text "
            "is sealed to the device's public key (data.sealed); nothing readable then waits in a "
            "broker."
        ),
    ),
    Setting(
        "sealing.required_on_api",
        bool,
        False,
        N_(
            "Refuse (1217) send-sms / send-mail on the REST API unless the text is sealed "
            "(data.sealed)."
        ),
    ),
)
