"""The ``front.*`` settings: the event-driven front (haproxy) before the app server.

``schema.SETTINGS`` includes these.
"""

from __future__ import annotations

from otpbroker.config.rules import Setting

FRONT_SETTINGS: tuple[Setting, ...] = ()
