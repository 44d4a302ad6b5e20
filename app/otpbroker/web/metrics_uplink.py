"""``/metrics`` lines of the uplink: which link carries the device's internet."""

from __future__ import annotations

from typing import Any, Protocol


class UplinkReadings(Protocol):
    """The uplink watcher (``services.uplink_watch.UplinkWatch``)."""

    def state(self) -> Any:
        """An ``UplinkState`` (``ethernet_route``, ``mobile_route``)."""
        ...


def uplink_lines(readings: UplinkReadings) -> list[str]:
    """``otpbroker_uplink{link=...}`` 1 when the link holds a default route now, else 0."""
    state = readings.state()
    return [
        "# HELP otpbroker_uplink Whether a link holds a default route now (1) or not (0).",
        "# TYPE otpbroker_uplink gauge",
        f'otpbroker_uplink{{link="ethernet"}} {int(bool(state.ethernet_route))}',
        f'otpbroker_uplink{{link="mobile"}} {int(bool(state.mobile_route))}',
    ]


__all__ = ["UplinkReadings", "uplink_lines"]
