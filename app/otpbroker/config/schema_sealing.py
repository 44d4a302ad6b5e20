"""The ``sealing.*`` settings: messages sealed to the device's public key.

``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting

SEALING_SETTINGS: tuple[Setting, ...] = ()
