"""The USB-reset rung of the recovery ladder: re-enumerate the USB device behind a port.

The worker knows its modem by its serial port (a ``/dev/serial/by-id`` link); the domain's
``UsbControl`` port resets a USB device by its path (``1-1.2``). ``UsbPortReset`` joins the
two: sysfs says which device carries the port (``sysfs.usb_path_of``), the control resets it.
It answers True only when the reset was done; anything else (not a USB tty, no privileged
helper off a device, the helper refused) is logged and answers False, and the ladder goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from otpbroker.domain.usb_modems import UsbControl, UsbControlError
from otpbroker.modem.sysfs import usb_path_of

log = logging.getLogger(__name__)


class UsbPortReset:
    """``reset_usb(port) -> bool`` for ``ModemPool``, through a ``UsbControl``."""

    def __init__(
        self,
        control: Callable[[], UsbControl | None],
        locate: Callable[[str], str | None] = usb_path_of,
    ) -> None:
        """``control`` gives the USB control (None: none on this machine); ``locate`` finds
        the USB device path of a port."""
        self._control = control
        self._locate = locate

    def __call__(self, port: str) -> bool:
        """Reset the USB device of ``port``; True when it was reset."""
        usb_path = self._locate(port)
        if usb_path is None:
            log.warning("no USB reset for %s: it is not a USB serial port", port)
            return False
        control = self._control()
        if control is None:
            log.warning("no USB reset for %s: no USB control on this machine", port)
            return False
        try:
            control.reset(usb_path)
        except UsbControlError as exc:
            log.error("USB reset of %s (%s) failed: %s", port, usb_path, exc)
            return False
        log.info("USB device %s of %s reset", usb_path, port)
        return True


__all__ = ["UsbPortReset"]
