"""Fuzz the REST API: arbitrary JSON and bytes never cause a 5xx, a crash or a lost message."""

from __future__ import annotations

import json

import pytest
from broker_harness import BrokerHarness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
COMMANDS = st.sampled_from(
    [
        "send-sms",
        "send-mail",
        "block-msisdn",
        "unblock-msisdn",
        "request-otp",
        "verify-otp",
        "x",
        "",
    ]
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "msisdn": st.one_of(st.from_regex(r"(\+62|0|62)8[0-9]{8,11}", fullmatch=True), JSON),
        "message": st.one_of(st.text(max_size=200), JSON),
        "id": st.one_of(st.integers(), st.text(max_size=20), JSON),
        "token": st.text(max_size=40),
        "otp": st.text(max_size=12),
        "recipient": st.text(max_size=30),
    },
)
COMMAND_BODIES = st.fixed_dictionaries({"command": COMMANDS, "data": st.one_of(FIELDS, JSON)})


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = BrokerHarness(tmp_path_factory.mktemp("fuzz") / "data")
    h.add_user()
    h.add_modem()
    h.start()
    yield h
    h.stop()


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(body=st.one_of(COMMAND_BODIES, JSON))
def test_any_json_gets_a_documented_json_answer(harness, body):
    status, reply, _ = harness.request("/api/message", body)
    assert status < 500 or status in (502, 503), reply
    assert isinstance(reply, dict) and set(reply) >= {"command", "response_code", "response_text"}
    assert len(reply["response_code"]) == 4


@FUZZ
@given(raw=st.binary(max_size=300), path=st.sampled_from(["/api/sms", "/api/block", "/api/x"]))
def test_any_bytes_get_a_json_answer(harness, raw, path):
    status, reply, _ = harness.request(path, raw=raw)
    assert 400 <= status < 500 or status == 200, reply
    assert isinstance(reply, dict) and "response_code" in reply


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip()),
       number=st.from_regex(r"08[1-9][0-9]{8,10}", fullmatch=True))  # fmt: skip
def test_every_accepted_message_is_delivered_exactly_once(harness, text, number):
    sim = harness.sims[0]
    before = len(sim.deliveries)
    harness.request("/api/unblock", {"command": "unblock-msisdn", "data": {"msisdn": number}})
    status, reply, _ = harness.send_sms(number, text)
    if status == 200:
        delivered = sim.wait_for_deliveries(before + 1)
        assert delivered[-1].text == text and delivered[-1].to == "+62" + number[1:]
    else:  # only an over-long text may be refused, and then nothing is sent
        assert reply["response_code"] == "1204", json.dumps(reply)
        assert len(sim.deliveries) == before
