"""The helper's USB commands as a real subprocess under a temporary root with a fake sysfs.

``usb-reset`` is watched through a FIFO in place of the device's ``authorized`` attribute
(every write the helper makes is read back in order); ``usb-modeswitch`` runs a stand-in
that records its arguments, with a usb-modeswitch-data pack built in the root, and once the
real usb_modeswitch with the system's own data.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tarfile
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from helper_root import HelperRoot, fake_modeswitch, modeswitch_calls

sys.path.insert(0, str(Path(__file__).parents[1] / "modem"))
from usb_tree import UsbTree

from otpbroker.modem.sim.usb import layout

PACK = "/usr/share/usb_modeswitch/configPack.tar.gz"
CONFIGS = {
    "12d1:1f01": "# Huawei E353 (3.se) and others\nTargetVendor=0x12d1\n"
    'TargetProductList="14db,14dc"\nHuaweiNewMode=1\n',
    "19d2:1232": '# ZTE MFxxx\nTargetVendor=0x19d2\nTargetProductList="1268,2003"\n'
    "StandardEject=1\n",
    "05c6:1000:uMa=Qualcomm": "TargetVendor=0x05c6\nTargetProduct=0x6000\n"
    'MessageContent="5553424312345678000000000000061b000000020000000000000000000000"\n',
    "05c6:1000:uMa=Option": "TargetVendor=0x0af0\nOptionMode=1\n",
    "0001:0002": "TargetVendor=0x0001\nFooMode=1\n",
    "0001:0003": 'MessageContent="55;reboot"\n',
}


@pytest.fixture
def helper(tmp_path: Path) -> HelperRoot:
    return HelperRoot(tmp_path / "root")


@pytest.fixture
def usb(helper: HelperRoot) -> UsbTree:
    return UsbTree(helper.root)


def device(usb: UsbTree, usb_path: str) -> Path:
    return usb.sysfs / "devices" / "usb1" / usb_path


def data_pack(helper: HelperRoot, configs: dict[str, str] = CONFIGS) -> None:
    path = helper.path(PACK)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, text in configs.items():
            data = text.encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


class FifoWrites:
    """Reads every write made to a FIFO (one open-write-close each) in a thread."""

    def __init__(self, path: Path, count: int) -> None:
        path.unlink()
        os.mkfifo(path)
        self.path, self.writes = path, []
        self.thread = threading.Thread(target=self._read, args=(count,), daemon=True)
        self.thread.start()

    def _read(self, count: int) -> None:
        for _ in range(count):
            with open(self.path, "rb") as fifo:
                self.writes.append(fifo.read().decode())

    def finish(self) -> list[str]:
        self.thread.join(30)
        if self.thread.is_alive():  # unblock the reader: the helper never wrote
            os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
        return self.writes


# ---------------------------------------------------------------- usb-reset


def test_reset_deauthorises_then_authorises_the_device(helper, usb):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    fifo = FifoWrites(device(usb, "1-1.2") / "authorized", 2)
    assert helper.ok("usb-reset", "1-1.2") == {"usb_path": "1-1.2", "reset": True}
    assert fifo.finish() == ["0", "1"]


def test_reset_of_a_device_behind_hubs_uses_its_own_attribute(helper, usb):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    usb.plug(layout("simcom-sim800", "ch340"), "3-1.4.2.1", devnum=9)
    (device(usb, "1-1.2") / "authorized").write_text("1\n")
    helper.ok("usb-reset", "3-1.4.2.1")
    assert (device(usb, "3-1.4.2.1") / "authorized").read_text() == "1"
    assert (device(usb, "1-1.2") / "authorized").read_text() == "1\n"  # untouched


@pytest.mark.parametrize("argument", [
    "../../etc", "1-1;reboot", "1-1.2 ", "usb1", "1-1.2:1.0", "", "1-0", "0-1", "1-1..2",
    "1-1.2/../../..", "-1-1", "1-1.2.3.4.5.6.7.8", "1-1\n", "１-1",
])  # fmt: skip
def test_reset_refuses_anything_that_is_not_a_usb_device_path(helper, usb, argument):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    attribute = device(usb, "1-1.2") / "authorized"
    message = helper.error("usb-reset", argument)
    assert message == f"{argument[:40]!r} is not a USB device path (bus-port[.port...], e.g. 1-1.2)"
    assert attribute.read_text() == "1\n"


def test_reset_of_a_device_that_is_not_there_says_so(helper, usb):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    message = helper.error("usb-reset", "1-9")
    assert message == "no USB device 1-9: /sys/bus/usb/devices/1-9 does not exist"


def test_a_bus_entry_leading_outside_sys_devices_is_refused(helper, usb):
    elsewhere = helper.root / "etc" / "1-5"
    elsewhere.mkdir(parents=True)
    (elsewhere / "idVendor").write_text("12d1\n")
    (elsewhere / "authorized").write_text("1\n")
    (usb.sysfs / "bus" / "usb" / "devices" / "1-5").symlink_to(elsewhere)
    message = helper.error("usb-reset", "1-5")
    assert message == "/sys/bus/usb/devices/1-5 does not lead to a device in /sys/devices"
    assert (elsewhere / "authorized").read_text() == "1\n"


def test_a_bus_entry_naming_another_device_is_refused(helper, usb):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    (usb.sysfs / "bus" / "usb" / "devices" / "1-6").symlink_to(device(usb, "1-1.2"))
    assert "does not lead to a device" in helper.error("usb-reset", "1-6")
    assert (device(usb, "1-1.2") / "authorized").read_text() == "1\n"


def test_a_device_without_authorized_attribute_is_refused(helper, usb):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    (device(usb, "1-1.2") / "authorized").unlink()
    message = helper.error("usb-reset", "1-1.2")
    assert message == "USB device 1-1.2 has no authorized attribute; nothing was changed"


def test_usb_commands_take_exactly_one_argument(helper):
    for argv in (["usb-reset"], ["usb-reset", "1-1", "1-2"], ["usb-modeswitch"]):
        assert helper.error(*argv).startswith("usage: otpb-helper")


# ---------------------------------------------------------------- usb-modeswitch


def test_modeswitch_runs_usb_modeswitch_for_exactly_that_device(helper, usb):
    fake_modeswitch(helper)
    data_pack(helper)
    usb.plug(layout("huawei-e3131", "hilink-cdrom"), "1-1.3", devnum=7)
    result = helper.ok("usb-modeswitch", "1-1.3")
    assert result == {"usb_path": "1-1.3", "device": "12d1:1f01", "config": "12d1:1f01",
                      "arguments": ["-J"]}  # fmt: skip
    assert modeswitch_calls(helper) == ["-v 0x12d1 -p 0x1f01 -b 1 -g 7 -J"]


def test_modeswitch_of_a_zte_sends_the_standard_eject(helper, usb):
    fake_modeswitch(helper)
    data_pack(helper)
    usb.plug(layout("zte-mf667", "cdrom"), "2-1", devnum=3)
    helper.ok("usb-modeswitch", "2-1")
    assert modeswitch_calls(helper) == ["-v 0x19d2 -p 0x1232 -b 2 -g 3 -K"]


def test_a_local_configuration_wins_over_the_pack(helper, usb):
    fake_modeswitch(helper)
    data_pack(helper)
    local = helper.install("/etc/usb_modeswitch.d/12d1:1f01", 'MessageContent="55534243"\n')
    usb.plug(layout("huawei-e3131", "hilink-cdrom"), "1-1.3")
    assert helper.ok("usb-modeswitch", "1-1.3")["config"] == f"/etc/usb_modeswitch.d/{local.name}"
    assert modeswitch_calls(helper) == ["-v 0x12d1 -p 0x1f01 -b 1 -g 5 -M 55534243"]


def test_a_manufacturer_variant_is_chosen_by_the_devices_strings(helper, usb):
    fake_modeswitch(helper)
    data_pack(helper)
    stick = layout("huawei-e3131", "cdrom")
    usb.plug(replace(stick, vendor_id="05c6", product_id="1000",
                     manufacturer="Qualcomm, Incorporated"), "1-1.4")  # fmt: skip
    result = helper.ok("usb-modeswitch", "1-1.4")
    assert result["config"] == "05c6:1000:uMa=Qualcomm"
    assert result["arguments"][0] == "-M"


def test_an_unknown_device_is_refused_and_nothing_runs(helper, usb):
    fake_modeswitch(helper)
    data_pack(helper)
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    message = helper.error("usb-modeswitch", "1-1.2")
    assert message == (
        "no usb_modeswitch configuration for 2c7c:0125 in /etc/usb_modeswitch.d or "
        "/usr/share/usb_modeswitch/configPack.tar.gz: it is not a known storage-mode (CD-ROM) "
        "modem id; nothing was changed"
    )
    assert modeswitch_calls(helper) == []


@pytest.mark.parametrize("product_id, words", [
    ("0002", "0001:0002 line 2: key 'FooMode' is not allowed"),
    ("0003", "0001:0003 line 1: MessageContent has a value that is not allowed"),
])  # fmt: skip
def test_configuration_lines_outside_the_allowlist_refuse_the_switch(helper, usb, product_id,
                                                                      words):  # fmt: skip
    fake_modeswitch(helper)
    data_pack(helper)
    usb.plug(replace(layout("zte-mf667", "cdrom"), vendor_id="0001", product_id=product_id))
    assert words in helper.error("usb-modeswitch", "1-1.2")
    assert modeswitch_calls(helper) == []


def test_a_failing_usb_modeswitch_is_reported_with_its_output(helper, usb):
    fake_modeswitch(helper, 'echo "Error: could not claim interface" >&2; exit 1')
    data_pack(helper)
    usb.plug(layout("huawei-e3131", "cdrom"), "1-1.3")
    helper.install("/etc/usb_modeswitch.d/12d1:15ca", "HuaweiNewMode=1\n")
    message = helper.error("usb-modeswitch", "1-1.3")
    assert message.startswith("usb_modeswitch for 12d1:15ca (1-1.3) failed (exit 1): ")
    assert message.endswith("Error: could not claim interface")


def test_modeswitch_refuses_bad_paths_before_reading_anything(helper):
    fake_modeswitch(helper)
    for argument in ("../../etc", "1-1;reboot"):
        assert "is not a USB device path" in helper.error("usb-modeswitch", argument)
    assert modeswitch_calls(helper) == []


def test_the_real_usb_modeswitch_accepts_the_arguments_built_from_the_real_data(helper, usb):
    program = shutil.which("usb_modeswitch") or "/usr/sbin/usb_modeswitch"
    if not os.path.exists(program) or not os.path.exists(PACK):
        pytest.skip("usb_modeswitch or usb-modeswitch-data is not installed here")
    target = helper.path(PACK)
    target.parent.mkdir(parents=True)
    shutil.copyfile(PACK, target)  # the system's own data
    helper.env["OTPB_HELPER_USB_MODESWITCH"] = program
    usb.plug(layout("huawei-e3131", "hilink-cdrom"), "1-1.3", devnum=127)  # no such device here
    message = helper.error("usb-modeswitch", "1-1.3")
    assert message == ("usb_modeswitch found no 12d1:1f01 at bus 1 device 127 (1-1.3): it may "
                       "have switched already or been unplugged")  # fmt: skip
