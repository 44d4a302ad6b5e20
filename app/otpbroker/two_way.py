"""The two-way part of the composition root: what gives news back to applications.

The bus carries status events and received SMS from their producers (the message-status
tracker, the inbound reader) to their consumers (webhooks, feeder replies, the monitor's
charts, metrics). ``Broker`` builds this once, before the services that publish to it, and
starts and stops it with the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from otpbroker.services.message_life import MessageLife
from otpbroker.services.two_way_bus import TwoWayBus


class NewsFeeders(Protocol):
    """The feeders' manager, as far as the bus is concerned (``FeederManager``)."""

    def attach_news(self, bus: TwoWayBus, report_wait: Callable[[], float]) -> None:
        """Let the feeders send replies, status events and received SMS back."""
        ...


class SettingsReader(Protocol):
    """The settings port (one key at a time)."""

    def get(self, key: str) -> object:
        """The value of ``key``."""
        ...


class TwoWay:
    """The bus and the parts that live on it."""

    def __init__(self) -> None:
        """A bus with no subscriber yet."""
        self.bus = TwoWayBus()
        self.life = MessageLife(self.bus)  # SmsService tells it each message's steps

    def connect_feeders(self, feeders: NewsFeeders, settings: SettingsReader) -> None:
        """Feeders answer over their transport: replies, status events, received SMS."""

        def report_wait() -> float:
            value = settings.get("status.report_wait_seconds")
            return float(value) if isinstance(value, int | float) else 0.0

        feeders.attach_news(self.bus, report_wait)

    def start(self) -> None:
        """Start the parts that run threads (none yet)."""

    def stop(self) -> None:
        """Stop them."""


__all__ = ["TwoWay"]
