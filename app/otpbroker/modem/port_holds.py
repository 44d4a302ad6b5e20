"""Whether the modem pool still holds a modem's serial port (mobile internet must wait)."""

from __future__ import annotations

from typing import Any, Protocol


class RunningModems(Protocol):
    """The pool's running modems (``ModemPool``)."""

    def statuses(self) -> list[Any]:
        """A status snapshot (with ``modem_id``) of each running modem."""
        ...


class SmsPortHolds:
    """Called with a modem id: True while the pool runs a driver for it (it owns the port)."""

    def __init__(self, pool: RunningModems) -> None:
        """``pool``: the running modems."""
        self._pool = pool

    def __call__(self, modem_id: str) -> bool:
        """True while a driver of ``modem_id`` runs."""
        return any(status.modem_id == modem_id for status in self._pool.statuses())


__all__ = ["RunningModems", "SmsPortHolds"]
