"""The ``auth.*`` settings: throttling of failed logins (API users and administrators).

``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting

AUTH_SETTINGS: tuple[Setting, ...] = ()
