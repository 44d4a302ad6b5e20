"""The news the device gives back: message status events, received SMS and device alerts.

Producers (the message-status tracker, the inbound reader) publish; consumers (webhooks,
feeder replies, the monitor, charts, metrics) subscribe; ``Alerts`` publishes each alert raised
or cleared (``alert_listener``). A listener is called in the
producer's thread and must not block: one that has slow work to do (a network call) queues
the news and does the work on its own thread. A listener that raises is logged and skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from otpbroker.domain.message_life import DeviceAlert, InboundSms, StatusEvent
from otpbroker.services.listeners import Listeners

StatusListener = Callable[[StatusEvent], None]
InboundListener = Callable[[InboundSms], None]
AlertListener = Callable[[DeviceAlert], None]


class TwoWayBus:
    """Status events and received SMS, told to every subscriber."""

    def __init__(self) -> None:
        """No subscriber yet."""
        self._status: Listeners[StatusListener] = Listeners("status event")
        self._inbound: Listeners[InboundListener] = Listeners("inbound SMS")
        self._alert: Listeners[AlertListener] = Listeners("device alert")

    def publish_status(self, event: StatusEvent) -> None:
        """Tell every status subscriber."""
        self._status.tell(event)

    def publish_inbound(self, message: InboundSms) -> None:
        """Tell every inbound subscriber."""
        self._inbound.tell(message)

    def publish_alert(self, alert: DeviceAlert) -> None:
        """Tell every alert subscriber."""
        self._alert.tell(alert)

    def subscribe_status(self, listener: StatusListener) -> Callable[[], None]:
        """Add a status listener; returns the function that removes it."""
        return self._status.subscribe(listener)

    def subscribe_inbound(self, listener: InboundListener) -> Callable[[], None]:
        """Add an inbound listener; returns the function that removes it."""
        return self._inbound.subscribe(listener)

    def subscribe_alert(self, listener: AlertListener) -> Callable[[], None]:
        """Add an alert listener; returns the function that removes it."""
        return self._alert.subscribe(listener)


__all__ = ["AlertListener", "InboundListener", "StatusListener", "TwoWayBus"]
