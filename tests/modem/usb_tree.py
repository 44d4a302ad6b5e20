"""A fake sysfs USB tree, ``/dev`` nodes and ``/dev/serial/by-id`` links, built in a temp dir
from the emulator's USB layouts (``otpbroker.modem.sim.usb``), the way the kernel and udev
lay them out on a device:

    sys/devices/usb1/1-1.2/{idVendor,idProduct,manufacturer,product,serial,busnum,devnum}
    sys/devices/usb1/1-1.2/1-1.2:1.2/{bInterfaceNumber,bInterfaceClass,...,driver -> ...}
    sys/devices/usb1/1-1.2/1-1.2:1.2/ttyUSB2/tty/ttyUSB2      (usb-serial drivers)
    sys/devices/usb1/1-1.0/1-1.0:1.0/tty/ttyACM0              (cdc_acm)
    sys/devices/usb1/1-1.2/1-1.2:1.4/net/wwan0                (network drivers)
    sys/bus/usb/devices/1-1.2 -> ../../../devices/usb1/1-1.2  (and one link per interface)
    dev/ttyUSB2 -> the emulator's pty (or a plain file: a port nobody answers on)
    sys/class/tty/ttyUSB2/device -> ../../../devices/usb1/1-1.2/1-1.2:1.2/ttyUSB2
    dev/serial/by-id/usb-Quectel_EC25-EUX_0123456789ABCDEF-if02-port0 -> ../../ttyUSB2
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from otpbroker.modem.sim.usb import ACM_DRIVER, SERIAL_DRIVERS, UsbLayout


def _udev_safe(text: str) -> str:
    """Roughly what udev's ID_VENDOR / ID_MODEL look like: spaces become ``_``."""
    return re.sub(r"[^A-Za-z0-9#+.:=@_-]", "_", text.strip().replace(" ", "_"))


@dataclass
class Plugged:
    """One device in the tree: its sysfs dir, and per interface its node and by-id link."""

    usb_path: str
    sysfs: Path
    nodes: dict[int, Path] = field(default_factory=dict)
    links: dict[int, Path] = field(default_factory=dict)
    nets: dict[int, str] = field(default_factory=dict)
    entries: list[Path] = field(default_factory=list)
    """Links and folders outside its own folder, removed when it is unplugged."""

    def interface_dir(self, number: int) -> Path:
        return self.sysfs / f"{self.usb_path}:1.{number}"


class UsbTree:
    """``root/sys``, ``root/dev`` and ``root/dev/serial/by-id`` for fake USB devices."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sysfs = root / "sys"
        self.dev = root / "dev"
        self.by_id = self.dev / "serial" / "by-id"
        self.by_id.mkdir(parents=True)
        (self.sysfs / "bus" / "usb" / "devices").mkdir(parents=True)
        self._next = {"ttyUSB": 0, "ttyACM": 0, "wwan": 0, "usb": 0}

    def _name(self, prefix: str) -> str:
        number = self._next[prefix]
        self._next[prefix] += 1
        return f"{prefix}{number}"

    def _bus_link(self, name: str, target: Path) -> Path:
        link = self.sysfs / "bus" / "usb" / "devices" / name
        link.symlink_to(os.path.relpath(target, link.parent))
        return link

    def unplug(self, plugged: Plugged) -> None:
        """Remove the device, as the kernel and udev do when it leaves the bus."""
        for entry in plugged.entries:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
        shutil.rmtree(plugged.sysfs)

    def plug(self, layout: UsbLayout, usb_path: str = "1-1.2", *, devnum: int = 5,
             nodes: dict[int, str] | None = None) -> Plugged:  # fmt: skip
        """Add ``layout`` at ``usb_path``; ``nodes`` maps interface -> what its /dev node is
        a link to (a pty path); other serial interfaces get a plain file as their node."""
        device = self.sysfs / "devices" / "usb1" / usb_path
        device.mkdir(parents=True)
        attributes = {
            "idVendor": layout.vendor_id, "idProduct": layout.product_id,
            "manufacturer": layout.manufacturer, "product": layout.product,
            "serial": layout.serial, "busnum": usb_path.split("-")[0], "devnum": str(devnum),
            "authorized": "1", "bNumInterfaces": f"{len(layout.interfaces):2d}",
        }  # fmt: skip
        for name, value in attributes.items():
            if value:  # the kernel has no file for a string the device does not have
                (device / name).write_text(value + "\n")
        plugged = Plugged(usb_path, device, entries=[self._bus_link(usb_path, device)])
        for interface in layout.interfaces:
            self._interface(layout, plugged, interface, (nodes or {}).get(interface.number))
        return plugged

    def _interface(self, layout: UsbLayout, plugged: Plugged, interface, target: str | None
                   ) -> None:  # fmt: skip
        folder = plugged.interface_dir(interface.number)
        folder.mkdir()
        for name, value in (("bInterfaceNumber", f"{interface.number:02x}"),
                            ("bInterfaceClass", interface.klass),
                            ("bInterfaceSubClass", interface.subclass),
                            ("bInterfaceProtocol", interface.protocol)):  # fmt: skip
            (folder / name).write_text(value + "\n")
        drivers = self.sysfs / "bus" / "usb" / "drivers" / interface.driver
        drivers.mkdir(parents=True, exist_ok=True)
        (folder / "driver").symlink_to(os.path.relpath(drivers, folder))
        plugged.entries.append(self._bus_link(folder.name, folder))
        if interface.has_tty:
            self._tty(layout, plugged, interface, folder, target)
        elif interface.has_net:
            name = self._name("wwan" if interface.driver == "qmi_wwan" else "usb")
            (folder / "net" / name).mkdir(parents=True)
            plugged.nets[interface.number] = name

    def _tty(self, layout: UsbLayout, plugged: Plugged, interface, folder: Path,
             target: str | None) -> None:  # fmt: skip
        acm = interface.driver == ACM_DRIVER
        name = self._name("ttyACM" if acm else "ttyUSB")
        assert acm or interface.driver in SERIAL_DRIVERS
        (folder / ("tty" if acm else f"{name}/tty") / name).mkdir(parents=True)
        tty_class = self.sysfs / "class" / "tty" / name
        tty_class.mkdir(parents=True)
        port_device = folder if acm else folder / name  # what the kernel's "device" link names
        (tty_class / "device").symlink_to(os.path.relpath(port_device, tty_class))
        node = self.dev / name
        if target is None:
            node.write_text("")  # a port nobody answers on
        else:
            node.symlink_to(target)
        vendor = _udev_safe(layout.manufacturer) or layout.vendor_id
        model = _udev_safe(layout.product) or layout.product_id
        serial = f"_{_udev_safe(layout.serial)}" if layout.serial else ""
        suffix = "" if acm else "-port0"
        link = self.by_id / f"usb-{vendor}_{model}{serial}-if{interface.number:02d}{suffix}"
        link.symlink_to(os.path.relpath(node, link.parent))
        plugged.nodes[interface.number] = node
        plugged.links[interface.number] = link
        plugged.entries += [tty_class, node, link]
