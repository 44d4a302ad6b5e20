"""``otp-broker modem-detect`` as a real process on a fake sysfs tree with an emulated modem."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from usb_tree import UsbTree

from otpbroker.config import ConfigStore
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.usb import layout


@pytest.fixture
def sim() -> Iterator[SimModem]:
    modem = SimModem(ModemProfile(manufacturer="SIMCOM_Ltd", model="SIMCOM_SIM800L",
                                  imei="865067020000019")).start()  # fmt: skip
    yield modem
    modem.stop()


@pytest.fixture
def tree(tmp_path: Path, sim: SimModem) -> UsbTree:
    tree = UsbTree(tmp_path / "root")
    tree.plug(layout("simcom-sim800", "ch340"), "1-1.1", nodes={0: sim.path})
    tree.plug(layout("huawei-e3131", "hilink-cdrom"), "1-1.2")
    return tree


def detect(tmp_path: Path, tree: UsbTree, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "otpbroker", "--data-dir", str(tmp_path / "data"),
            "modem-detect", "--sysfs", str(tree.sysfs), "--by-id", str(tree.by_id),
            "--dev", str(tree.dev), *args]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_json_lists_the_adapter_with_its_identity_and_the_cdrom_stick(tmp_path, tree):
    done = detect(tmp_path, tree, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    adapter, cdrom = report["modems"]
    assert (adapter["usb_path"], adapter["kind"], adapter["family"]) == (
        "1-1.1", "bridge", "USB serial adapter")  # fmt: skip
    assert adapter["answered"] is True and adapter["at_port"].endswith("-if00-port0")
    assert adapter["identity"] == {"manufacturer": "SIMCOM_Ltd", "model": "SIMCOM_SIM800L",
                                   "imei": "865067020000019"}  # fmt: skip
    assert cdrom["kind"] == "cdrom" and "usb_modeswitch" in cdrom["note"]
    assert report["probed"] is True and report["problems"] == []


def test_text_output_and_a_configured_modem(tmp_path, tree, sim):
    with ConfigStore(tmp_path / "data") as store:
        store.add("modems", {"name": "SIM800 board", "port": sim.path})
    done = detect(tmp_path, tree)
    assert done.returncode == 0, done.stderr
    assert "1-1.1  1a86:7523  USB serial adapter [bridge]" in done.stdout
    assert "AT port: " in done.stdout and "(not asked)" in done.stdout  # its port is in use
    assert "configured as: SIM800 board" in done.stdout
    assert "1-1.2  12d1:1f01  Huawei modem in CD-ROM mode [cdrom]" in done.stdout


def test_no_probe_opens_nothing(tmp_path, tree):
    report = json.loads(detect(tmp_path, tree, "--json", "--no-probe").stdout)
    assert report["probed"] is False
    assert [m["answered"] for m in report["modems"]] == [None, None]


def test_switch_mode_off_a_device_says_why(tmp_path, tree):
    done = detect(tmp_path, tree, "--switch-mode", "1-1.2")
    assert done.returncode == 1
    assert "the privileged helper is not available here" in done.stderr
    done = detect(tmp_path, tree, "--switch-mode", "1-1;reboot")
    assert done.returncode == 1 and "is not a USB device path" in done.stderr
