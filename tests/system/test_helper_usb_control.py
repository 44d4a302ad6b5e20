"""The app's ``UsbControl`` adapter: the real helper behind a socket (as systemd starts it)
under a temporary root with a fake sysfs; its refusals become precise ``UsbControlError``s."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helper_root import HelperRoot, fake_modeswitch, modeswitch_calls

sys.path.insert(0, str(Path(__file__).parents[1] / "modem"))
from usb_tree import UsbTree

from otpbroker.domain.usb_modems import UsbControl, UsbControlError
from otpbroker.modem.sim.usb import layout
from otpbroker.system.helper_client import HelperClient, HelperTransport
from otpbroker.system.helper_transports import ProgramTransport
from otpbroker.system.usb_control import HelperUsbControl


@pytest.fixture
def helper(tmp_path: Path) -> HelperRoot:
    return HelperRoot(tmp_path / "root")


@pytest.fixture
def usb(helper: HelperRoot) -> UsbTree:
    tree = UsbTree(helper.root)
    tree.plug(layout("quectel-ec25", "modem"), "1-1.2")
    return tree


def control(helper: HelperRoot, transport: HelperTransport | None = None) -> HelperUsbControl:
    """The adapter on the real helper behind a socket, or on ``transport``."""
    return HelperUsbControl(HelperClient(transport or helper.transport(), helper.stage))


def authorized(usb: UsbTree) -> Path:
    return usb.sysfs / "devices" / "usb1" / "1-1.2" / "authorized"


def test_switch_mode_runs_usb_modeswitch_for_exactly_that_device(helper, usb):
    fake_modeswitch(helper)
    usb.plug(layout("zte-mf667", "cdrom"), "1-1.4", devnum=11)
    helper.install("/etc/usb_modeswitch.d/19d2:1232", "StandardEject=1\n")
    port: UsbControl = control(helper)
    assert port.switch_mode("1-1.4") is None
    assert modeswitch_calls(helper) == ["-v 0x19d2 -p 0x1232 -b 1 -g 11 -K"]


def test_reset_goes_through_the_helper(helper, usb):
    authorized(usb).write_text("")
    assert control(helper).reset("1-1.2") is None
    assert authorized(usb).read_text() == "1"


def test_a_refusal_carries_the_helpers_reason(helper, usb):
    with pytest.raises(UsbControlError) as caught:
        control(helper).switch_mode("1-1.2")
    assert str(caught.value) == (
        "usb-modeswitch 1-1.2: no usb_modeswitch configuration for 2c7c:0125 in "
        "/etc/usb_modeswitch.d or /usr/share/usb_modeswitch/configPack.tar.gz: it is not a "
        "known storage-mode (CD-ROM) modem id; nothing was changed"
    )
    assert caught.value.code == "usb_control_failed"


def test_a_missing_device_is_named(helper, usb):
    with pytest.raises(UsbControlError, match=r"no USB device 1-7: /sys/bus/usb/devices/1-7 "):
        control(helper).reset("1-7")


@pytest.mark.parametrize("bad", ["../../etc", "1-1;reboot", "1-1.2 --help", "usb1"])
def test_a_bad_path_is_refused_before_the_helper_runs(helper, usb, bad):
    never = control(helper, ProgramTransport(["/nonexistent/otpb-helper"]))  # fails if run
    for operation in (never.reset, never.switch_mode):
        with pytest.raises(UsbControlError, match="is not a USB device path"):
            operation(bad)
    assert authorized(usb).read_text() == "1\n"


def test_off_a_device_both_operations_refuse(helper):
    off = HelperUsbControl(HelperClient(None, helper.stage))
    assert off.available is False
    with pytest.raises(UsbControlError, match="the privileged helper is not available here"):
        off.reset("1-1.2")
