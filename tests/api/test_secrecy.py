"""OTP clear text never reaches disk: >= 1,000 OTPs through every path, then scan everything.

The broker runs as a real ``otp-broker serve`` process with DEBUG logging, its own TMPDIR and
its stderr in a log file; the modems are a real ``modem-sim`` process (its deliveries file is
the handsets' inbox and lives outside everything scanned).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from websocket import create_connection

sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))
sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from amqp_tools import Publisher, unique_queue
from smtp_servers import start_smtp
from ws_broker import WsBroker

from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.config.store import ConfigStore
from otpbroker.modem.sim.personalities import NAMES

BIN = Path(sys.executable).with_name("otp-broker")
PASSWORD = "secrecy-test-pass"
# One modem of every personality, so each one's replies and noise pass through the logs too.
PROFILES = NAMES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def control(path: Path, request: dict) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(sock.makefile().readline())


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        token = base64.b64encode(f"app:{PASSWORD}".encode()).decode()
        self.auth = f"Basic {token}"

    def post(
        self, path: str, body: object, *, auth: bool = True, raw: bytes | None = None
    ) -> tuple[int, dict]:
        data = raw if raw is not None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        if auth:
            request.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def wait_for_modems(base: str, count: int, log: Path, timeout: float = 90.0) -> None:
    """Wait until /metrics shows ``count`` modems up (generous: six modems and the broker
    start beside the other tests); otherwise fail with the end of the broker's ``log``
    (no OTP has been sent yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
                text = response.read().decode()
            up = [line for line in text.splitlines() if line.startswith("otpbroker_modem_up{")]
            if len(up) == count and all(line.endswith(" 1") for line in up):
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace").splitlines()[-30:]
    raise AssertionError("modems did not come up; the broker's log ends:\n" + "\n".join(tail))


def otp_digits() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(10))


def test_no_otp_reaches_disk_logs_or_temp_files(tmp_path):
    data, tmp, logs, inbox, run = (
        tmp_path / name for name in ("data", "tmp", "logs", "inbox", "run")
    )
    for folder in (tmp, logs, inbox, run):
        folder.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1",
           "OTP_BROKER_RUNTIME_DIR": str(run)}  # fmt: skip
    sim = subprocess.Popen(
        [BIN, "modem-sim", "--profile", ",".join(PROFILES), "--delay", "0", "--ussd-delay", "0",
         "--link-dir", inbox / "by-id",
         "--deliveries", inbox / "deliveries.jsonl", "--control", inbox / "control.sock"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    ports = [sim.stdout.readline().split()[0] for _ in PROFILES]
    user = subprocess.run(
        [BIN, "--data-dir", data, "api-user", "add", "app", "--password-stdin"],
        input=PASSWORD + "\n", text=True, capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert user.returncode == 0, user.stderr
    subprocess.run(
        [BIN, "--data-dir", data, "config", "set", "otp.digits", "10"], env=env, check=True
    )
    subprocess.run(
        [BIN, "--data-dir", data, "config", "set", "sms.log_level", "DEBUG"], env=env, check=True
    )
    subprocess.run([BIN, "--data-dir", data, "config", "set", "sms.result_timeout_seconds", "5"],
                   env=env, check=True)  # fmt: skip
    # every feeder and an e-mail account, so their paths are scanned too
    ws = WsBroker({"device": "ws-pass", "app": "app-pass"}).start()
    smtp = start_smtp("mx")
    queue, topic = unique_queue("otpb-secrecy"), f"otpb/secrecy/{secrets.token_hex(6)}"
    store = ConfigStore(data)
    store.update_settings({
        "feeders.rabbitmq.enabled": True, "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.username": "guest", "feeders.rabbitmq.password": "guest",
        "feeders.rabbitmq.queue": queue,
        "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1", "feeders.mqtt.topic": topic,
        "feeders.mqtt.client_id": f"otpb-secrecy-{secrets.token_hex(4)}",
        "feeders.ws.enabled": True, "feeders.ws.url": ws.url, "feeders.ws.username": "device",
        "feeders.ws.password": "ws-pass",
        "otp.domain": "example.com", "otp.app_hash": "FA+9qCX9VSu",  # autofill lines
        # this test sends far more to one number range than the sending limits allow;
        # the limits' own path is covered by the denied prefix (step 3)
        **{key: 0 for key in RATE_LIMIT_KEYS}, "limits.denied_prefixes": ["62815"],
    })  # fmt: skip
    store.add("mail_accounts", {"name": "loopback", "host": "127.0.0.1", "port": smtp.port,
                                "security": "none", "auth": False, "sender": "otp@example.com"})  # fmt: skip
    # the modems are not held back (a thousand OTPs go out in minutes), but their recipients
    # are counted (a cap no test reaches), so the scan covers the SIM counts' hashes too
    for index, modem_port in enumerate(ports):
        store.add("modems", {"name": f"modem {index}", "port": os.path.abspath(modem_port),
                             "min_gap_seconds": 0, "max_per_hour": 0, "max_per_day": 0,
                             "max_recipients_per_month": 1_000_000})  # fmt: skip
    store.close()
    port = free_port()
    log_file = (logs / "broker.log").open("w")
    serve = subprocess.Popen(
        [BIN, "--data-dir", data, "--log-level", "DEBUG", "serve", "--host", "127.0.0.1",
         "--http-port", str(port), *(arg for p in ports for arg in ("--modem", p))],
        stdout=log_file, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    secrets_sent: list[str] = []
    try:
        client = Client(f"http://127.0.0.1:{port}")
        wait_for_modems(client.base, len(PROFILES), logs / "broker.log")

        def send(msisdn: str, message_id: str | None = None, **kw: object) -> tuple[int, dict]:
            otp = otp_digits()
            secrets_sent.append(otp)
            data = {"msisdn": msisdn, "message": f"Kode OTP Anda {otp}"}
            if message_id is not None:
                data["id"] = message_id
            return client.post("/api/sms", {"command": "send-sms", "data": data}, **kw)

        # 1. plain sends: 500
        for i in range(500):
            status, body = send("0812" + f"{i:08d}", f"ok-{i}")
            assert status == 200, body
        # 2. duplicates: the same id and OTP again (must be refused, never stored)
        for i in range(100):
            status, _ = client.post(
                "/api/sms",
                {
                    "command": "send-sms",
                    "data": {
                        "msisdn": "0812" + f"{i:08d}",
                        "id": f"ok-{i}",
                        "message": f"Kode OTP Anda {secrets_sent[i]}",
                    },
                },
            )
            assert status == 409
        # 3. blocked numbers
        client.post("/api/block", {"command": "block-msisdn", "data": {"msisdn": "08129999999"}})
        for _ in range(100):
            assert send("08129999999")[0] == 403
        for i in range(50):  # refused by the sending limits (1107)
            status, body = send("0815" + f"{i:08d}")
            assert (status, body["response_code"]) == (403, "1107"), body
        # 4. failures: every modem answers +CMS ERROR
        for modem in range(len(PROFILES)):
            assert control(inbox / "control.sock", {"modem": modem, "action": "inject",
                           "kind": "cms-error", "code": 500, "count": 100})["ok"]  # fmt: skip
        for _ in range(50):
            assert send("08121111111")[0] == 502
        for modem in range(len(PROFILES)):
            control(inbox / "control.sock", {"modem": modem, "action": "clear"})
        # 5. unknown outcome (no result from the modem): one each, taken in turn
        for modem in range(len(PROFILES)):
            control(
                inbox / "control.sock", {"modem": modem, "action": "inject", "kind": "no-result"}
            )
        for _ in PROFILES:
            assert send("08122222222")[0] == 202
        # 6. rejected before sending: unauthenticated, malformed JSON, too long
        for _ in range(50):
            assert send("08123333333", auth=False)[0] == 401
        for _ in range(50):
            otp = otp_digits()
            secrets_sent.append(otp)
            raw = (
                '{"command":"send-sms","data":{"msisdn":"0812","message":"Kode OTP Anda ' + otp
            ).encode()
            assert client.post("/api/sms", None, raw=raw)[0] == 400
        for _ in range(50):
            otp = otp_digits()
            secrets_sent.append(otp)
            long_text = f"Kode OTP Anda {otp} " + "😀" * 700
            status, _ = client.post(
                "/api/sms",
                {"command": "send-sms", "data": {"msisdn": "08124444444", "message": long_text}},
            )
            assert status == 400
        # 7. every feeder: 100 OTPs each
        publisher = Publisher()
        mqtt_client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"pub-{secrets.token_hex(4)}"
        )
        mqtt_client.connect("127.0.0.1", 1883)
        mqtt_client.loop_start()
        ws_sender = create_connection(ws.url, header=["Authorization: Basic YXBwOmFwcC1wYXNz"])
        ws_sender.recv()
        ws.wait_receivers("sms", 1)
        for i in range(100):
            for via in ("rabbitmq", "mqtt", "ws"):
                otp = otp_digits()
                secrets_sent.append(otp)
                item = {
                    "receiver": f"0814{i:08d}",
                    "message": f"Kode OTP Anda {otp}",
                    "id": f"{via}-{i}",
                }
                if via == "rabbitmq":
                    publisher.publish(queue, {"data": [item]})
                elif via == "mqtt":
                    mqtt_client.publish(
                        topic, json.dumps({"data": [item]}), qos=1
                    ).wait_for_publish(10)
                else:
                    ws_sender.send(
                        json.dumps({"command": "send-message", "channel": "sms", "data": [item]})
                    )
        # 8. e-mail OTPs
        for _ in range(50):
            otp = otp_digits()
            secrets_sent.append(otp)
            body = {
                "command": "send-mail",
                "data": {
                    "recipient": "user@domain.tld",
                    "subject": f"Kode OTP Anda {otp}",
                    "message": f"Kode OTP Anda {otp}",
                },
            }
            status, reply = client.post("/api/mail", body)
            assert status == 200, reply
        feeder_ids = {f"{via}-{i}" for via in ("rabbitmq", "mqtt", "ws") for i in range(100)}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            texts = (inbox / "deliveries.jsonl").read_text("utf-8")
            if sum(texts.count(f'"+62814{i:08d}"') for i in range(100)) >= 300:
                break
            time.sleep(0.5)
        assert len(feeder_ids) == 300
        assert len(smtp.received) == 50
        ws_sender.close()
        mqtt_client.loop_stop()
        mqtt_client.disconnect()
        publisher.delete([queue])
        publisher.close()
        # 9. server-side OTPs: the device makes the code; we learn it from the handsets' inbox
        for i in range(200):
            status, body = client.post(
                "/api/message", {"command": "request-otp", "data": {"msisdn": "0813" + f"{i:08d}"}}
            )
            assert status == 200, body
        # 10. send-sms with data.otp: the device writes the text; refused ones too
        for i in range(100):
            otp = otp_digits()
            secrets_sent.append(otp)
            fields = {"msisdn": "0816" + f"{i:08d}", "otp": otp}
            status, body = client.post("/api/sms", {"command": "send-sms", "data": fields})
            assert status == 200, body
        for _ in range(20):
            otp = otp_digits()
            secrets_sent.append(otp)
            fields = {"msisdn": "08165555555", "otp": otp, "message": "both"}
            assert client.post("/api/sms", {"command": "send-sms", "data": fields})[0] == 400
        # 11. received SMS (one part and a long one) on every modem: read, handed over, gone
        for index in range(len(PROFILES)):
            for text in (f"Balasan INBOUND-{index} rahasia", f"INBOUND-{index}-LONG 😀 " * 30):
                reply = control(inbox / "control.sock",
                                {"action": "receive", "modem": index, "sender": "+6281299990000",
                                 "text": text})  # fmt: skip
                assert reply["ok"], reply
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            modems = control(inbox / "control.sock", {"action": "modems"})["modems"]
            if all(m["stored"] == 0 for m in modems):
                break
            time.sleep(0.2)
        assert [m["stored"] for m in modems] == [0] * len(PROFILES)
    finally:  # every process and server is stopped, whatever failed
        serve.send_signal(signal.SIGTERM)
        try:
            serve_status = serve.wait(20)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve_status = serve.wait()
        log_file.close()
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)
        ws.stop()
        smtp.stop()
    assert serve_status == 0

    delivered = [
        json.loads(line)
        for line in (inbox / "deliveries.jsonl").read_text("utf-8").split("\n")
        if line
    ]
    device_codes = [
        m.group(0)
        for d in delivered
        if (m := re.search(r"\b\d{10}\b", d["text"])) and d["text"].startswith("Your code")
    ]
    assert len(device_codes) == 300  # 200 request-otp, 100 send-sms with data.otp
    autofill = [d["text"] for d in delivered if d["text"].startswith("Your code")]
    assert all(
        text.endswith(f"\nFA+9qCX9VSu\n@example.com #{code}")
        for text, code in zip(autofill, device_codes, strict=True)
    )
    everything = secrets_sent + device_codes
    assert len(set(everything)) >= 1300
    feeder_deliveries = [d for d in delivered if d["to"].startswith("+62814")]
    assert len(feeder_deliveries) == 300  # every feeder message sent, exactly once

    scanned = [p for root in (data, tmp, logs, run) for p in root.rglob("*") if p.is_file()]
    log_text = (logs / "broker.log").read_text("utf-8", errors="replace")
    # Debug logging really ran, and saw the messages (masked).
    assert "AT+CMGS" in log_text and "chars>" in log_text, log_text[-2000:]
    assert (data / "config.json").exists()
    # the SIM counts are scanned too, and hold hashes of the recipients, never their numbers
    quota = json.loads((data / "sim-quota.json").read_text())
    assert (data / "sim-quota.key").exists() and quota["modems"]
    for counts in quota["modems"].values():
        assert counts["recipients"] and set(counts) == {"hour", "day", "day_count", "month",
                                                        "recipients"}  # fmt: skip
        assert all(re.fullmatch("[0-9a-f]{32}", digest) for digest in counts["recipients"])
    # The send ledger (ids, keyed digests, states, times) is scanned, and it recorded sends.
    ledger = data / "send-ledger.log"
    assert ledger in scanned and ledger.read_text().count('"s":"sent"') >= 300
    leaks = []
    for path in scanned:
        content = path.read_bytes()
        for marker in ("Kode OTP Anda", "Your code is", "INBOUND-", "rahasia"):
            if marker.encode() in content:
                leaks.append((path.name, marker))
        for otp in everything:
            if otp.encode() in content:
                leaks.append((path.name, otp))
    assert leaks == []
