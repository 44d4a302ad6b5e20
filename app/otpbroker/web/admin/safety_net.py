"""The admin's side of the network safety net: which stored change belongs to which pending
helper change, so a change the helper reverted by itself is also undone in the settings.

Kept in memory: after a restart of the app during a confirmation window the helper still
reverts the system, but the stored settings keep the unconfirmed values (the page then
shows the stored values, which differ from what runs until they are saved again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from otpbroker.web.admin.context import AdminContext

log = logging.getLogger(__name__)


@dataclass
class _Change:
    summary: str
    undo: Callable[[], None]


@dataclass
class SafetyNet:
    """Tracks applied-but-unconfirmed changes of one admin."""

    context: AdminContext
    changes: dict[str, _Change] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, token: str, summary: str, undo: Callable[[], None]) -> None:
        """Remember that helper change ``token`` stored ``summary`` (``undo`` restores it)."""
        with self.lock:
            self.changes[token] = _Change(summary, undo)

    def confirmed(self, token: str) -> None:
        """The owner confirmed ``token``: the stored settings stay."""
        with self.lock:
            self.changes.pop(token, None)

    def pending(self) -> dict[str, Any]:
        """The helper's pending change (``{}``), after undoing the settings of any change
        the helper reverted meanwhile. Errors of the helper come back as ``{"error"}``."""
        network = self.context.network
        if network is None or not network.available:
            return {}
        try:
            current = network.pending()
        except Exception as exc:  # the page still works; it shows the reason
            return {"error": str(exc)}
        with self.lock:
            for token in [t for t in self.changes if t != current.get("token")]:
                change = self.changes.pop(token)
                try:
                    change.undo()
                    self.notices.append(
                        f"The change of {change.summary} was not confirmed in time and was "
                        "reverted; the previous settings are back."
                    )
                except Exception as exc:
                    log.exception("undoing the stored settings of a reverted change failed")
                    self.notices.append(
                        f"The change of {change.summary} was reverted, but the stored "
                        f"settings could not be restored: {exc}"
                    )
        if current:
            current = {**current, "remaining": max(0, int(current["deadline"] - time.time()))}
        return current

    def take_notices(self) -> list[str]:
        """Messages about reverted changes, each shown once."""
        with self.lock:
            notices, self.notices = self.notices, []
        return notices


_NETS: dict[int, SafetyNet] = {}
_NETS_LOCK = threading.Lock()


def safety_net(context: AdminContext) -> SafetyNet:
    """The one SafetyNet of ``context`` (shared by the Network and Firewall pages)."""
    with _NETS_LOCK:
        net = _NETS.get(id(context))
        if net is None or net.context is not context:
            net = _NETS[id(context)] = SafetyNet(context)
        return net
