"""Mobile internet through a modem: render the ppp files, install them through the
privileged helper, start and stop the link, and report its state.

A modem whose data port is empty or equal to its SMS port has one serial line for both:
while it is online it cannot send SMS. :meth:`InternetControl.connect` then refuses until
the modem is inactive for SMS and the modem pool has released the port (``sms_holds``),
so pppd and the SMS driver never talk over the same line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from otpbroker.system.helper_client import HelperClient, HelperError
from otpbroker.system.ppp_status import link_status
from otpbroker.system.render_ppp import (
    link_from_record,
    link_name,
    log_path,
    render_chat,
    render_peer,
)


class InternetError(Exception):
    """A connect or disconnect that cannot be done; str() says why and what to do."""


def shares_sms_port(record: Mapping[str, Any]) -> bool:
    """True when the data call would use the modem's SMS port."""
    data_port = record.get("data_port") or ""
    return not data_port or data_port == record.get("port")


def _never_held(modem_id: str) -> bool:
    return False


def read_link(name: str) -> dict[str, Any]:
    """The link's state from the OS, with why its last attempt failed (pppd's log)."""
    return link_status(name, log_file=log_path(name))


class InternetControl:
    """Connect, disconnect and watch the ppp link of a modem record."""

    def __init__(
        self,
        helper: HelperClient,
        *,
        sms_holds: Callable[[str], bool] = _never_held,
        status_reader: Callable[[str], dict[str, Any]] = read_link,
    ) -> None:
        """``sms_holds(modem_id)`` tells whether the modem pool still has the modem's SMS
        port open; ``status_reader(link_name)`` reads the link state from the OS."""
        self.helper = helper
        self.sms_holds = sms_holds
        self.status_reader = status_reader

    @property
    def available(self) -> bool:
        """False off a device (no privileged helper): connect and disconnect refuse."""
        return self.helper.available

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Install the modem's peers file and chat script and start pppd; its status."""
        if not record.get("internet_access"):
            raise InternetError(
                f"Internet access is off for modem {record.get('name', '?')!r}: "
                "turn it on in the modem's settings first"
            )
        self._check_port_free(record)
        try:
            link = link_from_record(record)
        except ValueError as exc:
            raise InternetError(f"The modem's internet settings are invalid: {exc}") from None
        self._require_helper()
        try:
            self.helper.stage(f"ppp-peer:{link.name}", render_peer(link))
            self.helper.stage(f"ppp-chat:{link.name}", render_chat(link))
            self.helper.run("apply", f"ppp-peer:{link.name}", f"ppp-chat:{link.name}")
            self.helper.run("ppp", "up", link.name)
        except HelperError as exc:
            raise InternetError(f"Connecting failed: {exc}") from None
        return self.status(record)

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Stop the modem's pppd; its status afterwards."""
        self._require_helper()
        try:
            name = link_name(str(record.get("id") or ""))
        except ValueError:
            raise InternetError("The modem record has no id") from None
        try:
            self.helper.run("ppp", "down", name)
        except HelperError as exc:
            raise InternetError(f"Disconnecting failed: {exc}") from None
        return self.status(record)

    def status(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The link state plus ``shares_sms_port``, ``device`` and ``settings_error``."""
        try:
            link = link_from_record(record)
        except ValueError as exc:
            return {
                "name": None, "exists": False, "up": False, "ipv4": [], "rx_bytes": None,
                "tx_bytes": None, "pid": None, "uptime_seconds": None, "problem": None,
                "shares_sms_port": shares_sms_port(record), "device": None,
                "settings_error": str(exc),
            }  # fmt: skip
        return {
            **self.status_reader(link.name),
            "shares_sms_port": shares_sms_port(record),
            "device": link.device,
            "settings_error": None,
        }

    def _require_helper(self) -> None:
        if not self.helper.available:
            raise InternetError(
                "Mobile internet is managed on the device only: the privileged helper is "
                "not available here"
            )

    def _check_port_free(self, record: Mapping[str, Any]) -> None:
        if not shares_sms_port(record):
            return
        if record.get("active", True):
            raise InternetError(
                "This modem has no separate data port, so it cannot send SMS while online. "
                "Pause SMS on it (deactivate it) first, or set its data port"
            )
        if self.sms_holds(str(record.get("id", ""))):
            raise InternetError(
                "SMS on this modem is paused but the SMS driver still holds its port; "
                "try again in a few seconds"
            )
