"""The REST API end to end: real HTTP (cheroot), real config, emulated modems on ptys."""

from __future__ import annotations

import re
import time

import pytest
from broker_harness import BrokerHarness


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    yield h
    h.stop()


@pytest.fixture
def one_modem(harness):
    sim, _ = harness.add_modem()
    harness.start()
    return harness, sim


def test_send_sms_answers_with_the_original_shape_after_the_modem_outcome(one_modem):
    h, sim = one_modem
    status, body, headers = h.send_sms("08126666666", "OTP Anda adalah 9876", 123456)
    assert status == 200, body
    assert body["command"] == "send-sms" and body["response_code"] == "0000"
    assert body["data"]["id"] == "123456" and body["data"]["parts"] == 1
    assert body["data"]["modem"] == h.modem_ids[0] and isinstance(body["data"]["reference"], int)
    assert "9876" not in str(body)
    assert headers["Content-Type"] == "application/json"
    [delivery] = sim.wait_for_deliveries(1)
    assert (delivery.to, delivery.text) == ("+628126666666", "OTP Anda adalah 9876")


@pytest.mark.parametrize("path", ["/api/message", "/api/sms", "/api/mail"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_every_message_path_and_put_dispatch_on_command(one_modem, path, method):
    h, sim = one_modem
    status, body, _ = h.send_sms("+628126666666", f"via {path}", path=path, method=method)
    assert (status, body["response_code"]) == (200, "0000")
    assert sim.wait_for_deliveries(1)[0].text == f"via {path}"


@pytest.mark.parametrize(
    "auth",
    [None, ("nobody", "s3cret-pass"), ("app", ""), ("app", "wrong"), ("", "")],
    ids=["none", "unknown-user", "empty-password", "wrong-password", "empty-both"],
)
def test_bad_credentials_get_401_json_and_nothing_is_sent(one_modem, auth):
    h, sim = one_modem
    status, body, headers = h.send_sms("08126666666", "x", auth=auth)
    assert status == 401 and body["response_code"] == "1209"
    assert headers["WWW-Authenticate"].startswith("Basic")
    time.sleep(0.2)
    assert sim.log.parts == []


def test_blocked_and_inactive_api_users_are_refused(harness):
    harness.add_modem()
    harness.add_user("blocked", "pass-blocked", blocked=True)
    harness.add_user("inactive", "pass-inactive", active=False)
    harness.start()
    for auth in (("blocked", "pass-blocked"), ("inactive", "pass-inactive")):
        assert harness.send_sms("08126666666", "x", auth=auth)[0] == 401


def test_malformed_auth_header_is_401(one_modem):
    h, _ = one_modem
    for header in ("Basic !!!notbase64", "Bearer abc", "Basic " + "QQ==", "Basic"):
        status, body, _ = h.request("/api/sms", {}, auth=None, headers={"Authorization": header})
        assert status == 401 and body["response_code"] == "1209"


@pytest.mark.parametrize(
    ("payload", "status", "code", "text"),
    [
        ({"command": "send-sms", "data": {"msisdn": "08abc", "message": "x"}}, 400, "1202", "letters"),
        ({"command": "send-sms", "data": {"msisdn": "0812", "message": "x"}}, 400, "1202", "short"),
        ({"command": "send-sms", "data": {"msisdn": "08126666666", "message": ""}}, 400, "1203", "empty"),
        ({"command": "send-sms", "data": {"msisdn": "08126666666", "message": "   "}}, 400, "1203", "empty"),
        ({"command": "send-sms", "data": {"msisdn": "08126666666", "message": 5}}, 400, "1211", "string"),
        ({"command": "send-sms", "data": {"msisdn": "08126666666"}}, 400, "1211", "message is required"),
        ({"command": "send-sms", "data": {"message": "x"}}, 400, "1211", "msisdn is required"),
        ({"command": "send-sms", "data": {"msisdn": "08126666666", "message": "😀" * 700}}, 400, "1204", "at most 10"),
        ({"command": "send-sms", "data": []}, 400, "1211", "data"),
        ({"command": "launch-rockets", "data": {}}, 400, "1206", "unknown command"),
        ({"data": {}}, 400, "1211", "command"),
        (["send-sms"], 400, "1211", "JSON object"),
        ({"command": "send-mail", "data": {"recipient": "a@b.c", "subject": "s", "message": "m"}}, 503, "1210", "not configured"),
    ],
)  # fmt: skip
def test_bad_requests_get_precise_errors(one_modem, payload, status, code, text):
    h, sim = one_modem
    got_status, body, _ = h.request("/api/sms", payload)
    assert (got_status, body["response_code"]) == (status, code), body
    assert text in body["response_text"]
    time.sleep(0.1)
    assert sim.log.parts == []


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"{not json", "malformed JSON"),
        (b"", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100000, ""),
    ],
)
def test_malformed_json_is_400(one_modem, raw, text):
    h, _ = one_modem
    status, body, _ = h.request("/api/sms", raw=raw)
    assert status in (400, 413) and body["response_code"] in ("1207", "1208")
    assert text in body["response_text"]


def test_body_too_large_is_413(one_modem):
    h, _ = one_modem
    big = {"command": "send-sms", "data": {"msisdn": "08126666666", "message": "x" * 70000}}
    status, body, _ = h.request("/api/sms", big)
    assert (status, body["response_code"]) == (413, "1208")


def test_wrong_method_and_unknown_path(one_modem):
    h, _ = one_modem
    status, body, headers = h.request("/api/sms", method="GET")
    assert (status, body["response_code"]) == (405, "1212") and "POST" in headers["Allow"]
    status, body, _ = h.request("/api/nothing", {"command": "send-sms", "data": {}})
    assert (status, body["response_code"]) == (404, "1213")


def test_duplicate_id_is_sent_once_and_answered_409(one_modem):
    h, sim = one_modem
    assert h.send_sms("08126666666", "OTP 1", "dup-1")[0] == 200
    status, body, _ = h.send_sms("08126666666", "OTP 1", "dup-1")
    assert (status, body["response_code"]) == (409, "1205")
    assert h.send_sms("08126666666", "OTP 1", "dup-1", path="/api/message")[0] == 409
    time.sleep(0.2)
    assert [d.text for d in sim.deliveries] == ["OTP 1"]


def test_blocking_list_through_the_api(one_modem):
    h, sim = one_modem
    status, body, _ = h.request(
        "/api/block", {"command": "block-msisdn", "data": {"msisdn": "08126666666"}}
    )
    assert (status, body) == (
        200,
        {
            "command": "block-msisdn",
            "response_code": "0000",
            "response_text": "blocked",
            "data": {"msisdn": "628126666666"},
        },
    )
    status, body, _ = h.send_sms("+628126666666", "secret 1")
    assert (status, body["response_code"]) == (403, "1201")
    status, body, _ = h.request(
        "/api/unblock", {"command": "unblock-msisdn", "data": {"msisdn": "628126666666"}}
    )
    assert (status, body["response_code"], body["response_text"]) == (200, "0000", "unblocked")
    assert h.send_sms("08126666666", "secret 2")[0] == 200
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["secret 2"]


def test_no_modem_available_is_503_and_releases_the_id(harness):
    _, modem_id = harness.add_modem(active=False)
    harness.start()
    status, body, _ = harness.send_sms("08126666666", "x", "id-1")
    assert (status, body["response_code"]) == (503, "1101")
    harness.broker.store.update("modems", modem_id, {"active": True})
    harness.wait_modems()
    assert harness.send_sms("08126666666", "x", "id-1")[0] == 200


def test_send_from_api_off_modem_is_not_used_by_the_api(harness):
    harness.add_modem(send_from_api=False)
    harness.start()
    assert harness.send_sms("08126666666", "x")[1]["response_code"] == "1101"


def test_definite_failure_fails_over_to_the_next_modem(harness):
    first, _ = harness.add_modem()
    second, _ = harness.add_modem()
    harness.start()
    first.inject("cms-error", code=500, count=100)
    second.inject("cms-error", code=500, count=100)
    status, body, _ = harness.send_sms("08126666666", "both fail", "f-1")
    assert (status, body["response_code"]) == (502, "1102")
    assert "CMS500" in body["response_text"]
    first.clear_faults()
    status, body, _ = harness.send_sms("08126666666", "both fail", "f-1")  # id released
    assert status == 200
    for _ in range(4):  # whichever modem is first in turn, a failure moves on to the other
        second.inject("cms-error", code=500, count=1)
        assert harness.send_sms("08126666666", "failover")[0] == 200
    assert len([d for d in first.deliveries if d.text == "failover"]) == 4


def test_unknown_outcome_is_202_and_never_resent(harness):
    first, _ = harness.add_modem()
    second, _ = harness.add_modem()
    harness.broker.store.set("sms.result_timeout_seconds", 5)
    harness.start()
    first.inject("no-result")
    second.inject("no-result")
    status, body, _ = harness.send_sms("08126666666", "maybe sent", "u-1")
    assert (status, body["response_code"]) == (202, "1103")
    time.sleep(0.5)
    assert len(first.log.parts) + len(second.log.parts) == 1
    assert harness.send_sms("08126666666", "maybe sent", "u-1")[0] == 409


def test_four_operator_example_through_the_api(harness):
    """The seed's worked example: operators 1-3 by prefix, operator 4 as the default."""
    op1, _ = harness.add_modem(prefixes=["0871", "0872"])
    op2, _ = harness.add_modem(prefixes=["62835", "62856", "62837"])
    op3, _ = harness.add_modem(prefixes=["0845"])
    op4, _ = harness.add_modem(default_modem=True)
    harness.start()
    table = {
        "087112345678": op1, "087212345678": op1, "083512345678": op2, "085612345678": op2,
        "+6283712345678": op2, "084512345678": op3, "084812345678": op4, "081234567890": op4,
        "6289912345678": op4,
    }  # fmt: skip
    for number, modem in table.items():
        status, body, _ = harness.send_sms(number, f"to {number}")
        assert status == 200, body
        assert f"to {number}" in [d.text for d in modem.wait_for_deliveries(1, timeout=5)] or any(
            d.text == f"to {number}" for d in modem.deliveries
        )
    counts = [len(m.deliveries) for m in (op1, op2, op3, op4)]
    assert counts == [2, 3, 1, 3]


def test_same_prefix_modems_share_the_load_round_robin(harness):
    a, _ = harness.add_modem(prefixes=["0812"])
    b, _ = harness.add_modem(prefixes=["0812"])
    c, _ = harness.add_modem(default_modem=True)
    harness.start()
    for i in range(10):
        assert harness.send_sms("08126666666", f"rr {i}")[0] == 200
    assert (len(a.deliveries), len(b.deliveries), len(c.deliveries)) == (5, 5, 0)


def test_request_and_verify_otp(one_modem):
    h, sim = one_modem
    status, body, _ = h.request(
        "/api/message", {"command": "request-otp", "data": {"msisdn": "08126666666", "id": 9}}
    )
    assert (status, body["response_code"]) == (200, "0000"), body
    token = body["data"]["token"]
    assert body["data"]["expires_in"] == 300
    [delivery] = sim.wait_for_deliveries(1)
    code = re.search(r"\d{6}", delivery.text).group(0)
    assert code not in str(body)

    def verify(otp: str) -> tuple:
        return h.request(
            "/api/message", {"command": "verify-otp", "data": {"token": token, "otp": otp}}
        )

    wrong = "000000" if code != "000000" else "111111"
    status, body, _ = verify(wrong)
    assert (status, body["response_code"], body["data"]["result"]) == (400, "1301", "invalid")
    status, body, _ = verify(code)
    assert (status, body["response_code"], body["data"]["result"]) == (200, "0000", "valid")
    status, body, _ = verify(code)
    assert (status, body["response_code"]) == (404, "1304")


def test_otp_locks_after_too_many_wrong_codes(one_modem):
    h, sim = one_modem
    token = h.request("/api/sms", {"command": "request-otp", "data": {"msisdn": "08126666666"}})[1][
        "data"
    ]["token"]
    code = re.search(r"\d{6}", sim.wait_for_deliveries(1)[0].text).group(0)
    wrong = "000000" if code != "000000" else "111111"
    results = [
        h.request("/api/sms", {"command": "verify-otp", "data": {"token": token, "otp": wrong}})[1][
            "response_code"
        ]
        for _ in range(5)
    ]
    assert results == ["1301"] * 4 + ["1303"]
    right = h.request("/api/sms", {"command": "verify-otp", "data": {"token": token, "otp": code}})
    assert right[0] == 429


def test_metrics_count_outcomes_without_content(one_modem):
    h, _ = one_modem
    h.send_sms("08126666666", "metric otp 5555")
    status, text, headers = h.request("/metrics", method="GET", auth=None)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    modem = h.modem_ids[0]
    assert f'otpbroker_requests_total{{kind="sms",outcome="sent",modem="{modem}"}} 1' in text
    assert f'otpbroker_modem_up{{modem="{modem}"}} 1' in text
    assert "5555" not in text and "628126666666" not in text


def test_dedup_window_zero_switches_de_duplication_off(one_modem):
    h, sim = one_modem
    h.broker.store.set("sms.dedup_window_seconds", 0)
    assert h.send_sms("08126666666", "twice", "same-id")[0] == 200
    assert h.send_sms("08126666666", "twice", "same-id")[0] == 200
    assert [d.text for d in sim.wait_for_deliveries(2)] == ["twice", "twice"]
    h.broker.store.set("sms.dedup_window_seconds", 600)
    assert h.send_sms("08126666666", "once", "other-id")[0] == 200
    assert h.send_sms("08126666666", "once", "other-id")[0] == 409


def test_request_otp_with_a_bad_number_is_400_and_issues_nothing(one_modem):
    h, _ = one_modem
    for msisdn in ("", "abc", "0812"):
        status, body, _ = h.request(
            "/api/sms", {"command": "request-otp", "data": {"msisdn": msisdn}}
        )
        assert (status, body["response_code"]) == (400, "1202"), body
    assert len(h.broker.otp._current_book()) == 0


def test_other_methods_on_read_only_endpoints_are_405(one_modem):
    h, _ = one_modem
    for path in ("/metrics", "/api/openapi.json"):
        for method in ("POST", "DELETE", "TRACE"):
            status, body, headers = h.request(path, {}, method=method)
            assert (status, body["response_code"], headers["Allow"]) == (405, "1212", "GET")
    status, body, headers = h.request("/api/sms", None, method="TRACE")
    assert (status, headers["Allow"]) == (405, "POST, PUT")
    assert h.request("/nope", None, method="TRACE")[0] == 404


def test_sms_log_level_setting_applies_to_the_sms_path(one_modem):
    import logging

    h, _ = one_modem
    h.broker.store.set("sms.log_level", "ERROR")
    h.broker.reconciler.apply()
    assert logging.getLogger("otpbroker.modem").level == logging.ERROR
    h.broker.store.set("sms.log_level", "DEBUG")
    h.broker.reconciler.apply()
    assert logging.getLogger("otpbroker.services.sms").level == logging.DEBUG
    logging.getLogger("otpbroker.modem").setLevel(logging.NOTSET)
    logging.getLogger("otpbroker.services.sms").setLevel(logging.NOTSET)
    logging.getLogger("otpbroker.feeders").setLevel(logging.NOTSET)
