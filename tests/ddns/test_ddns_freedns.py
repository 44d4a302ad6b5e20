"""FreeDNS (afraid.org) update-token client against a loopback fake."""

from __future__ import annotations

import socket

import pytest
from ddns_fakes import FreeDnsFake, text

from otpbroker.ddns.freedns import FreeDns
from otpbroker.domain.ddns import Outcome

ADDRESS = "203.0.113.7"


@pytest.fixture
def fake():
    with FreeDnsFake(tokens={"tok3n": ["home.mooo.com"]}) as server:
        yield server


def test_first_update_and_the_exact_request(fake, client) -> None:
    result = FreeDns("tok3n", client, fake.url).update({"name": "home.mooo.com"}, ADDRESS)
    assert result.outcome is Outcome.UPDATED
    assert result.answer.startswith(f"Updated 1 host(s) home.mooo.com to {ADDRESS}")
    [seen] = fake.requests
    assert (seen.method, seen.path, seen.query) == ("GET", "/u/tok3n/", {"myip": ADDRESS})
    assert seen.headers["user-agent"] == "OTP-Broker/9.9 ops@example.com"
    assert "authorization" not in seen.headers


def test_no_change_then_change(fake, client) -> None:
    freedns = FreeDns("tok3n", client, fake.url)
    freedns.update({"name": "home.mooo.com"}, ADDRESS)
    again = freedns.update({"name": "home.mooo.com"}, ADDRESS)
    assert again.outcome is Outcome.UNCHANGED
    assert again.answer.startswith("No IP change detected")
    assert freedns.update({"name": "home.mooo.com"}, "198.51.100.3").outcome is Outcome.UPDATED
    assert fake.addresses["home.mooo.com"] == "198.51.100.3"


def test_an_unknown_token_is_fatal(fake, client) -> None:
    result = FreeDns("gone", client, fake.url).update({"name": "home.mooo.com"}, ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer.startswith("ERROR: Unable to locate this record")


def test_the_v1_has_not_changed_answer_is_unchanged(fake, client) -> None:
    fake.script.append(text(200, f"ERROR: Address {ADDRESS} has not changed."))
    result = FreeDns("tok3n", client, fake.url).update({"name": "home.mooo.com"}, ADDRESS)
    assert result.outcome is Outcome.UNCHANGED


def test_other_errors_and_rate_limits_are_retried(fake, client) -> None:
    fake.script.append(text(200, "ERROR: database busy, try again"))
    fake.script.append(text(429, "Too many requests", **{"Retry-After": "300"}))
    freedns = FreeDns("tok3n", client, fake.url)
    busy = freedns.update({"name": "home.mooo.com"}, ADDRESS)
    assert (busy.outcome, busy.retry_after) == (Outcome.RETRY, 600.0)
    limited = freedns.update({"name": "home.mooo.com"}, ADDRESS)
    assert (limited.outcome, limited.retry_after) == (Outcome.RETRY, 300.0)
    assert "HTTP 429" in limited.answer


def test_a_network_failure_is_retried_without_showing_the_token(client) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = FreeDns("s3cret-token", client, f"http://127.0.0.1:{port}").update({}, ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert "s3cret-token" not in result.answer
