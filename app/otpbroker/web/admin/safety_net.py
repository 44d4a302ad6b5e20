"""The safety net as the Network and Firewall pages say it (the state comes from the
network settings and firewall rules services)."""

from __future__ import annotations

NOT_WIRED = "Not applied: network control is not wired in this process."
