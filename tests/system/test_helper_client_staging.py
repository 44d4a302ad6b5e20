"""Staging by a root caller leaves the stage directory to the app's user (first boot, reset
stick), so the app can still stage its own changes afterwards."""

from __future__ import annotations

import os
import stat

import pytest

from otpbroker.subcommands import apply_network
from otpbroker.system.helper_client import HelperClient

APP = (65534, 65534)  # stands for the otpbroker user


@pytest.fixture
def as_root():
    if os.geteuid() != 0:
        pytest.fail("these checks change file owners: run the tests as root (as CI does)")


def test_root_stages_as_the_app_user(tmp_path, as_root):
    stage = tmp_path / "run/otp-broker/stage"
    HelperClient(None, stage, owner=APP).stage("nftables", "table inet otpbroker {}\n")
    for path in (stage.parent, stage, stage / "nftables"):
        info = path.stat()
        assert (info.st_uid, info.st_gid) == APP, path
    assert stat.S_IMODE(stage.stat().st_mode) == 0o700
    assert stat.S_IMODE(stage.parent.stat().st_mode) == 0o750
    assert stat.S_IMODE((stage / "nftables").stat().st_mode) == 0o600
    assert not [p for p in stage.iterdir() if p.name.startswith(".")]  # no temp file left


def test_a_root_owned_stage_directory_is_given_back(tmp_path, as_root):
    stage = tmp_path / "run/otp-broker/stage"
    stage.mkdir(parents=True, mode=0o700)  # what an earlier root run left behind
    HelperClient(None, stage, owner=APP).stage("hostapd", "interface=wlan0\n")
    assert (stage.stat().st_uid, stage.parent.stat().st_uid) == (APP[0], APP[0])


def test_without_owner_files_keep_the_callers_owner(tmp_path):
    stage = tmp_path / "stage"
    HelperClient(None, stage).stage("dnsmasq", "port=0\n")
    assert (stage / "dnsmasq").stat().st_uid == os.geteuid()


def test_apply_network_stages_as_the_owner_of_the_data_dir(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    info = data.stat()
    monkeypatch.setattr(apply_network.os, "geteuid", lambda: 0)
    assert apply_network.app_owner(str(data)) == (info.st_uid, info.st_gid)
    monkeypatch.setattr(apply_network.os, "geteuid", lambda: 1000)
    assert apply_network.app_owner(str(data)) is None
