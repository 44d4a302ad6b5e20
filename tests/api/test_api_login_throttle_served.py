"""Credential guessing against a real ``otp-broker serve`` process: 429 (1215) with
Retry-After, the counters on /metrics, and the password tried in no log line (DEBUG)."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from otpbroker.config.store import ConfigStore

BIN = Path(sys.executable).with_name("otp-broker")
GUESS = "guessed-Pa55word-served"


def post(base: str, password: str) -> tuple[int, dict, str | None]:
    body = {"command": "send-sms", "data": {"msisdn": "081234567890", "message": "Kode 1"}}
    request = urllib.request.Request(f"{base}/api/sms", json.dumps(body).encode(), method="POST")
    token = base64.b64encode(f"app:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers["Retry-After"]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers["Retry-After"]


def test_a_served_broker_throttles_guessing_and_never_logs_the_password(tmp_path):
    data = tmp_path / "data"
    store = ConfigStore(data)
    record = store.add("api_users", {"username": "app"})
    store.set_password("api_users", record["id"], "served-s3cret")
    store.close()
    log_path = tmp_path / "broker.log"
    with log_path.open("w") as log_file:
        serve = subprocess.Popen(
            [BIN, "--data-dir", data, "--log-level", "DEBUG", "serve", "--host", "127.0.0.1",
             "--http-port", "0"],
            stdout=subprocess.PIPE, stderr=log_file, text=True,
        )  # fmt: skip
        try:
            assert serve.stdout is not None
            printed = serve.stdout.readline().strip()
            assert printed.startswith("otp-broker serving on http://127.0.0.1:"), printed
            base = printed.rsplit(" ", 1)[1]
            answers = [post(base, f"{GUESS}{n}") for n in range(6)]
            assert [status for status, _, _ in answers] == [401] * 5 + [429]
            assert answers[5][1]["response_code"] == "1215" and answers[5][2] == "1"
            with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:
                metrics = response.read().decode()
            assert 'otpbroker_login_failures_total{realm="api"} 5' in metrics
            assert 'otpbroker_login_refusals_total{realm="api",scope="address"} 1' in metrics
        finally:
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(30) == 0
    logged = log_path.read_text()
    assert "logins throttled by address" in logged
    assert GUESS not in logged and "served-s3cret" not in logged
