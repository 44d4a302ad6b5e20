"""``factory-init``, ``brochure`` and ``reset-stick`` run as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fat_sticks import make_stick
from qr_decode import decode_png

from otpbroker.config.store import ConfigStore
from otpbroker.factory import FactorySecrets

BIN = Path(sys.executable).with_name("otp-broker")
HERE = Path(__file__).parent


def run(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OTP_BROKER_DATA_DIR": str(data.parent / "default-must-stay-unused")}
    return subprocess.run([str(BIN), "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env=env)  # fmt: skip


def test_factory_init_creates_once_and_says_so(tmp_path) -> None:
    data = tmp_path / "data"
    first = run("factory-init", data=data)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created: access point name, access point password")
    printable = (data / "factory" / "printable.json").read_bytes()
    second = run("factory-init", data=data)
    assert second.returncode == 0
    assert "nothing changed" in second.stdout
    assert (data / "factory" / "printable.json").read_bytes() == printable
    assert (data / "tls" / "key.pem").is_file()
    assert not (tmp_path / "default-must-stay-unused").exists()


def test_factory_init_without_tls_leaves_only_the_certificate_for_later(tmp_path) -> None:
    """The first boot's early unit skips the TLS pair; a later plain run adds just that."""
    data = tmp_path / "data"
    early = run("factory-init", "--no-tls", data=data)
    assert early.returncode == 0, early.stderr
    assert early.stdout.strip() == (
        "created: access point name, access point password, reset code, setup code, "
        "sealing key pair"
    )
    assert not (data / "tls").exists()
    printable = (data / "factory" / "printable.json").read_bytes()
    later = run("factory-init", data=data)
    assert later.returncode == 0, later.stderr
    assert later.stdout.strip() == "created: TLS key and self-signed certificate"
    assert (data / "tls" / "key.pem").is_file()
    assert (data / "factory" / "printable.json").read_bytes() == printable


def test_brochure_command_writes_both_files(tmp_path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    result = run("brochure", "--out", str(out), data=data)
    assert result.returncode == 0, result.stderr
    names = ["brochure.html", "brochure.png", "brochure.id.html", "brochure.id.png"]
    assert result.stdout.split() == [str(out / name) for name in names]  # English, Indonesian
    ssid, password = FactorySecrets(data).wifi()
    assert sorted(decode_png((out / "brochure.png").read_bytes())) == sorted(
        [f"WIFI:T:WPA;S:{ssid};P:{password};;", "http://192.168.0.11:8888/"]
    )
    assert ssid in (out / "brochure.html").read_text()
    assert not (data / "tls").exists()  # the card prints no TLS; factory-init makes the pair


def test_brochure_command_reports_an_unwritable_folder(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("brochure", "--out", str(blocker / "out"), data=tmp_path / "data")
    assert result.returncode == 1
    assert result.stderr.startswith("otp-broker brochure: error:")


def test_reset_stick_refuses_what_is_not_a_block_device(tmp_path) -> None:
    data = tmp_path / "data"
    FactorySecrets(data).ensure(with_tls=False)
    image = make_stick(tmp_path / "stick.img", {"optb/reset.txt": b"X"})
    result = run("reset-stick", str(image), data=data)
    assert result.returncode == 1
    assert "not a device path under /dev" in result.stderr
    result = run("reset-stick", "null", data=data)
    assert result.returncode == 1
    assert "/dev/null is not a block device" in result.stderr


DRIVER = """
import sys
from pathlib import Path
sys.path.insert(0, {here!r})
from fat_sticks import MtoolsMount
from otpbroker import cli
from otpbroker.subcommands import reset_stick
reset_stick.MOUNT = MtoolsMount()
reset_stick.ONCE_MARKER = Path({marker!r})
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("content", "status", "code"), [
    ("{code}\\r\\n", "reset", 0), ("WRONGCODE", "refused", 0)])  # fmt: skip
def test_reset_stick_command_with_a_fat_image(tmp_path, content, status, code) -> None:
    data = tmp_path / "data"
    secrets = FactorySecrets(data)
    secrets.ensure(with_tls=False)
    reset_code = secrets.printable().reset_code
    with ConfigStore(data) as store:
        store.update_settings({"wlan.channel": 11, "ethernet.mode": "static",
                               "ethernet.address": "192.168.50.20/24"})  # fmt: skip
        store.add("admins", {"username": "owner"})
    text = content.replace("\\r\\n", "\r\n").format(code=reset_code)
    image = make_stick(tmp_path / "stick.img", {"optb/reset.txt": text.encode()})
    driver = DRIVER.format(here=str(HERE), marker=str(tmp_path / "run" / "done"))
    result = subprocess.run(
        [sys.executable, "-c", driver, "--data-dir", str(data), "reset-stick", str(image)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == code, result.stderr
    assert result.stdout.startswith(f"{status}: ")
    assert reset_code not in result.stdout + result.stderr
    with ConfigStore(data) as store:
        settings, admins = store.settings(), store.list("admins")
    if status == "reset":
        assert (settings["wlan.channel"], settings["ethernet.mode"]) == (6, "dhcp")
        assert admins == []
        assert "reset stick" in result.stderr and "administrator(s) deleted" in result.stderr
    else:
        assert (settings["wlan.channel"], settings["ethernet.mode"]) == (11, "static")
        assert [a["username"] for a in admins] == ["owner"]
        assert "wrong code" in result.stderr
