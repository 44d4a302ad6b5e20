"""The same rule whichever entry is used: settings through the admin and through
``otp-broker config`` (out of range, unknown key, all or nothing), and the blocking list
through the admin and through the REST command (malformed and duplicate numbers)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

from otpbroker.cli import main as cli_main


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def error_at(page: str, name: str) -> str:
    """The error shown inside the field block of input ``name`` ("" when none)."""
    for block in page.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            found = re.search(r'<small class="error"[^>]*>(.*?)</small>', block, re.S)
            return html.unescape(found.group(1)) if found else ""
    raise AssertionError(f"no field {name}")


def cli(capsys, data: Path, *words: str) -> tuple[int, str]:
    """Run ``otp-broker config ...`` in this process; (exit status, stderr)."""
    capsys.readouterr()
    status = cli_main(["config", *words, "--data-dir", str(data)])
    return status, capsys.readouterr().err


# -- settings ---------------------------------------------------------------------------------


def test_an_out_of_range_value_is_refused_alike(admin, harness, capsys, tmp_path):
    rule = "must be between 1024 and 1048576, got 10"
    before = harness.broker.store.settings()
    admin.get("/api-settings")
    status, page, _ = admin.post("/api-settings", {"api.max_body_bytes": "10"})
    assert status == 400 and error_at(page, "api.max_body_bytes") == rule
    assert harness.broker.store.settings() == before
    status, err = cli(capsys, tmp_path / "cli", "set", "api.max_body_bytes", "10")
    assert status == 2
    assert err == f"otp-broker config set: error: api.max_body_bytes: {rule}\n"


def test_an_unknown_key_is_never_stored(admin, harness, capsys, tmp_path):
    before = harness.broker.store.settings()
    admin.get("/sms-settings")
    status, _, _ = admin.post("/sms-settings", {"otp.digit": "7"})
    assert status == 303  # the admin only takes the keys of its form
    assert harness.broker.store.settings() == before
    assert "otp.digit" not in (harness.data_dir / "config.json").read_text()
    refused = "otp.digit: unknown setting (did you mean 'otp.digits'?)"
    for words in (("set", "otp.digit", "7"), ("get", "otp.digit"), ("reset", "otp.digit")):
        status, err = cli(capsys, tmp_path / "cli", *words)
        assert (status, err) == (2, f"otp-broker config {words[0]}: error: {refused}\n")


def test_contradicting_settings_are_refused_all_or_nothing_alike(admin, harness, capsys, tmp_path):
    rule = "must differ from api.http_port while both are enabled, got 8888"
    store = harness.broker.store
    store.update_settings({"api.http_port": 8888})
    before = store.settings()
    admin.get("/api-settings")
    form = {"api.max_body_bytes": "2048", "api.https_enabled": ["false", "true"],
            "api.https_port": "8888"}  # fmt: skip
    status, page, _ = admin.post("/api-settings", form)
    assert status == 400 and error_at(page, "api.https_port") == rule
    assert store.settings() == before  # api.max_body_bytes was not stored either
    data = tmp_path / "cli"
    assert cli(capsys, data, "set", "api.http_port", "8888")[0] == 0
    assert cli(capsys, data, "set", "api.https_enabled", "true")[0] == 0
    stored = (data / "config.json").read_bytes()
    status, err = cli(capsys, data, "set", "api.https_port", "8888")
    assert (status, err) == (2, f"otp-broker config set: error: api.https_port: {rule}\n")
    assert (data / "config.json").read_bytes() == stored


# -- the blocking list --------------------------------------------------------------------------


def block_by_rest(harness, msisdn: str) -> tuple[int, dict]:
    status, body, _ = harness.request(
        "/api/block", {"command": "block-msisdn", "data": {"msisdn": msisdn}}
    )
    return status, body


def test_a_malformed_number_is_refused_alike(admin, harness):
    reason = "phone number is too short: 5 digits, at least 6 required"
    admin.get("/blocklist")
    status, page, _ = admin.post("/blocklist", {"msisdn": "0812"})
    assert status == 400 and error_at(page, "msisdn") == reason
    status, body = block_by_rest(harness, "0812")
    assert (status, body["response_code"], body["response_text"]) == (400, "1202", reason)
    assert harness.broker.store.list("blocklist") == []


def test_a_number_is_blocked_once_whichever_entry_came_first(admin, harness):
    status, body = block_by_rest(harness, "08126666666")
    assert (status, body["response_text"]) == (200, "blocked")
    admin.get("/blocklist")
    status, page, _ = admin.post("/blocklist", {"msisdn": "+62 812-6666-666"})
    assert status == 400 and error_at(page, "msisdn") == "628126666666 is already blocked"
    admin.get("/blocklist")
    assert admin.post("/blocklist", {"msisdn": "08127777777"})[0] == 303
    status, body = block_by_rest(harness, "08127777777")
    assert (status, body["response_text"]) == (200, "already blocked")
    numbers = sorted(e["msisdn"] for e in harness.broker.store.list("blocklist"))
    assert numbers == ["628126666666", "628127777777"]
