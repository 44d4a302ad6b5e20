"""``/metrics`` lines of the uplink: which link carries the device's internet, and the
mobile links kept up (``services.link_redial``): up or not, and their redials."""

from __future__ import annotations

from typing import Any, Protocol

from otpbroker.web.metrics import label


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


class LinkReadings(Protocol):
    """The mobile links kept up (``services.link_redial.LinkRedial``)."""

    def kept(self) -> list[dict[str, Any]]:
        """``id``, ``state`` and ``redials`` of each link kept up."""
        ...


def link_lines(readings: LinkReadings) -> list[str]:
    """``otpbroker_mobile_link_up{modem=...}`` and ``..._redials_total`` per link kept up."""
    kept = readings.kept()
    if not kept:
        return []
    up = ["# HELP otpbroker_mobile_link_up Whether a mobile link kept up is up now (1) or not (0).",
          "# TYPE otpbroker_mobile_link_up gauge"]  # fmt: skip
    redials = ["# HELP otpbroker_mobile_link_redials_total Redials of a mobile link since its "
               "Connect.", "# TYPE otpbroker_mobile_link_redials_total counter"]  # fmt: skip
    for link in kept:
        modem = label(str(link["id"]))
        up.append(f'otpbroker_mobile_link_up{{modem="{modem}"}} {int(link["state"] == "up")}')
        redials.append(f'otpbroker_mobile_link_redials_total{{modem="{modem}"}} {link["redials"]}')
    return up + redials


__all__ = ["LinkReadings", "UplinkReadings", "link_lines", "uplink_lines"]
