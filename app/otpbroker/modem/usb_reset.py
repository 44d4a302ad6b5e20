"""The USB-reset rung of the recovery ladder: re-enumerate the USB device behind a port.

The worker knows its modem by its serial port (a ``/dev/serial/by-id`` link); the domain's
``UsbControl`` port resets a USB device by its path (``1-1.2``). ``UsbPortReset`` joins the
two: sysfs says which device carries the port (``sysfs.usb_path_of``), the control resets it.
It answers True only when the reset was done; anything else (not a USB tty, no privileged
helper off a device, the helper refused) is logged and answers False, and the ladder goes on.

A stick may come back from the reset as its CD-ROM (the mode it powers up in). The system's
``usb_modeswitch`` udev rule normally switches it back within seconds; when the device at
that USB path is still a known CD-ROM id after ``cdrom_grace`` seconds, the reset switches
it itself (``UsbControl.switch_mode``), so the modem's port comes back either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from otpbroker.domain.usb_modems import UsbControl, UsbControlError
from otpbroker.modem import usb_models
from otpbroker.modem.recovery import Pause
from otpbroker.modem.sysfs import read_usb_device, usb_path_of

log = logging.getLogger(__name__)


def _sleep(seconds: float) -> bool:
    """The pause of a caller that never ends it early."""
    time.sleep(seconds)
    return True


class UsbPortReset:
    """``reset_usb(port, pause) -> bool`` for ``ModemPool``, through a ``UsbControl``."""

    def __init__(
        self,
        control: Callable[[], UsbControl | None],
        locate: Callable[[str], str | None] = usb_path_of,
        *,
        sysfs_root: str = "/sys",
        settle: float = 30.0,
        cdrom_grace: float = 8.0,
        stable: float = 2.0,
    ) -> None:
        """``control`` gives the USB control (None: none on this machine); ``locate`` finds
        the USB device path of a port; ``settle`` is how long to watch the device come back,
        ``cdrom_grace`` how long a CD-ROM is left to udev's ``usb_modeswitch``, ``stable``
        how long ports that never left mean the reset is over."""
        self._control = control
        self._locate = locate
        self._root = sysfs_root
        self._settle = settle
        self._grace = cdrom_grace
        self._stable = stable

    def __call__(self, port: str, pause: Pause = _sleep) -> bool:
        """Reset the USB device of ``port``; True when it was reset.

        ``pause(seconds)`` is how it waits while the device comes back; a False answer (the
        worker is stopping) ends the wait at once."""
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
        self._out_of_cdrom_mode(control, usb_path, pause)
        return True

    def _out_of_cdrom_mode(self, control: UsbControl, usb_path: str, pause: Pause) -> None:
        """Watch the device come back; switch it when it stays a CD-ROM past the grace.

        Its ttys count as "back" once it was seen gone or as a CD-ROM since the reset, or
        after ``stable`` seconds (a reset the device took without dropping off the bus)."""
        started = time.monotonic()
        left = False
        cdrom_since: float | None = None
        while (now := time.monotonic()) - started < self._settle:
            mode = self._mode(usb_path)
            if mode == "serial" and (left or now - started >= self._stable):
                return
            left = left or mode != "serial"
            cdrom_since = (cdrom_since or now) if mode == "cdrom" else None
            if cdrom_since is not None and now - cdrom_since >= self._grace:
                try:
                    control.switch_mode(usb_path)
                    log.info("USB device %s came back as a CD-ROM: switched to modem mode",
                             usb_path)  # fmt: skip
                except UsbControlError as exc:
                    log.error("USB device %s stays a CD-ROM: %s", usb_path, exc)
                return
            if not pause(0.1):
                log.info("USB device %s: no longer watched (its modem is stopping)", usb_path)
                return

    def _mode(self, usb_path: str) -> str | None:
        """``serial`` (it has its ttys), ``cdrom`` (a known CD-ROM id), or None (not back)."""
        device = read_usb_device(usb_path, self._root)
        if device is None:
            return None
        if any(interface.ttys for interface in device.interfaces):
            return "serial"
        model = usb_models.lookup(device.vendor_id, device.product_id)
        return "cdrom" if model is not None and model.kind == "cdrom" else None


__all__ = ["UsbPortReset"]
