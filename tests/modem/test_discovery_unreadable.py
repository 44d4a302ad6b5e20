"""Unreadable sysfs entries: skipped with a precise message, never raised, nothing else changed.

Tests run as root, so ``chmod 000`` would not stop them: unreadable is made with a directory
where a file belongs, a broken link, bytes that are not text, or ``open`` refusing one path.
"""

from __future__ import annotations

import builtins
import logging
import os
import shutil
from pathlib import Path

import pytest
from usb_tree import UsbTree

from otpbroker.modem import sysfs
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.modem.sim.usb import layout


@pytest.fixture
def tree(tmp_path: Path) -> UsbTree:
    """A Quectel at 1-1.1 (the device the tests spoil) and a ZTE at 1-1.2 (left alone)."""
    tree = UsbTree(tmp_path / "root")
    tree.plug(layout("quectel-ec25", "modem"), "1-1.1")
    tree.plug(layout("zte-mf667", "modem"), "1-1.2")
    return tree


def detect(tree: UsbTree):
    return UsbModemDiscovery(str(tree.sysfs), str(tree.by_id), str(tree.dev)).detect(probe=False)


def quectel(tree: UsbTree) -> Path:
    """The Quectel's entry as discovery reads it (a link into sys/devices)."""
    return tree.sysfs / "bus" / "usb" / "devices" / "1-1.1"


def replace_with_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.fixture
def untouched(tree: UsbTree):
    """The ZTE's result before anything is spoiled: it must come out the same afterwards."""
    before = detect(tree)
    assert before.problems == () and len(before.modems) == 2
    return before.modems[1]


def test_a_directory_where_idvendor_belongs_skips_that_device(tree, untouched, caplog):
    replace_with_directory(quectel(tree) / "idVendor")
    with caplog.at_level(logging.WARNING, logger="otpbroker.modem.sysfs"):
        result = detect(tree)
    assert result.modems == (untouched,)
    [problem] = result.problems
    path = quectel(tree) / "idVendor"
    assert problem == f"USB device 1-1.1 skipped: cannot read {path}: Is a directory"
    assert problem in caplog.text


def test_a_broken_device_link_is_skipped(tree, untouched):
    shutil.rmtree(tree.sysfs / "devices" / "usb1" / "1-1.1")
    result = detect(tree)
    assert result.modems == (untouched,)
    assert result.problems == (f"USB device 1-1.1 skipped: {quectel(tree)} is a broken link",)


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x00\x81", b"2c7c\x00", b"zz7c\n", b"12345\n"])
def test_garbage_in_idvendor_skips_that_device(tree, untouched, garbage):
    (quectel(tree) / "idVendor").write_bytes(garbage)
    result = detect(tree)
    assert result.modems == (untouched,)
    [problem] = result.problems
    assert problem.startswith(f"USB device 1-1.1 skipped: {quectel(tree) / 'idVendor'} ")


def test_binary_garbage_in_a_name_string_loses_only_that_string(tree, untouched):
    (quectel(tree) / "product").write_bytes(b"EC25\xff\xfe\x80garbage")
    result = detect(tree)
    assert result.modems[1] == untouched
    modem = result.modems[0]
    assert modem.product == "" and modem.manufacturer == "Quectel"
    assert modem.at_port.endswith("-if02-port0") and modem.family == "Quectel EC25/EG25"
    [problem] = result.problems
    assert problem == (f"USB device 1-1.1 skipped: {quectel(tree) / 'product'} is not text: "
                       "b'EC25\\xff\\xfe\\x80garbage'")  # fmt: skip


def test_permission_refused_on_one_file_is_reported(tree, untouched, monkeypatch):
    refused = str(quectel(tree) / "manufacturer")
    real_open = builtins.open

    def guarded_open(path, *args, **kwargs):
        if os.fspath(path) == refused:
            raise PermissionError(13, "Permission denied", refused)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sysfs, "open", guarded_open, raising=False)
    result = detect(tree)
    assert result.modems[1] == untouched and result.modems[0].manufacturer == ""
    assert result.problems == (f"USB device 1-1.1 skipped: cannot read {refused}: "
                               "Permission denied",)  # fmt: skip


def test_an_unreadable_interface_number_drops_only_that_interface(tree, untouched):
    replace_with_directory(quectel(tree) / "1-1.1:1.2" / "bInterfaceNumber")  # via the link
    result = detect(tree)
    assert result.modems[1] == untouched
    modem = result.modems[0]
    assert 2 not in {p.interface for p in modem.ports} and modem.at_port == ""
    assert result.problems[0].startswith("USB interface 1-1.1:1.2 skipped: cannot read ")


def test_a_driver_entry_that_is_not_a_link_drops_that_interface(tree, untouched):
    driver = tree.sysfs / "bus" / "usb" / "devices" / "1-1.1:1.0" / "driver"
    driver.unlink()
    driver.mkdir()
    result = detect(tree)
    assert result.modems[1] == untouched
    assert result.problems == (
        f"USB interface 1-1.1:1.0 skipped: {driver} is not a driver link: Invalid argument",
    )


def test_an_unlistable_bus_gives_no_device_and_one_message(tree, monkeypatch):
    real_listdir = os.listdir
    bus = str(tree.sysfs / "bus" / "usb" / "devices")

    def guarded(path):
        if os.fspath(path) == bus:
            raise PermissionError(13, "Permission denied", bus)
        return real_listdir(path)

    monkeypatch.setattr(sysfs.os, "listdir", guarded)
    result = detect(tree)
    assert result.modems == ()
    assert result.problems == (
        f"the USB device list skipped: cannot list {bus}: Permission denied",
    )


def test_no_usb_bus_at_all_is_not_a_problem(tmp_path):
    result = UsbModemDiscovery(str(tmp_path), str(tmp_path), str(tmp_path)).detect()
    assert result.modems == () and result.problems == ()


def test_a_file_that_is_too_long_is_refused(tree, untouched):
    (quectel(tree) / "serial").write_text("9" * 5000)
    result = detect(tree)
    assert result.modems[1] == untouched and result.modems[0].serial == ""
    assert result.problems[0].endswith("is longer than 4096 bytes")
