"""Tell systemd the service is ready (``Type=notify``): one datagram to ``$NOTIFY_SOCKET``.

Without the variable (not started by systemd, or another service type) nothing happens.
An abstract socket is written with a leading ``@``, as systemd passes it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` (e.g. ``"READY=1"``); True when a socket was there to take it."""
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    target = "\0" + address[1:] if address[0] == "@" else address
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        try:
            sock.sendto(message.encode("utf-8"), target)
        except OSError:
            return False
    return True


def ready(status: str) -> bool:
    """``READY=1`` with a one-line ``STATUS=`` shown by ``systemctl status``."""
    return notify(f"READY=1\nSTATUS={status.splitlines()[0] if status else ''}")


def stopping(bound_seconds: float) -> bool:
    """``STOPPING=1``, and ``EXTEND_TIMEOUT_USEC`` so that systemd gives the stop
    ``bound_seconds`` from now (the unit's stop time-out follows the setting)."""
    usec = max(1, round(bound_seconds * 1_000_000))
    return notify(f"STOPPING=1\nEXTEND_TIMEOUT_USEC={usec}\nSTATUS=stopping")
