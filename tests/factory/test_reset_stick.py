"""The reset stick with real FAT images (mtools), one image per case."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from fat_sticks import MtoolsMount, make_stick, stick_names

from otpbroker.config import schema
from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets
from otpbroker.factory.reset_stick import MAX_BYTES, OncePerBoot, ResetStick, network_keys

CUSTOM = {
    "wlan.ssid": "Shop-AP",
    "wlan.passphrase": "shop-pass-1234",
    "wlan.channel": 11,
    "wlan.hidden": True,
    "wlan.address": "10.20.0.1/24",
    "dhcp.range_start": "10.20.0.50",
    "dhcp.range_end": "10.20.0.60",
    "dhcp.lease_time": "1h",
    "ethernet.mode": "static",
    "ethernet.address": "192.168.50.20/24",
    "ethernet.gateway": "192.168.50.1",
    "ethernet.dns": ["192.168.50.1"],
}
UNTOUCHED = {"api.http_port": 9999, "sms.max_parts": 3}


class Device:
    """A data directory with custom network settings, two administrators and an API user."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.secrets = FactorySecrets(self.data)
        self.secrets.ensure(with_tls=False)
        self.code = self.secrets.printable().reset_code
        with ConfigStore(self.data) as store:
            store.update_settings({**CUSTOM, **UNTOUCHED})
            for name in ("owner", "helper"):
                admin = store.add("admins", {"username": name})
                store.set_password("admins", admin["id"], "admin-password-1")
            store.add("api_users", {"username": "shop"})
        self.mount = MtoolsMount()
        self.applied: list[str] = []
        self.once = OncePerBoot(root / "run" / "reset-stick.done")

    def handler(self) -> ResetStick:
        return ResetStick(self.data, apply_network=lambda: self.applied.append("applied"),
                          mount=self.mount, once=self.once)  # fmt: skip

    def stick(self, name: str, files: dict[str, bytes], folders: tuple[str, ...] = ()) -> str:
        return str(make_stick(self.root / f"{name}.img", files, folders))

    def state(self) -> tuple[dict[str, object], list[str], list[str]]:
        with ConfigStore(self.data) as store:
            settings = store.settings()
            admins = [a["username"] for a in store.list("admins")]
            users = [u["username"] for u in store.list("api_users")]
        return settings, admins, users

    def assert_unchanged(self) -> None:
        settings, admins, users = self.state()
        assert {key: settings[key] for key in CUSTOM} == CUSTOM
        assert admins == ["owner", "helper"]
        assert users == ["shop"]
        assert self.applied == []
        assert not self.once.done()


@pytest.fixture
def device(tmp_path: Path) -> Device:
    return Device(tmp_path)


def assert_reset(device: Device) -> None:
    settings, admins, users = device.state()
    for key in network_keys():
        assert settings[key] == schema.default(key), key
    assert {key: settings[key] for key in UNTOUCHED} == UNTOUCHED
    assert admins == []
    assert users == ["shop"]
    assert device.applied == ["applied"]
    with ConfigStore(device.data) as store:  # defaults again, not stored copies of them
        stored = store._stored_settings()
    assert not any(key in stored for key in network_keys())


def test_network_keys_are_exactly_wlan_dhcp_ethernet() -> None:
    keys = network_keys()
    assert "wlan.ssid" in keys and "dhcp.range_start" in keys and "ethernet.mode" in keys
    assert all(key.split(".")[0] in ("wlan", "dhcp", "ethernet") for key in keys)
    assert "network.confirm_seconds" not in keys


def test_right_code_resets_network_and_deletes_administrators(device, caplog) -> None:
    image = device.stick("right", {"optb/reset.txt": device.code.encode()})
    assert "::/optb/reset.txt" in stick_names(Path(image))
    with caplog.at_level(logging.INFO):
        outcome = device.handler().handle(image)
    assert outcome.reset, outcome
    assert "2 administrator(s) deleted" in outcome.detail
    assert_reset(device)
    assert device.mount.unmounted == [image]
    assert not any(folder.exists() for folder in device.mount.folders)
    assert device.code not in caplog.text
    assert "reset stick" in caplog.text and "reset" in caplog.text


@pytest.mark.parametrize(
    "content",
    [b"  %s  \r\n", b"\r\n\t%s\r\n\r\n", b"\xef\xbb\xbf%s\r\n"],
    ids=["spaces-crlf", "blank-lines", "utf8-bom"],
)
def test_right_code_with_surrounding_whitespace(device, content) -> None:
    image = device.stick("spaces", {"optb/reset.txt": content % device.code.encode()})
    assert device.handler().handle(image).reset
    assert_reset(device)


def test_wrong_code_changes_nothing(device, caplog) -> None:
    wrong = ("A" if device.code[0] != "A" else "B") + device.code[1:]
    image = device.stick("wrong", {"optb/reset.txt": wrong.encode() + b"\n"})
    with caplog.at_level(logging.INFO):
        outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert "wrong code" in outcome.detail
    device.assert_unchanged()
    assert device.mount.unmounted == [image]
    assert wrong not in caplog.text and device.code not in caplog.text
    assert "nothing changed" in caplog.text


def test_missing_file_changes_nothing(device) -> None:
    image = device.stick("missing", {"optb/notes.txt": b"hello\n"})
    outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert "no 'reset.txt' file" in outcome.detail
    device.assert_unchanged()
    assert device.mount.unmounted == [image]


def test_empty_stick_changes_nothing(device) -> None:
    image = device.stick("empty", {})
    outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert "no 'optb' folder" in outcome.detail
    device.assert_unchanged()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("OPTB/RESET.TXT", "found 'OPTB', but the name must be 'optb' in lower case"),
        ("optb/RESET.TXT", "found 'RESET.TXT', but the name must be 'reset.txt' in lower case"),
        ("Optb/reset.txt", "found 'Optb', but the name must be 'optb' in lower case"),
    ],
)
def test_upper_case_path_changes_nothing(device, path, message) -> None:
    image = device.stick("upper", {path: device.code.encode()})
    assert f"::/{path}" in stick_names(Path(image))
    outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert message in outcome.detail
    device.assert_unchanged()
    assert device.mount.unmounted == [image]


def test_oversized_file_changes_nothing(device) -> None:
    content = device.code.encode() + b" " * MAX_BYTES
    image = device.stick("big", {"optb/reset.txt": content})
    outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert f"larger than {MAX_BYTES} bytes" in outcome.detail
    device.assert_unchanged()


@pytest.mark.parametrize(
    "encode",
    [
        lambda code: code.encode() + b"\x00",
        lambda code: (code + "\r\n").encode("utf-16"),
        lambda code: b"\x89PNG\r\n\x1a\n" + code.encode(),
        lambda code: code.encode() + " é".encode(),
    ],
    ids=["nul", "utf16", "png", "non-ascii"],
)
def test_binary_file_changes_nothing(device, encode) -> None:
    image = device.stick("binary", {"optb/reset.txt": encode(device.code)})
    outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert "not plain text" in outcome.detail
    device.assert_unchanged()


def test_folder_instead_of_file_changes_nothing(device) -> None:
    image = device.stick("folder", {}, folders=("optb", "optb/reset.txt"))
    outcome = device.handler().handle(image)
    assert outcome.status == "refused"
    assert "reset.txt is not a file" in outcome.detail
    device.assert_unchanged()


def test_not_a_fat_image_fails_and_changes_nothing(device, tmp_path) -> None:
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\x00" * 65536)
    outcome = device.handler().handle(str(junk))
    assert outcome.status == "failed"
    assert "nothing changed" in outcome.detail
    device.assert_unchanged()


def test_second_stick_in_the_same_boot_is_ignored(device) -> None:
    first = device.stick("first", {"optb/reset.txt": device.code.encode()})
    assert device.handler().handle(first).reset
    with ConfigStore(device.data) as store:  # the owner sets things up again
        store.update_settings({"wlan.channel": 3})
        store.add("admins", {"username": "new-owner"})
    second = device.stick("second", {"optb/reset.txt": device.code.encode()})
    outcome = device.handler().handle(second)
    assert outcome.status == "already-reset"
    assert device.mount.mounted == [first]  # the second stick is not even mounted
    settings, admins, _users = device.state()
    assert settings["wlan.channel"] == 3
    assert admins == ["new-owner"]
    assert device.applied == ["applied"]


def test_wrong_stick_does_not_use_up_the_boot(device) -> None:
    wrong = device.stick("wrong", {"optb/reset.txt": b"AAAAAAAAAAAAAAAA"})
    assert device.handler().handle(wrong).status == "refused"
    right = device.stick("right", {"optb/reset.txt": device.code.encode()})
    assert device.handler().handle(right).reset


def test_failing_network_apply_is_reported(device) -> None:
    def broken() -> None:
        raise RuntimeError("hostapd did not start")

    image = device.stick("right", {"optb/reset.txt": device.code.encode()})
    handler = ResetStick(device.data, apply_network=broken, mount=device.mount, once=device.once)
    outcome = handler.handle(image)
    assert outcome.reset
    assert "applying the network failed: hostapd did not start" in outcome.detail
    assert device.state()[1] == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another owner")
def test_root_keeps_the_owner_of_the_data_files(device) -> None:
    for path in (device.data, device.data / "config.json"):
        os.chown(path, 4321, 4321)
    image = device.stick("right", {"optb/reset.txt": device.code.encode()})
    assert device.handler().handle(image).reset
    info = (device.data / "config.json").stat()
    assert (info.st_uid, info.st_gid) == (4321, 4321)
