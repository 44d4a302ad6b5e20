"""The domain's ``UsbControl`` port through the privileged helper.

``reset`` runs ``otpb-helper usb-reset <usb path>`` (the device is de-authorised and
authorised again: its drivers unbind and bind, its ports come back), ``switch_mode`` runs
``otpb-helper usb-modeswitch <usb path>`` (usb_modeswitch with the system's data for the
device's vendor:product). Both raise ``UsbControlError`` with the helper's precise message;
a path that is not ``bus-port[.port...]`` is refused before the helper is asked.
"""

from __future__ import annotations

from otpbroker.domain.usb_modems import UsbControlError, check_usb_path
from otpbroker.system.helper_client import HelperClient, HelperError

RESET_TIMEOUT = 30.0
SWITCH_TIMEOUT = 90.0


class HelperUsbControl:
    """Re-enumerate or mode-switch one USB device, as root, through the helper."""

    def __init__(self, helper: HelperClient) -> None:
        self._helper = helper

    @property
    def available(self) -> bool:
        """False off a device (no helper): both operations then refuse."""
        return self._helper.available

    def _run(self, command: str, usb_path: str, timeout: float) -> None:
        check_usb_path(usb_path)
        try:
            self._helper.run(command, usb_path, timeout=timeout)
        except HelperError as exc:
            raise UsbControlError(f"{command} {usb_path}: {exc}", reason="helper") from None

    def reset(self, usb_path: str) -> None:
        """Re-enumerate the device at ``usb_path``; UsbControlError when refused or failed."""
        self._run("usb-reset", usb_path, RESET_TIMEOUT)

    def switch_mode(self, usb_path: str) -> None:
        """Switch the CD-ROM-mode stick at ``usb_path`` to modem mode; UsbControlError."""
        self._run("usb-modeswitch", usb_path, SWITCH_TIMEOUT)


__all__ = ["HelperUsbControl"]
