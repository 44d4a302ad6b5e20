"""The USB-reset rung: a modem's port leads to its USB device in sysfs, which is reset
through the UsbControl port; anything in the way answers False (the ladder goes on)."""

from __future__ import annotations

import logging
import threading

import pytest
from usb_tree import Plugged, UsbTree

from otpbroker.domain.usb_modems import UsbControlError
from otpbroker.modem.sim.usb import layout
from otpbroker.modem.sysfs import read_usb_device, read_usb_devices, usb_path_of
from otpbroker.modem.usb_reset import UsbPortReset


class Control:
    """Records resets; refuses them when told to (as the helper does off a device)."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.resets: list[str] = []

    def reset(self, usb_path: str) -> None:
        if self.refuse:
            raise UsbControlError(f"usb-reset {usb_path}: the helper is not available")
        self.resets.append(usb_path)

    def switch_mode(self, usb_path: str) -> None:
        raise AssertionError("never switched")


@pytest.fixture
def quectel(tmp_path):
    tree = UsbTree(tmp_path / "root")
    plugged = tree.plug(layout("quectel-ec25", "modem"), "1-1.2")
    return tree, plugged


def test_the_usb_device_of_the_port_is_reset(quectel):
    tree, plugged = quectel
    control = Control()
    reset = UsbPortReset(lambda: control, lambda port: usb_path_of(port, str(tree.sysfs)),
                         sysfs_root=str(tree.sysfs), stable=0.2)  # fmt: skip
    assert reset(str(plugged.links[2])) is True  # the by-id link of the AT port
    assert control.resets == ["1-1.2"]


def test_a_refused_reset_a_missing_control_or_a_non_usb_port_answer_false(quectel, tmp_path):
    tree, plugged = quectel
    locate = lambda port: usb_path_of(port, str(tree.sysfs))  # noqa: E731
    refusing = Control(refuse=True)
    assert UsbPortReset(lambda: refusing, locate)(str(plugged.links[2])) is False
    assert UsbPortReset(lambda: None, locate)(str(plugged.links[2])) is False
    plain = tmp_path / "ttyS0"
    plain.write_text("")
    control = Control()
    assert UsbPortReset(lambda: control, locate)(str(plain)) is False
    assert control.resets == []


class ReenumeratingControl:
    """A stick that comes back from its reset as its CD-ROM; ``udev_switches_after`` makes
    the system's usb_modeswitch switch it back by itself after that many seconds."""

    def __init__(self, tree: UsbTree, plugged: Plugged,
                 udev_switches_after: float | None = None) -> None:  # fmt: skip
        self.tree, self.plugged = tree, plugged
        self.udev_switches_after = udev_switches_after
        self.resets: list[str] = []
        self.switches: list[str] = []
        self.udev: threading.Timer | None = None

    def _replug(self, name: str) -> None:
        self.tree.unplug(self.plugged)
        self.plugged = self.tree.plug(layout("huawei-e3131", name), "1-1.2", devnum=9)

    def reset(self, usb_path: str) -> None:
        self.resets.append(usb_path)
        self._replug("cdrom")
        if self.udev_switches_after is not None:
            self.udev = threading.Timer(self.udev_switches_after, self._replug, ("modem",))
            self.udev.start()

    def switch_mode(self, usb_path: str) -> None:
        self.switches.append(usb_path)
        self._replug("modem")


def cdrom_reset(tmp_path, **control):  # a Huawei stick, reset through the control
    tree = UsbTree(tmp_path / "root")
    plugged = tree.plug(layout("huawei-e3131", "modem"), "1-1.2")
    doubles = ReenumeratingControl(tree, plugged, **control)
    reset = UsbPortReset(lambda: doubles, lambda port: usb_path_of(port, str(tree.sysfs)),
                         sysfs_root=str(tree.sysfs), settle=10, cdrom_grace=0.5, stable=0.2)  # fmt: skip
    return plugged, doubles, reset


def test_a_stick_back_from_its_reset_as_a_cdrom_is_switched_to_modem_mode(tmp_path):
    plugged, control, reset = cdrom_reset(tmp_path)
    assert reset(str(max(plugged.links.values()))) is True
    assert control.resets == ["1-1.2"] and control.switches == ["1-1.2"]
    # its serial ports are back under new kernel names, its by-id links under the same ones
    assert set(control.plugged.nodes.values()).isdisjoint(plugged.nodes.values())
    assert sorted(control.plugged.links.values()) == sorted(plugged.links.values())
    assert all(link.exists() for link in control.plugged.links.values())


def test_a_cdrom_that_udev_switches_within_the_grace_is_left_to_it(tmp_path):
    plugged, control, reset = cdrom_reset(tmp_path, udev_switches_after=0.1)
    assert reset(str(max(plugged.links.values()))) is True
    assert control.resets == ["1-1.2"] and control.switches == []
    assert control.udev is not None
    control.udev.join(10)  # its links are on disk before it records them (a loaded machine)
    assert control.plugged.links


def test_the_reset_watches_one_device_and_reads_no_other(tmp_path, caplog):
    """While a device comes back, only its own folder is read, again and again: another
    device's unreadable entry is neither read nor logged each pass."""
    tree = UsbTree(tmp_path / "root")
    quectel = tree.plug(layout("quectel-ec25", "modem"), "1-1.2")
    broken = tree.plug(layout("huawei-e3131", "modem"), "1-1.3", devnum=6)
    (broken.sysfs / "idVendor").unlink()
    (broken.sysfs / "idVendor").mkdir()  # a folder where a file belongs: unreadable
    root = str(tree.sysfs)
    caplog.set_level(logging.WARNING, logger="otpbroker.modem.sysfs")
    device = read_usb_device("1-1.2", root)
    assert device is not None and (device.vendor_id, device.product_id) == ("2c7c", "0125")
    wanted = {interface.number for interface in layout("quectel-ec25", "modem").interfaces}
    assert {interface.number for interface in device.interfaces} == wanted
    ttys = {i.number: i.ttys for i in device.interfaces if i.ttys}
    assert {number: (node.name,) for number, node in quectel.nodes.items()} == ttys
    assert read_usb_device("1-1.3", root) is None  # unreadable, quietly
    assert read_usb_device("1-1.9", root) is None and read_usb_device("../1-1.2", root) is None
    assert caplog.records == []
    read_usb_devices(root)  # the full scan does report the broken one
    assert any("1-1.3" in r.getMessage() for r in caplog.records)
    control = Control()
    reset = UsbPortReset(lambda: control, lambda port: "1-1.2", sysfs_root=root, stable=0.2)
    caplog.clear()
    assert reset(str(quectel.links[2])) is True
    assert control.resets == ["1-1.2"] and caplog.records == []
