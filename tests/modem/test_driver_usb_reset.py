"""The USB-reset rung: a modem's port leads to its USB device in sysfs, which is reset
through the UsbControl port; anything in the way answers False (the ladder goes on)."""

from __future__ import annotations

import pytest
from usb_tree import UsbTree

from otpbroker.domain.usb_modems import UsbControlError
from otpbroker.modem.sim.usb import layout
from otpbroker.modem.sysfs import usb_path_of
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
    reset = UsbPortReset(lambda: control, lambda port: usb_path_of(port, str(tree.sysfs)))
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
