"""The same rule whichever entry is used: a modem's port through the admin and through
``otp-broker serve --modem``, a feeder's settings through the admin and through
``otp-broker config``, and the mail service's answer through the admin's test mail and
through the REST ``send-mail`` command."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

from otpbroker.cli import main as cli_main

MODEM = {
    "name": "Huawei E3131 USB 2", "port": "/dev/ttyUSB9", "imei": "", "prefixes": "",
    "baud_rate": "115200", "parity": "N", "data_bits": "8", "start_bits": "1", "stop_bits": "1",
    "send_from_api": "1", "active": "1", "pin": "", "msisdn": "", "imsi": "", "smsc": "",
    "apn": "", "apn_username": "", "apn_password": "", "dial_number": "*99#",
    "init_dial_1": "", "init_dial_2": "", "init_dial_3": "", "init_dial_4": "", "init_dial_5": "",
    "dial_command": "ATD",
}  # fmt: skip
RABBITMQ = {
    "feeders.rabbitmq.enabled": "on", "feeders.rabbitmq.host": "127.0.0.1",
    "feeders.rabbitmq.port": "5672", "feeders.rabbitmq.username": "guest",
    "feeders.rabbitmq.password": "", "feeders.rabbitmq.queue": "sms",
    "feeders.rabbitmq.vhost": "/", "feeders.rabbitmq.prefetch": "10",
}  # fmt: skip


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def error_of(page: str, field: str) -> str:
    """The error shown for ``field`` ("" when none)."""
    found = re.search(rf'<small class="error" id="e-{re.escape(field)}">([^<]*)</small>', page)
    return html.unescape(found.group(1)) if found else ""


def cli(capsys, *words: str) -> tuple[int, str]:
    """Run ``otp-broker ...`` in this process; (exit status, stderr)."""
    capsys.readouterr()
    status = cli_main(list(words))
    return status, capsys.readouterr().err


def test_a_modem_port_that_is_no_device_path_is_refused_alike(admin, harness, capsys, tmp_path):
    port = "/dev/tty USB9"
    store = harness.broker.store
    before = store.list("modems")
    admin.get("/modems/new")
    status, page, _ = admin.post("/modems", {**MODEM, "port": port})
    rule = error_of(page, "port")
    assert status == 400 and "must be an absolute device path" in rule
    assert store.list("modems") == before
    data = tmp_path / "cli"
    status, err = cli(capsys, "--data-dir", str(data), "serve", "--modem", port)
    assert status == 2
    assert err == f"otp-broker serve: error: modems.port: {rule}\n"
    assert port not in (data / "config.json").read_text()  # nothing stored


def test_a_feeder_setting_out_of_range_is_refused_alike(admin, harness, capsys, tmp_path):
    store = harness.broker.store
    before = store.settings()
    admin.get("/feeders")
    changed = {**RABBITMQ, "feeders.rabbitmq.host": "mq.example.com", "feeders.rabbitmq.port": "0"}
    status, page, _ = admin.post("/feeders/rabbitmq", changed)
    rule = error_of(page, "feeders.rabbitmq.port")
    assert status == 400 and rule.startswith("must be between")
    assert store.settings() == before  # the host was not stored either
    data = tmp_path / "cli"
    status, err = cli(
        capsys, "config", "set", "feeders.rabbitmq.port", "0", "--data-dir", str(data)
    )
    assert status == 2
    assert err == f"otp-broker config set: error: feeders.rabbitmq.port: {rule}\n"


def test_the_test_mail_answers_as_the_rest_send_mail_command(admin, harness):
    body = {"command": "send-mail", "data": {"recipient": "someone@example.test",
                                             "message": "hello"}}  # fmt: skip
    status, reply, _ = harness.request("/api/mail", body)
    assert reply["response_code"] == "1210"  # no e-mail account yet
    admin.get("/mail")
    status, page, _ = admin.post("/mail/test", {"recipient": "someone@example.test"})
    assert status == 200
    assert f"not sent (1210): {reply['response_text']}" in html.unescape(page)
