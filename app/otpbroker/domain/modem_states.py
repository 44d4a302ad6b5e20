"""Every state a modem can be in, and the routing reason each state but ``ready`` gives.

One list for the driver (``modem/status.py``), ``/metrics`` (one gauge line per state) and
the documentation (docs/api.md lists them in this order).
"""

from __future__ import annotations

#: SIM states the driver does not leave by itself (the PIN is never retried); each has its
#: advice in ``domain.sim_state.SIM_STATES``.
PERMANENT_STATES = (
    "pin_required", "pin_rejected", "pin_unconfirmed", "pin_low_tries", "puk_required",
    "no_sim", "sim_error",
)  # fmt: skip
#: Every state a modem can be in.
MODEM_STATES = (
    "ready", "connecting", "disconnected", "recovering", "dead", *PERMANENT_STATES, "stopped",
    "unplugged",
)  # fmt: skip
#: The routing reason (``domain.routing.OUT_OF_ROUTING``) of each state but ``ready``.
STATE_REASONS = {
    "connecting": "disconnected", "disconnected": "disconnected", "stopped": "disconnected",
    "recovering": "recovering", "dead": "dead", "unplugged": "unplugged", "no_sim": "no_sim",
    **{state: "sim_locked" for state in PERMANENT_STATES if state != "no_sim"},
}  # fmt: skip

__all__ = ["MODEM_STATES", "PERMANENT_STATES", "STATE_REASONS"]
