"""How a device is named in the fleet, and in its brokers' connection lists.

A device's fleet name is ``fleet.device_name``, else the host name. The RabbitMQ feeder
names its connection ``<device> otp-broker rabbitmq feeder <token>`` (``client_properties``
``connection_name``), so the broker's consumer list says which device a consumer is; the
token tells apart two connections of one device (a restart's old and new one).
"""

from __future__ import annotations

import socket

#: What follows the device's name in a connection name of ours.
_MARK = " otp-broker "


def device_name(configured: str) -> str:
    """The fleet name: ``configured`` (``fleet.device_name``), else the host name."""
    return configured or socket.gethostname()[:64]


def connection_name(device: str, feeder: str, token: str) -> str:
    """The connection name a feeder of ``device`` gives the broker."""
    return f"{device}{_MARK}{feeder} feeder {token}"


def device_of(connection: str) -> str:
    """The device named in a connection name of ours ("" for anybody else's)."""
    device, mark, _rest = connection.partition(_MARK)
    return device if mark and device and " " not in device else ""


__all__ = ["connection_name", "device_name", "device_of"]
