"""The health checks' replies (no credentials): ``/health``, ``/health/live``, ``/health/ready``.

``live``: the process serves requests (also while it stops: a stop in progress is no reason
for a supervisor to kill it). ``ready``: the device can take OTPs now
(``services.readiness``). ``/health``: the device takes work (not stopping), as before.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from otpbroker.services.command_replies import stopping_reply
from otpbroker.services.readiness import ModemReadiness, Readiness, ReadinessNote
from otpbroker.services.replies import Code, Reply

#: Seconds a load balancer may wait before asking again when no modem can send.
NOT_READY_RETRY_AFTER = 30


def health_reply(stopping: bool) -> Reply:
    """``/health``: ``ok``, or ``1112`` ``stopping`` with ``Retry-After``."""
    if stopping:
        reply = stopping_reply("health", "the device is stopping")
        return replace(reply, data={**(reply.data or {}), "status": "stopping"})
    return Reply("health", Code.OK, "ok", {"status": "ok"})


def live_reply(stopping: bool) -> Reply:
    """``/health/live``: 200 while the process answers; ``data.stopping`` says if it stops."""
    text = "alive; the device is stopping" if stopping else "alive"
    return Reply("health-live", Code.OK, text, {"status": "alive", "stopping": stopping})


def ready_reply(readiness: Readiness) -> Reply:
    """``/health/ready``: 200 ``ready``, else 503 with ``Retry-After`` and every modem's
    reason (``1112`` while stopping, ``1101`` when no modem can send); ``data.notes`` when
    something is degraded while the device still sends (an unreachable shared ledger)."""
    data: dict[str, Any] = {"modems": [_modem(m) for m in readiness.modems]}
    if readiness.notes:
        data["notes"] = [_note(n) for n in readiness.notes]
    if readiness.ready:
        return Reply("health-ready", Code.OK, readiness.summary, {"status": "ready", **data})
    if readiness.stopping:
        reply = stopping_reply("health-ready", readiness.summary)
        return replace(reply, data={**(reply.data or {}), "status": "stopping", **data})
    data = {"status": "not_ready", "retry_after": NOT_READY_RETRY_AFTER, **data}
    return Reply("health-ready", Code.NO_MODEM, readiness.summary, data)


def _modem(modem: ModemReadiness) -> dict[str, str]:
    """One modem's part of the answer: id, name, state and the reason when it cannot send."""
    fields = {"id": modem.id, "name": modem.name, "state": modem.state}
    if modem.reason:
        fields["reason"] = modem.reason
    return fields


def _note(note: ReadinessNote) -> dict[str, str]:
    """A degraded part: what it is about, its state and what that means."""
    return {"about": note.about, "state": note.state, "reason": note.reason}
