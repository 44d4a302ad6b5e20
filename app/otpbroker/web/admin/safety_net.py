"""The safety net as the Network and Firewall pages show it: the change waiting for
confirmation, notices of reverted changes, and whether changes are applied here at all."""

from __future__ import annotations

from typing import Any

from otpbroker.web.admin.context import AdminContext

NOT_WIRED = "Not applied: network control is not wired in this process."


def pending_view(context: AdminContext) -> dict[str, Any]:
    """What the safety-net banner needs (call it first: it may undo a reverted change)."""
    net = context.network_changes
    pending = net.pending() if net is not None else {}
    network = context.network
    return {
        "pending": pending,
        "notices": net.take_notices() if net is not None else [],
        "applies": network is not None and network.available,
        "wired": network is not None,
    }
