"""The modem records the Internet page changes: the modems with internet access, an
operator's APN settings stored in a modem, and SMS paused or resumed on a modem whose one
serial line the data call needs.

SMS is resumed only once the data call no longer holds the port (its link is down and pppd
has ended). The link itself (connect, disconnect, state) is the internet control's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import _

MODEMS = "modems"
APN_FIELDS = ("apn", "apn_username", "apn_password", "dial_number")


class LinkState(Protocol):
    """What the service asks of the internet control."""

    def status(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The link state of a modem (``up``, ``pid``, ...)."""
        ...


class InternetLinks(LinkState, Protocol):
    """Mobile internet through a modem (ppp); connect and disconnect raise with a message to
    show. Off a device (no privileged helper) it is there with ``available`` False."""

    @property
    def available(self) -> bool:
        """False off a device: connect and disconnect refuse."""
        ...

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Install the modem's ppp files and start the link; its status."""
        ...

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Stop the modem's link; its status."""
        ...


class InternetModems:
    """Read the modems, store APN settings, pause and resume SMS around a data call."""

    def __init__(self, records: Repository, links: LinkState | None) -> None:
        self._records = records
        self._links = links

    def modems(self) -> list[dict[str, Any]]:
        """Every configured modem."""
        return self._records.list(MODEMS)

    def names(self) -> dict[str, str]:
        """Every configured modem's name by its id."""
        return {str(m["id"]): str(m["name"]) for m in self.modems()}

    def with_internet(self) -> list[dict[str, Any]]:
        """The modems with internet access."""
        return [m for m in self.modems() if m.get("internet_access")]

    def modem(self, modem_id: str) -> dict[str, Any]:
        """One modem (LookupError when there is none)."""
        return self._records.get_record(MODEMS, modem_id)

    def use_apn(self, modem_id: str, apn: Mapping[str, str]) -> dict[str, Any]:
        """Store an operator's APN settings (``apn``, ``apn_username``, ``apn_password``,
        ``dial_number``) in the modem."""
        return self._records.update(MODEMS, modem_id, {key: apn[key] for key in APN_FIELDS})

    def pause_sms(self, modem_id: str) -> dict[str, Any]:
        """Deactivate the modem: the pool releases its port for the data call."""
        return self._records.update(MODEMS, modem_id, {"active": False})

    def resume_sms(self, modem_id: str) -> dict[str, Any]:
        """Activate the modem again; ValueError while the data call still uses the port."""
        record = self.modem(modem_id)
        state = self._links.status(record) if self._links is not None else {}
        if state.get("up") or state.get("pid"):
            raise ValueError(_("disconnect first: the data call still uses the port"))
        return self._records.update(MODEMS, modem_id, {"active": True})
