"""``/health/live`` and ``/health/ready`` through a real broker with emulated modems: no
credentials, ready only while a modem can send, the reasons per modem when not, and never
a secret of the SIM in the answer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from broker_harness import BrokerHarness

from otpbroker.modem.sim import ModemProfile

PROFILE = ModemProfile()
SECRETS = (PROFILE.imsi, PROFILE.msisdn, PROFILE.msisdn.lstrip("+"), "s3cret-pass")
WAIT = 40.0  # generous: the worker notices an unplugged modem on its next read


def get(h: BrokerHarness, path: str) -> tuple[int, Any, Any]:
    """GET ``path`` without credentials."""
    return h.request(path, method="GET", auth=None)


def assert_no_secret(body: Any) -> None:
    """Neither the emulated SIM's IMSI or number nor the API password is in ``body``."""
    text = json.dumps(body)
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {text}"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def started(tmp_path: Path, **modem: Any) -> BrokerHarness:
    """A broker with one emulated modem (``modem``: its record's fields) and an API user."""
    h = BrokerHarness(tmp_path)
    h.add_modem(**modem)
    h.add_user()
    return h.start()


def test_ready_with_a_connected_modem(tmp_path: Path):
    h = started(tmp_path, name="front desk")
    try:
        status, body, headers = get(h, "/health/ready")
        assert (status, body["response_code"], body["data"]["status"]) == (200, "0000", "ready")
        [modem] = body["data"]["modems"]
        assert modem == {"id": h.modem_ids[0], "name": "front desk", "state": "ready"}
        assert "Retry-After" not in headers
        assert headers["Cache-Control"] == "no-store"
        assert_no_secret(body)
    finally:
        h.stop()


def test_live_answers_without_credentials_and_while_stopping(tmp_path: Path):
    h = started(tmp_path)
    try:
        status, body, _ = get(h, "/health/live")
        assert (status, body["data"]) == (200, {"status": "alive", "stopping": False})
        h.broker.shutdown.begin()
        status, body, _ = get(h, "/health/live")
        assert (status, body["data"]) == (200, {"status": "alive", "stopping": True})
    finally:
        h.stop()


def test_not_ready_while_stopping_even_with_a_connected_modem(tmp_path: Path):
    h = started(tmp_path)
    try:
        h.broker.shutdown.begin()
        status, body, headers = get(h, "/health/ready")
        assert (status, body["response_code"], body["data"]["status"]) == (503, "1112", "stopping")
        assert int(headers["Retry-After"]) > 0
        assert body["data"]["modems"][0]["state"] == "ready"  # the modem is fine; we stop
        status, body, _ = get(h, "/health")  # the old check says the same
        assert (status, body["response_code"]) == (503, "1112")
    finally:
        h.stop()


def test_not_ready_when_the_only_modem_is_deactivated(tmp_path: Path):
    h = started(tmp_path, active=False)
    try:
        status, body, headers = get(h, "/health/ready")
        assert (status, body["response_code"], body["data"]["status"]) == (503, "1101", "not_ready")
        assert int(headers["Retry-After"]) > 0
        [modem] = body["data"]["modems"]
        assert (modem["id"], modem["name"], modem["state"]) == (h.modem_ids[0], "sim 0", "inactive")
        assert "deactivated" in modem["reason"]
        assert body["response_text"] == "no modem can send now"
        status, body, _ = get(h, "/health")  # /health: the device takes work (not stopping)
        assert (status, body["data"]["status"]) == (200, "ok")
    finally:
        h.stop()


def test_not_ready_when_the_only_modem_is_unplugged(tmp_path: Path):
    h = started(tmp_path)
    try:
        assert get(h, "/health/ready")[0] == 200
        port = h.sims[0].port  # a setting's value: never in the open answer
        h.sims[0].unplug()
        wait_for(lambda: get(h, "/health/ready")[0] == 503, "ready to turn 503")
        status, body, headers = get(h, "/health/ready")
        assert (status, body["response_code"]) == (503, "1101")
        assert int(headers["Retry-After"]) > 0
        [modem] = body["data"]["modems"]
        assert modem["state"] not in ("ready", "inactive") and modem["reason"]
        assert_no_secret(body)
        assert port not in json.dumps(body) and "/dev/" not in json.dumps(body)
        status, body, _ = get(h, "/health/live")
        assert (status, body["data"]["status"]) == (200, "alive")
    finally:
        h.stop()


def test_not_ready_without_any_modem(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    h.add_user()
    h.start()
    try:
        status, body, headers = get(h, "/health/ready")
        assert (status, body["response_code"], body["data"]["status"]) == (503, "1101", "not_ready")
        assert body["data"]["modems"] == [] and int(headers["Retry-After"]) > 0
        assert body["response_text"] == "no modem is configured"
    finally:
        h.stop()


def test_a_modem_kept_from_api_messages_does_not_make_the_device_ready(tmp_path: Path):
    h = started(tmp_path, send_from_api=False)
    try:
        status, body, _ = get(h, "/health/ready")
        assert (status, body["response_code"]) == (503, "1101")
        [modem] = body["data"]["modems"]
        assert modem["state"] == "not_for_api" and "API" in modem["reason"]
    finally:
        h.stop()


def test_one_ready_modem_of_two_is_enough(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    h.add_modem(name="a")
    h.add_modem(name="b", active=False)
    h.add_user()
    h.start()
    try:
        status, body, _ = get(h, "/health/ready")
        assert status == 200
        states = {m["name"]: m["state"] for m in body["data"]["modems"]}
        assert states == {"a": "ready", "b": "inactive"}
        assert_no_secret(body)
    finally:
        h.stop()


def test_health_paths_take_only_get_and_ignore_credentials(tmp_path: Path):
    h = started(tmp_path)
    try:
        for path in ("/health/live", "/health/ready"):
            status, body, headers = h.request(path, {}, method="POST", auth=None)
            assert (status, body["response_code"], headers["Allow"]) == (405, "1212", "GET")
            wrong = h.request(path, method="GET", auth=("app", "wrong-password"))
            assert wrong[0] == 200, path  # credentials are not looked at
    finally:
        h.stop()


def test_a_modem_held_for_its_sim_account_is_not_ready_with_the_device_s_words(tmp_path: Path):
    h = started(tmp_path, profile={"personality": "generic"})
    try:
        h.sims[0].set_conditions(["sim-barred"])  # the SIM's account refuses sending
        assert h.send_sms("08126666666", "Kode OTP 555666", "held")[1]["response_code"] != "0000"
        status, body, headers = get(h, "/health/ready")
        assert (status, body["response_code"]) == (503, "1101")
        [modem] = body["data"]["modems"]
        assert modem["state"] == "sim_account" and modem["reason"]
        assert int(headers["Retry-After"]) > 0
        assert_no_secret(body)
        assert "555666" not in json.dumps(body) and "8126666666" not in json.dumps(body)
    finally:
        h.stop()
