"""The configured modems as hot-plug sees them, and where it stores a modem's new path."""

from __future__ import annotations

import logging

from otpbroker.domain.ports import Repository
from otpbroker.modem.hotplug import ModemRef

log = logging.getLogger(__name__)


class StoredModemRefs:
    """Hot-plug's view of the ``modems`` records: stable path and IMEI, and port moves."""

    def __init__(self, repo: Repository) -> None:
        """``repo``: the configuration store holding the ``modems`` records."""
        self._repo = repo

    def refs(self) -> list[ModemRef]:
        """Every configured modem, matched by its stable path or its IMEI."""
        return [
            ModemRef(str(r["id"]), str(r["port"]), str(r.get("imei") or "") or None)
            for r in self._repo.list("modems")
        ]

    def move(self, modem_id: str, port: str) -> None:
        """Hot-plug found a modem (by IMEI) at a new path: store it (the pool follows)."""
        try:
            self._repo.update("modems", modem_id, {"port": port})
        except (KeyError, ValueError) as exc:
            log.error("modem %s: new port %s not stored: %s", modem_id, port, exc)


__all__ = ["StoredModemRefs"]
