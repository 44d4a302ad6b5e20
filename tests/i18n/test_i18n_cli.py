"""The command line speaks the language of the environment: Indonesian for ``LANG=id_ID``,
English for ``LANG=C`` and for any language without a catalogue; what scripts read stays.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from otpbroker import cli
from otpbroker.domain.usb_modems import DetectedModem
from otpbroker.i18n import catalogues
from otpbroker.i18n.translate import current_language, use_language
from otpbroker.services.modem_discovery import DetectedEntry
from otpbroker.subcommands.modem_detect import _lines

BIN = Path(sys.executable).with_name("otp-broker")
PASSWORD = "Tr0ub4dor&3-horse"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def run(tmp_path: Path, lang: str, *args: str, stdin: str = "", **extra: str):
    """``otp-broker --data-dir DATA ARGS`` with only ``LANG`` (and ``extra``) as its locale."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env.update(LANG=lang, OTP_BROKER_DATA_DIR=str(tmp_path / "default-dir"), **extra)
    argv = [str(BIN), "--data-dir", str(tmp_path / "data"), *args]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env,
                          timeout=60, check=False)  # fmt: skip


def test_an_account_command_in_indonesian(tmp_path: Path) -> None:
    empty = run(tmp_path, "id_ID.UTF-8", "api-user", "list")
    assert (
        empty.stdout
        == "nama pengguna  aktif  diblokir  nomor HP  email\n(belum ada pengguna API)\n"
    )
    added = run(tmp_path, "id_ID.UTF-8", "api-user", "add", "alice", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert (added.returncode, added.stdout) == (0, "pengguna API 'alice' ditambahkan\n")
    run(tmp_path, "id_ID.UTF-8", "api-user", "block", "alice")
    again = run(tmp_path, "id_ID.UTF-8", "api-user", "block", "alice")
    assert again.stdout == "pengguna API 'alice' memang sudah diblokir\n"
    table = run(tmp_path, "id_ID.UTF-8", "api-user", "list").stdout.splitlines()
    assert table[1].split() == ["alice", "ya", "ya", "-", "-"]


def test_the_same_command_in_english_with_the_c_locale(tmp_path: Path) -> None:
    empty = run(tmp_path, "C.UTF-8", "api-user", "list")
    assert empty.stdout == "username  active  blocked  phone  email\n(no API users)\n"
    added = run(tmp_path, "C.UTF-8", "api-user", "add", "alice", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert (added.returncode, added.stdout) == (0, "added API user 'alice'\n")


@pytest.mark.parametrize("lang", ["fr_FR.UTF-8", "xx", "POSIX", ""])
def test_an_unknown_or_missing_language_falls_back_to_english(tmp_path: Path, lang: str) -> None:
    done = run(tmp_path, lang, "admin", "list")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "username  active  blocked  phone  email\n(no administrators)\n"


def test_language_picks_indonesian_when_a_locale_is_set(tmp_path: Path) -> None:
    done = run(tmp_path, "en_US.UTF-8", "admin", "list", LANGUAGE="id:en")
    assert done.stdout.endswith("(belum ada administrator)\n")
    ignored = run(tmp_path, "C", "admin", "list", LANGUAGE="id")  # as gettext: C wins
    assert ignored.stdout.endswith("(no administrators)\n")


def test_refusals_and_help_in_indonesian(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory")
    refused = run(tmp_path, "id_ID.UTF-8", "config", "list")
    assert refused.returncode == 1
    assert refused.stderr.startswith("otp-broker config list: galat: direktori data ")
    assert "tidak dapat dipakai" in refused.stderr
    english = run(tmp_path, "C.UTF-8", "config", "list")
    assert english.stderr.startswith("otp-broker config list: error: cannot use data directory")
    helped = run(tmp_path, "id_ID.UTF-8", "config", "reset", "--help")
    assert helped.returncode == 0
    assert "kembalikan satu pengaturan ke nilai bawaannya" in helped.stdout
    assert "usage: otp-broker" in helped.stdout  # argparse's own words stay English


def test_what_scripts_read_stays_as_it_is(tmp_path: Path) -> None:
    got = run(tmp_path, "id_ID.UTF-8", "config", "get", "wlan.passphrase")
    assert (got.returncode, got.stdout) == (0, "(not set)\n")
    listed = run(tmp_path, "id_ID.UTF-8", "config", "list", "--json")
    rows = {row["key"]: row for row in json.loads(listed.stdout)}
    assert rows["otp.digits"]["is_default"] is True
    reset = run(tmp_path, "id_ID.UTF-8", "config", "reset", "otp.digits")
    assert reset.stdout == "otp.digits = 6 (bawaan)\n"


def test_main_leaves_the_callers_language_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    assert cli.main(["--data-dir", str(tmp_path), "admin", "list"]) == 0
    assert capsys.readouterr().out.endswith("(belum ada administrator)\n")
    assert current_language() == "en"


def test_modem_detect_describes_a_modem_in_indonesian() -> None:
    modem = DetectedModem(usb_path="1-1.2", vendor_id="12d1", product_id="1506",
                          family="huawei", kind="modem", at_port="/dev/ttyUSB2",
                          answered=False)  # fmt: skip
    entry = DetectedEntry(modem, configured_as=("modem1",))
    catalogues.install()
    with use_language("id"):
        indonesian = _lines(entry)
    assert "  port AT: /dev/ttyUSB2 (tidak menjawab AT)" in indonesian
    assert "  terdaftar sebagai: modem1" in indonesian
    assert "  AT port: /dev/ttyUSB2 (no answer to AT)" in _lines(entry)
