"""``otp-broker config``: the real console script, against the schema, and a running server."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from otpbroker.config import SETTINGS, ConfigStore, Setting, schema

BIN = Path(sys.executable).with_name("otp-broker")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of every run: a default data dir that no test may touch."""
    return {**os.environ, "OTP_BROKER_DATA_DIR": str(tmp_path / "default-dir")}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def cli(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN, *map(str, args)], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def as_text(value: object) -> str:
    """How the CLI writes (and prints) a value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


# Values that must agree with other settings (network addresses) are chosen by hand.
CHOSEN: dict[str, object] = {
    "sms.quota_reset_time": "03:30",
    "wlan.ssid": "Lab AP",
    "wlan.country": "SG",
    "wlan.interface": "wlan1",
    "ethernet.interface": "eth1",
    "dhcp.lease_time": "6h",
    "wlan.passphrase": "passphrase1",
    "wlan.address": "192.168.0.12/24",
    "dhcp.range_start": "192.168.0.101",
    "dhcp.range_end": "192.168.0.201",
    "dhcp.gateway": "192.168.0.1",
    "dhcp.dns": ["8.8.8.8"],
    "inbound.stop_keywords": ["STOP", "BERHENTI"],
    "ethernet.address": "10.0.0.5/24",
    "ethernet.gateway": "10.0.0.1",
    "ethernet.dns": ["1.1.1.1"],
    "ddns.ip_source": "ppp0",
    "ddns.ip_services": ["http://127.0.0.1:8099/ip"],
    "ddns.contact": "ops@example.com",
    "otp.domain": "example.com",
    "otp.iframe_domain": "pay.example.net",  # after otp.domain, in schema order
    "otp.app_hash": "FA+9qCX9VSu",
    "limits.allowed_countries": ["62", "65"],
    "limits.allowed_prefixes": ["628"],
    "limits.denied_prefixes": ["62899", "6281234"],
    "feeders.rabbitmq.route_classes": ["tsel;sms.tsel;10;62811 62812", "xl;sms.xl;-5;0817"],
    "fleet.ledger_ttl_seconds": 86_400,
    "fleet.management_url": "http://127.0.0.1:15672",
}
# Settings whose non-default value needs another one changed first.
FIRST, LAST = ("api.https_enabled",), ("ethernet.mode",)


def in_settable_order(settings: tuple[Setting, ...]) -> list[Setting]:
    """``settings`` ordered so that each change keeps the whole consistent."""
    rank = {key: -1 for key in FIRST} | {key: 1 for key in LAST}
    return sorted(settings, key=lambda spec: rank.get(spec.key, 0))


def non_default(spec: Setting) -> object:
    """A valid value other than the default, from the setting's kind, bounds and choices."""
    if spec.key in CHOSEN:
        return CHOSEN[spec.key]
    if spec.kind is bool:
        return not spec.default
    if spec.choices:
        return next(choice for choice in spec.choices if choice != spec.default)
    if spec.kind is int:
        return spec.default + 1 if spec.maximum is None or spec.default < spec.maximum else 1
    candidates = [spec.default + "1", spec.default + "x", "x" + spec.default, "Kode {otp}"]
    for candidate in candidates:
        with contextlib.suppress(ValueError):
            return schema.validate(spec.key, candidate)
    raise AssertionError(f"no valid non-default value found for {spec.key}")


def test_every_setting_can_be_set_and_read_back(env, data, tmp_path):
    assert len(SETTINGS) >= 27

    def printed(spec, value):  # secrets only say whether they are set
        if spec.secret:
            return "(set, hidden)" if value else "(not set)"
        return as_text(value)

    for spec in in_settable_order(SETTINGS):
        assert cli(env, "--data-dir", data, "config", "get", spec.key).stdout == (
            printed(spec, spec.default) + "\n"
        )
        value = non_default(spec)
        done = cli(env, "--data-dir", data, "config", "set", spec.key, as_text(value))
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"{spec.key} = {printed(spec, value)}\n"
        got = cli(env, "config", "get", spec.key, "--data-dir", data)
        assert (got.returncode, got.stdout, got.stderr) == (0, printed(spec, value) + "\n", "")
    with ConfigStore(data) as store:
        assert store.settings() == {spec.key: non_default(spec) for spec in SETTINGS}
    listed = cli(env, "config", "--data-dir", data, "list")
    assert listed.returncode == 0 and "(default)" not in listed.stdout
    assert len(listed.stdout.splitlines()) == len(SETTINGS)
    assert not (tmp_path / "default-dir").exists()


def test_list_marks_defaults_and_reset_restores_them(env, data):
    assert cli(env, "config", "set", "otp.digits", "8", "--data-dir", data).returncode == 0
    lines = dict(
        line.split(None, 1)
        for line in cli(env, "config", "list", "--data-dir", data).stdout.splitlines()
    )
    assert lines["otp.digits"] == "8"
    assert lines["otp.template"] == "Your code is {otp}  (default)"
    assert lines["api.http_enabled"] == "true  (default)"
    rows = json.loads(cli(env, "config", "list", "--json", "--data-dir", data).stdout)
    digits = next(row for row in rows if row["key"] == "otp.digits")
    assert digits == {"key": "otp.digits", "value": 8, "default": 6, "is_default": False}
    reset = cli(env, "config", "reset", "otp.digits", "--data-dir", data)
    assert (reset.returncode, reset.stdout) == (0, "otp.digits = 6 (default)\n")
    assert cli(env, "config", "get", "otp.digits", "--data-dir", data).stdout == "6\n"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("api.http_port", "70000", "api.http_port: must be between 1 and 65535, got 70000"),
        (
            "sms.validity_minutes",
            "-1",
            "sms.validity_minutes: must be between 0 and 635040, got -1",
        ),
        ("api.http_port", "8080x", "api.http_port: expected an integer, got '8080x'"),
        ("api.http_enabled", "maybe", "api.http_enabled: expected true or false, got 'maybe'"),
        (
            "sms.log_level",
            "TRACE",
            "sms.log_level: must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', got 'TRACE'",
        ),
        (
            "api.sms_path",
            "api/sms",
            "api.sms_path: value must be '/' followed by 1-127 of A-Z a-z 0-9 / _ . -, "
            "got 'api/sms'",
        ),
        (
            "api.sms_path",
            "/api/../admin",
            "api.sms_path: must not contain empty, '.' or '..' segments, got '/api/../admin'",
        ),
        ("api.sms_pth", "/x", "api.sms_pth: unknown setting (did you mean 'api.sms_path'?)"),
        (
            "otp.template",
            "Code {otp}\nbye",
            "otp.template: value must not contain control or line-break characters "
            "(found U+000A at position 10), got 'Code {otp}\\nbye'",
        ),
        (
            "api.http_port",
            "8080\n",
            "api.http_port: value must not contain control or line-break characters "
            "(found U+000A at position 4)",
        ),
        (
            "otp.template",
            "Code",
            "otp.template: value must be at least 5 characters long, got 'Code'",
        ),
        (
            "sms.use_cmms",
            "off\n",
            "sms.use_cmms: value must not contain control or line-break"
            " characters (found U+000A at position 3)",
        ),
    ],
)
def test_invalid_values_are_refused_precisely_and_change_nothing(env, data, key, value, message):
    assert cli(env, "config", "set", "otp.digits", "7", "--data-dir", data).returncode == 0
    before = (data / "config.json").read_bytes()
    refused = cli(env, "--data-dir", data, "config", "set", key, value)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr == f"otp-broker config set: error: {message}\n"
    assert (data / "config.json").read_bytes() == before


def test_settings_that_contradict_each_other_are_refused(env, data):
    assert cli(env, "config", "set", "api.https_enabled", "yes", "--data-dir", data).returncode == 0
    before = (data / "config.json").read_bytes()
    refused = cli(env, "config", "set", "api.https_port", "8888", "--data-dir", data)
    assert refused.returncode == 2
    assert "api.https_port: must differ from api.http_port while both are enabled" in refused.stderr
    assert (data / "config.json").read_bytes() == before


@pytest.mark.parametrize("action", ["get", "reset"])
def test_unknown_keys_are_refused_by_get_and_reset(env, data, action):
    refused = cli(env, "config", action, "otp.digit", "--data-dir", data)
    assert refused.returncode == 2
    assert refused.stderr == (
        f"otp-broker config {action}: error: otp.digit: unknown setting "
        "(did you mean 'otp.digits'?)\n"
    )


@pytest.mark.parametrize(
    "placement",
    [
        ["--data-dir", "{d}", "config", "get", "otp.digits"],
        ["config", "--data-dir", "{d}", "get", "otp.digits"],
        ["config", "get", "otp.digits", "--data-dir", "{d}"],
        ["config", "get", "--data-dir", "{d}", "otp.digits"],
    ],
)
def test_data_dir_is_accepted_before_and_after_the_command(env, data, tmp_path, placement):
    with ConfigStore(data) as store:
        store.set("otp.digits", 9)
    got = cli(env, *[str(data) if part == "{d}" else part for part in placement])
    assert (got.returncode, got.stdout) == (0, "9\n"), got.stderr
    assert not (tmp_path / "default-dir").exists()


# -- a running server picks the change up ----------------------------------------------


@contextlib.contextmanager
def serving(env: dict[str, str], data: Path, log: Path) -> Iterator[str]:
    """``otp-broker serve`` in a subprocess; yields its base URL; SIGTERM at the end."""
    with socket.socket() as probe:  # pick a free port: the server must be told a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [BIN, "--data-dir", data, "serve", "--host", "127.0.0.1", "--http-port", str(port)]
    with log.open("w") as errors:
        server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else ""
        assert line.startswith("otp-broker serving on http://"), log.read_text()
        yield line.split(" on ", 1)[1].strip()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0, log.read_text()
        server.stdout.close()


def post(url: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=b'{"command":"block-msisdn","data":{"msisdn":"08126666666"}}', method="POST"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            assert error.headers.get_content_type() == "application/json"
            return error.code, json.loads(error.read())


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the running server did not pick up the change"
        time.sleep(0.1)


def test_a_running_server_moves_the_sms_path_without_restart(env, data, tmp_path):
    with serving(env, data, tmp_path / "serve.log") as base:
        assert post(base + "/api/sms")[0] == 401
        assert post(base + "/api/sms2")[0] == 404
        done = cli(env, "config", "set", "api.sms_path", "/api/sms2", "--data-dir", data)
        assert done.returncode == 0, done.stderr
        started = time.monotonic()
        eventually(lambda: post(base + "/api/sms2")[0] == 401)
        assert time.monotonic() - started < 5
        status, body = post(base + "/api/sms2")
        assert (status, body["response_code"]) == (401, "1209")
        status, body = post(base + "/api/sms")
        assert (status, body["response_code"]) == (404, "1213")


def test_secret_settings_are_read_from_stdin_and_never_printed(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).with_name("otp-broker")
    data = tmp_path / "data"
    out = subprocess.run([cli, "--data-dir", data, "config", "set", "feeders.mqtt.password"],
                         input="hunter2-x\n", capture_output=True, text=True, check=True)  # fmt: skip
    shown = out.stdout
    shown += subprocess.run([cli, "--data-dir", data, "config", "get", "feeders.mqtt.password"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    shown += subprocess.run([cli, "--data-dir", data, "config", "list"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    shown += subprocess.run([cli, "--data-dir", data, "config", "list", "--json"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "hunter2-x" not in shown and "(set, hidden)" in shown
    from otpbroker.config.store import ConfigStore

    assert ConfigStore(data).get("feeders.mqtt.password") == "hunter2-x"
