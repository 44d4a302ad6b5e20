"""The device's sealing key pair: private files, rotation keeping one previous key, the CLI."""

from __future__ import annotations

import base64
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.public import PublicKey, SealedBox

from otpbroker.factory import SealingKeyFiles

BIN = Path(sys.executable).with_name("otp-broker")


def sealed(text: str, key: bytes) -> bytes:
    return SealedBox(PublicKey(key)).encrypt(text.encode())


def test_the_pair_is_made_once_in_private_files(tmp_path):
    keys = SealingKeyFiles(tmp_path / "data")
    assert keys.ensure() is True and keys.ensure() is False
    assert stat.S_IMODE(keys.current_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.folder.stat().st_mode) == 0o700
    public = keys.public_key()
    assert len(public) == 32 and public == SealingKeyFiles(tmp_path / "data").public_key()
    assert public not in keys.current_file.read_bytes()  # only the private key is stored
    assert keys.open(sealed("OTP 1", public)) == b"OTP 1"


def test_rotation_keeps_the_previous_key_and_deletes_the_one_before(tmp_path):
    keys = SealingKeyFiles(tmp_path / "data")
    first = keys.public_key()
    second = keys.rotate()
    assert stat.S_IMODE(keys.previous_file.stat().st_mode) == 0o600
    assert keys.open(sealed("to the first", first)) == b"to the first"
    third = keys.rotate()
    assert len({first, second, third}) == 3
    assert keys.open(sealed("to the first", first)) is None
    assert keys.open(sealed("to the second", second)) == b"to the second"
    assert keys.open(sealed("to the third", third)) == b"to the third"
    box = bytearray(sealed("altered", third))
    box[50] ^= 1
    assert keys.open(bytes(box)) is None


def test_a_damaged_key_file_is_named_without_its_content(tmp_path):
    keys = SealingKeyFiles(tmp_path / "data")
    keys.ensure()
    keys.current_file.write_text("c2VjcmV0LWJ1dC1zaG9ydA==\n")
    with pytest.raises(ValueError, match="not a sealing key") as error:
        keys.public_key()
    assert "c2Vj" not in str(error.value)


def test_the_cli_shows_and_rotates_the_key(tmp_path):
    data = tmp_path / "data"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BIN, "--data-dir", str(data), "sealing-key", *args],
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    shown = cli("show")
    assert shown.returncode == 0, shown.stderr
    key = base64.b64decode(shown.stdout.strip(), validate=True)
    assert key == SealingKeyFiles(data).public_key()
    rotated = cli("rotate")
    assert rotated.returncode == 0 and "still open" in rotated.stderr
    new = base64.b64decode(rotated.stdout.strip())
    assert new != key and cli("show").stdout.strip() == rotated.stdout.strip()
    assert SealingKeyFiles(data).open(sealed("old", key)) == b"old"
    assert cli().returncode == 2  # an action is required
