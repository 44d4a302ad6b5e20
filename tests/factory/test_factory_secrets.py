"""Factory secrets: made once, private files, the hash checks the reset code."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import threading
from pathlib import Path

import pytest

from otpbroker.domain.password_hash import verify_password
from otpbroker.factory import FactorySecrets, SetupCode
from otpbroker.factory.device_secrets import normalise_reset_code
from otpbroker.system import tls

UNAMBIGUOUS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def secrets(tmp_path: Path) -> FactorySecrets:
    return FactorySecrets(tmp_path / "data")


def test_ensure_creates_every_secret_once(secrets) -> None:
    created = secrets.ensure()
    assert created == [
        "access point name",
        "access point password",
        "reset code",
        "setup code",
        "sealing key pair",
        "TLS key and self-signed certificate",
    ]
    folder = secrets.folder
    assert mode(folder) == 0o700
    names = {"printable.json", "reset-code.hash", "setup-code", "setup-code.hash", "sealing-key"}
    assert set(files_of(folder)) == names
    assert all(mode(folder / name) == 0o600 for name in names)
    assert tls.has_pair(secrets.tls_folder)
    before = files_of(folder)
    tls_before = files_of(secrets.tls_folder)
    assert secrets.ensure() == []
    assert files_of(folder) == before
    assert files_of(secrets.tls_folder) == tls_before


def test_processes_creating_at_once_take_turns(tmp_path) -> None:
    """The service, factory-init and setup-code may start on an empty data directory
    together: one creates each secret, the others find it, and each code matches its hash."""
    data = tmp_path / "data"
    barrier = threading.Barrier(6)
    results: list[list[str]] = []

    def create_all() -> None:
        secrets = FactorySecrets(data)  # each its own lock descriptor, like a process
        barrier.wait()
        results.append(secrets.ensure(with_tls=False))

    def create_setup_code() -> None:
        code = SetupCode(data)
        barrier.wait()
        results.append(["setup code"] if code.ensure() else [])

    threads = [threading.Thread(target=create_all) for _ in range(4)]
    threads += [threading.Thread(target=create_setup_code) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    made = [item for result in results for item in result]
    assert len(results) == 6 and sorted(made) == sorted(
        [
            "access point name",
            "access point password",
            "reset code",
            "setup code",
            "sealing key pair",
        ]
    ), results
    secrets = FactorySecrets(data)
    assert secrets.check_reset_code(secrets.printable().reset_code)
    assert secrets.setup_code.check(secrets.setup_code.read())
    assert not [p.name for p in secrets.folder.iterdir() if p.name.endswith(".tmp")]


def test_first_boot_certificate_names_the_device(secrets) -> None:
    secrets.ensure()
    short = socket.gethostname().lower().rstrip(".").split(".")[0]
    info = tls.certificate_info(secrets.tls_folder)
    assert info.subject == f"CN={short}.local"
    assert f"DNS:{short}" in info.sans and info.sans[-1] == "IP:192.168.0.11"  # wlan.address


def test_values_have_the_printed_shapes(secrets) -> None:
    secrets.ensure(with_tls=False)
    printed = secrets.printable()
    assert re.fullmatch(f"OTP-Broker-[{UNAMBIGUOUS}]{{4}}", printed.ssid)
    assert len(printed.wifi_password) >= 12 and "#" not in printed.wifi_password
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", printed.wifi_password)
    assert not set(printed.wifi_password) & set("lio01")
    assert re.fullmatch(f"[{UNAMBIGUOUS}]{{16}}", printed.reset_code)
    assert secrets.setup_code.check(printed.setup_code)
    assert secrets.wifi() == (printed.ssid, printed.wifi_password)


def test_two_devices_get_different_secrets(tmp_path) -> None:
    one, two = FactorySecrets(tmp_path / "one"), FactorySecrets(tmp_path / "two")
    one.ensure(with_tls=False)
    two.ensure(with_tls=False)
    first, second = one.printable(), two.printable()
    assert first.wifi_password != second.wifi_password
    assert first.reset_code != second.reset_code
    assert first.setup_code != second.setup_code


def test_reset_code_is_stored_as_a_salted_hash(secrets) -> None:
    secrets.ensure(with_tls=False)
    code = secrets.printable().reset_code
    encoded = secrets.reset_hash_file.read_text().strip()
    assert code not in encoded and encoded.startswith("scrypt$")
    assert verify_password(code, encoded)


@pytest.mark.parametrize(
    "typed",
    ["{code}", "  {code}\r\n", "{lower}", "{grouped}", "\t{code}\n\n"],
)
def test_check_reset_code_accepts_the_code(secrets, typed) -> None:
    secrets.ensure(with_tls=False)
    code = secrets.printable().reset_code
    grouped = "-".join(code[i : i + 4] for i in range(0, 16, 4))
    assert secrets.check_reset_code(typed.format(code=code, lower=code.lower(), grouped=grouped))


def test_check_reset_code_refuses_anything_else(secrets) -> None:
    secrets.ensure(with_tls=False)
    code = secrets.printable().reset_code
    other = ("A" if code[0] != "A" else "B") + code[1:]
    for typed in (other, code[:-1], code + "A", "", "   ", code[:8] + "\n" + code[8:]):
        assert not secrets.check_reset_code(typed), typed
    assert normalise_reset_code("0" * 16) is None  # 0 is not in the alphabet


def test_check_fails_closed_without_a_hash(secrets) -> None:
    assert not secrets.check_reset_code("ABCDEFGHJKLMNPQR")


def test_lost_printable_file_makes_new_codes(secrets) -> None:
    secrets.ensure(with_tls=False)
    old = secrets.printable().reset_code
    secrets.printable_file.unlink()
    assert "reset code" in secrets.ensure(with_tls=False)
    new = secrets.printable().reset_code
    assert secrets.check_reset_code(new) and not secrets.check_reset_code(old)


def test_broken_printable_file_is_an_error(secrets) -> None:
    secrets.ensure(with_tls=False)
    secrets.printable_file.write_text(json.dumps({"ssid": "x"}))
    with pytest.raises(ValueError, match="not a factory secrets file"):
        secrets.printable()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another owner")
def test_root_hands_the_files_to_the_data_dir_owner(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, 4321, 4322)
    secrets = FactorySecrets(data)
    secrets.ensure()
    for path in [secrets.folder, *secrets.folder.iterdir(), secrets.tls_folder,
                 *secrets.tls_folder.iterdir()]:  # fmt: skip
        info = path.stat()
        assert (info.st_uid, info.st_gid) == (4321, 4322), path
