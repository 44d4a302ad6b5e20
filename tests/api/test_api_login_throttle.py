"""Credential guessing on the REST API: free failures, 429 (1215) with growing waits, a
lock-out, a success that clears, the user name locked for new addresses while its own
client keeps sending; counters in /metrics, events in the monitor, never the password.

The real broker on a loopback port, and its WSGI app called in this process from many
client addresses (``REMOTE_ADDR``).
"""

from __future__ import annotations

import json
import logging
import re
import time

import pytest
from broker_harness import BrokerHarness
from wsgi_call import wsgi_call

from otpbroker.web.admin.pages.monitor import event_json

GUESS = "guessed-Pa55word-7"
SMS = {"command": "send-sms", "data": {"msisdn": "081234567890", "message": "Kode 4821"}}


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.add_user()
    h.start()
    yield h
    h.stop()


def metric(harness: BrokerHarness, name: str, **labels: str) -> int:
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    inner = ",".join(f'{key}="{value}"' for key, value in labels.items())
    match = re.search(rf"^{name}\{{{re.escape(inner)}\}} (\d+)$", text, re.MULTILINE)
    assert match, f"{name}{{{inner}}} missing"
    return int(match.group(1))


def test_free_failures_then_429_with_growing_waits_then_checked_again(harness):
    wrong = ("app", GUESS)
    statuses = [harness.send_sms("081234567890", "x", auth=wrong)[0] for _ in range(5)]
    assert statuses == [401] * 5
    status, body, headers = harness.send_sms("081234567890", "Kode 1", auth=("app", "s3cret-pass"))
    assert (status, body["response_code"], headers["Retry-After"]) == (429, "1215", "1")
    assert body["data"] == {"retry_after": 1}  # not checked, not sent, even though right
    time.sleep(1.05)
    assert harness.send_sms("081234567890", "x", auth=wrong)[0] == 401  # checked again
    status, body, headers = harness.send_sms("081234567890", "x", auth=wrong)
    assert (status, headers["Retry-After"], body["data"]["retry_after"]) == (429, "2", 2)
    time.sleep(2.05)
    status, body, _ = harness.send_sms("081234567890", "Kode 2")
    assert (status, body["response_code"]) == (200, "0000")  # the success clears the address
    assert [harness.send_sms("081234567890", "x", auth=wrong)[0] for _ in range(5)] == [401] * 5
    assert harness.sims[0].wait_for_deliveries(1)[0].text == "Kode 2"
    assert metric(harness, "otpbroker_login_failures_total", realm="api") == 11
    assert metric(harness, "otpbroker_login_refusals_total", realm="api", scope="address") == 2
    assert metric(harness, "otpbroker_login_refusals_total", realm="admin", scope="user") == 0


def test_lock_out_after_more_failures(harness):
    harness.broker.store.update_settings(
        {"auth.address_free_failures": 2, "auth.address_lockout_failures": 3,
         "auth.lockout_seconds": 600}
    )  # fmt: skip
    app, wrong = harness.broker.app, ("app", GUESS)
    assert [wsgi_call(app, "/api/sms", SMS, auth=wrong)[0] for _ in range(2)] == [401, 401]
    assert wsgi_call(app, "/api/sms", SMS, auth=wrong)[2]["Retry-After"] == "1"
    time.sleep(1.05)
    assert wsgi_call(app, "/api/sms", SMS, auth=wrong)[0] == 401  # the third: locked out
    status, body, headers = wsgi_call(app, "/api/sms", SMS, auth=("app", "s3cret-pass"))
    assert (status, body["response_code"], headers["Retry-After"]) == (429, "1215", "600")
    other = wsgi_call(app, "/api/sms", SMS, auth=("app", "s3cret-pass"), remote_addr="192.0.2.9")
    assert other[1]["response_code"] == "0000"  # the lock is the address's


def test_distributed_guessing_cannot_stop_the_client_that_authenticates(harness):
    """The point of the throttle: one user name guessed from 60 addresses gets locked for new
    addresses, while the application's own server keeps sending and every accepted message
    ends sent."""
    harness.broker.store.update_settings({"auth.user_lockout_failures": 11})
    app, client = harness.broker.app, "198.51.100.10"
    right = ("app", "s3cret-pass")
    sent: list[str] = []
    answers: list[str] = []
    for n in range(60):
        status, body, headers = wsgi_call(app, "/api/sms", SMS, auth=("app", f"{GUESS}{n}"),
                                          remote_addr=f"203.0.113.{n}")  # fmt: skip
        answers.append(body["response_code"])
        if status == 429:
            assert int(headers["Retry-After"]) == body["data"]["retry_after"] >= 1
        if n % 6 == 0:
            text = f"Kode {n:04d}"
            status, body, _ = wsgi_call(app, "/api/sms", {**SMS, "data": {**SMS["data"],
                                        "message": text}}, auth=right, remote_addr=client)  # fmt: skip
            assert (status, body["response_code"]) == (200, "0000"), body
            sent.append(text)
    # 10 free failures, one more after the 1 s wait (if the loop outlasted it), then locked
    assert answers[:10] == ["1209"] * 10 and answers.count("1209") <= 11
    assert answers[-1] == "1215"
    status, body, _ = wsgi_call(app, "/api/sms", SMS, auth=right, remote_addr="192.0.2.77")
    assert (status, body["response_code"]) == (429, "1215")  # a new address must wait too
    deliveries = harness.sims[0].wait_for_deliveries(len(sent))
    assert sorted(d.text for d in deliveries) == sorted(sent)
    assert metric(harness, "otpbroker_login_refusals_total", realm="api", scope="user") >= 49
    assert metric(harness, "otpbroker_login_refusals_total", realm="api", scope="address") == 0


def test_unknown_user_names_are_throttled_like_known_ones(harness):
    app = harness.broker.app
    for name, address in (("app", "192.0.2.1"), ("nobody-here", "192.0.2.2")):
        codes = [
            wsgi_call(app, "/api/sms", SMS, auth=(name, GUESS), remote_addr=address)[1][
                "response_code"
            ]
            for _ in range(7)
        ]
        assert codes == ["1209"] * 5 + ["1215"] * 2, name


def test_the_unknown_user_costs_the_slow_hash_a_wrong_password_does(harness, scrypt_calls):
    """No user-name probing by timing: an unknown name runs scrypt once, like a known one."""
    harness.broker.store.update_settings({"api.auth_cache_seconds": 0})
    app = harness.broker.app
    assert wsgi_call(app, "/api/sms", SMS, auth=("nobody-here", GUESS))[0] == 401
    assert scrypt_calls == [2**14]
    assert wsgi_call(app, "/api/sms", SMS, auth=("app", GUESS))[0] == 401
    assert scrypt_calls == [2**14, 2**14]


def test_failures_reach_the_monitor_and_logs_without_the_password(harness, caplog):
    caplog.set_level(logging.DEBUG)
    events = harness.broker.events
    app = harness.broker.app
    for n in range(8):
        wsgi_call(app, "/api/sms", SMS, auth=("app", f"{GUESS}-{n}"), remote_addr="192.0.2.5")
    shown = [event_json(event, {}) for event in events.recent()]
    logins = [(e["source_label"], e["recipient"], e["outcome"], e["code"]) for e in shown]
    assert logins[:2] == [("REST user app", "192.0.2.5", "login_failed", "1209")] * 2
    assert ("REST user app", "192.0.2.5", "throttled", "1215") in logins
    assert "throttled" in caplog.text
    stream = json.dumps(shown) + caplog.text + repr(events.recent())
    assert GUESS not in stream
