"""The whole broker behind its front (a real haproxy): the API over HTTP and HTTPS, and the
app's own refusals (body size) still answered through the front."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

NUMBER = "08126666666"
AUTH = "Basic " + base64.b64encode(b"app:s3cret-pass").decode()
HEADERS = {"Authorization": AUTH, "Content-Type": "application/json"}  # a GET sends none


@pytest.fixture
def broker(tmp_path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.add_user()
    h.broker.store.set("api.https_enabled", True)
    h.broker.store.set("api.max_body_bytes", 1024)
    h.broker.start("127.0.0.1", 0, 0)
    h.wait_modems()
    yield h
    h.stop()


def post(
    h: BrokerHarness, scheme: str, body: bytes, *, method: str = "POST", path: str = "/api/sms"
) -> tuple[int, dict]:
    port = {s.scheme: s.bound_port for s in h.broker.listeners.statuses()}[scheme]
    assert port is not None
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=60, context=context, source_address=("127.0.0.2", 0)
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                          source_address=("127.0.0.2", 0))  # fmt: skip
    try:
        conn.request(method, path, body=body or None,
                     headers=HEADERS if method == "POST" else {})  # fmt: skip
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_send_sms_is_answered_through_the_front(broker, scheme):
    command = {"command": "send-sms", "data": {"msisdn": NUMBER, "message": f"OTP over {scheme}"}}
    status, reply = post(broker, scheme, json.dumps(command).encode())
    assert (status, reply["response_code"]) == (200, "0000"), reply
    delivered = broker.sims[0].wait_for_deliveries(1, timeout=10)
    assert f"OTP over {scheme}" in delivered[0].text


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_app_s_body_limit_still_answers_through_the_front(broker, scheme):
    command = {"command": "send-sms", "data": {"msisdn": NUMBER, "message": "x" * 2000}}
    status, reply = post(broker, scheme, json.dumps(command).encode())
    assert (status, reply["response_code"]) == (413, "1208"), reply


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_health_checks_answer_through_the_front_without_credentials(broker, scheme):
    status, reply = post(broker, scheme, b"", method="GET", path="/health/ready")
    assert (status, reply["data"]["status"]) == (200, "ready"), reply
    status, reply = post(broker, scheme, b"", method="GET", path="/health/live")
    assert (status, reply["data"]["status"]) == (200, "alive"), reply
    broker.broker.shutdown.begin()
    status, reply = post(broker, scheme, b"", method="GET", path="/health/ready")
    assert (status, reply["response_code"]) == (503, "1112"), reply
