"""The helper's USB commands: re-enumerate one device, switch a CD-ROM-mode stick.

    usb-reset 1-1.2        the device's ``authorized`` attribute is set to 0, then 1: the
                           kernel unbinds every driver of the device and binds them again,
                           so its ports disappear and come back (like unplugging it)
    usb-modeswitch 1-1.2   runs usb_modeswitch for exactly that device (bus and device
                           number) with the switching method the system's
                           usb-modeswitch-data gives for its vendor:product

The argument must be a USB device path (``bus-port[.port...]``) that exists under
``/sys/bus/usb/devices`` and leads into ``/sys/devices``; anything else is refused before
anything is touched.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from otpbroker.privileged import modeswitch
from otpbroker.privileged.environment import HelperEnvironment
from otpbroker.privileged.tools import run_tool

USB_PATH = re.compile(r"[1-9][0-9]{0,2}-[1-9][0-9]{0,2}(?:\.[1-9][0-9]{0,2}){0,6}")
SYS_USB_DEVICES = "/sys/bus/usb/devices"
SYS_DEVICES = "/sys/devices"
AUTHORIZE_PAUSE = 0.5
MODESWITCH_TIMEOUT = 60.0
NOT_FOUND = "No devices in default mode found"


def check_path(usb_path: str) -> str:
    """``usb_path`` when it looks like ``1-1.2``; ValueError otherwise (nothing is read)."""
    if USB_PATH.fullmatch(usb_path) is None:
        raise ValueError(
            f"{usb_path[:40]!r} is not a USB device path (bus-port[.port...], e.g. 1-1.2)"
        )
    return usb_path


def device_dir(env: HelperEnvironment, usb_path: str) -> Path:
    """The sysfs directory of USB device ``usb_path``; ValueError when there is none."""
    check_path(usb_path)
    entry = env.path(SYS_USB_DEVICES) / usb_path
    if not entry.exists():
        raise ValueError(f"no USB device {usb_path}: {SYS_USB_DEVICES}/{usb_path} does not exist")
    real = Path(os.path.realpath(entry))
    devices = os.path.realpath(env.path(SYS_DEVICES))
    if not str(real).startswith(devices + os.sep) or real.name != usb_path:
        raise ValueError(f"{SYS_USB_DEVICES}/{usb_path} does not lead to a device in {SYS_DEVICES}")
    if not (real / "idVendor").is_file():
        raise ValueError(f"{usb_path} is not a USB device (it has no idVendor)")
    return real


def attribute(device: Path, name: str, pattern: str) -> str:
    """One sysfs attribute of ``device`` that must match ``pattern``; ValueError otherwise."""
    try:
        text = (device / name).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {name} of USB device {device.name}: {exc}") from None
    if re.fullmatch(pattern, text) is None:
        raise ValueError(f"{name} of USB device {device.name} is {text[:20]!r}, not {pattern}")
    return text


def _write(path: Path, value: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise ValueError(f"cannot open {path}: {exc.strerror}") from None
    try:
        os.write(fd, value.encode("ascii"))
    except OSError as exc:
        raise ValueError(f"writing {value} to {path} failed: {exc.strerror}") from None
    finally:
        os.close(fd)


def reset(env: HelperEnvironment, usb_path: str) -> dict[str, Any]:
    """De-authorise and re-authorise the device: its drivers unbind and bind again."""
    device = device_dir(env, usb_path)
    authorized = device / "authorized"
    if not authorized.exists():
        raise ValueError(f"USB device {usb_path} has no authorized attribute; nothing was changed")
    _write(authorized, "0")
    time.sleep(AUTHORIZE_PAUSE)
    _write(authorized, "1")
    return {"usb_path": usb_path, "reset": True}


def _strings(device: Path) -> dict[str, str]:
    """The device's manufacturer / product / serial strings (empty when absent)."""
    found = {}
    for name in ("manufacturer", "product", "serial"):
        try:
            found[name] = (device / name).read_text("utf-8", "replace").strip()
        except OSError:
            found[name] = ""
    return found


def switch_mode(env: HelperEnvironment, usb_path: str) -> dict[str, Any]:
    """Run usb_modeswitch for this one device with the system's data for its vendor:product."""
    device = device_dir(env, usb_path)
    vendor = attribute(device, "idVendor", "[0-9a-f]{4}")
    product = attribute(device, "idProduct", "[0-9a-f]{4}")
    bus = attribute(device, "busnum", "[0-9]{1,3}")
    number = attribute(device, "devnum", "[0-9]{1,3}")
    name, flags = modeswitch.switch_flags(env, vendor, product, _strings(device))
    argv = [env.usb_modeswitch, "-v", f"0x{vendor}", "-p", f"0x{product}", "-b", bus,
            "-g", number, *flags]  # fmt: skip
    output = run_tool(
        argv, env, f"usb_modeswitch for {vendor}:{product} ({usb_path})", MODESWITCH_TIMEOUT
    )
    if NOT_FOUND in output:
        raise ValueError(
            f"usb_modeswitch found no {vendor}:{product} at bus {bus} device {number} "
            f"({usb_path}): it may have switched already or been unplugged"
        )
    return {"usb_path": usb_path, "device": f"{vendor}:{product}", "config": name,
            "arguments": flags}  # fmt: skip
