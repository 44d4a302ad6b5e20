"""The safety net as the Network and Firewall pages say it (the state comes from the
network settings and firewall rules services)."""

from __future__ import annotations

from otpbroker.i18n.translate import N_

NOT_WIRED = N_("Not applied: network control is not wired in this process.")
