"""No-IP and Dynu (dyndns2 protocol) against a loopback fake: every documented answer."""

from __future__ import annotations

import base64
import socket

import pytest
from ddns_fakes import DynDns2Fake, text

from otpbroker.ddns.dynu import dynu
from otpbroker.ddns.noip import noip
from otpbroker.ddns.web_client import WebClient
from otpbroker.domain.ddns import Outcome

HOST = "home.example.com"
ADDRESS = "203.0.113.7"
AUTH = "Basic " + base64.b64encode(b"me@example.com:p@ss:word").decode()


@pytest.fixture
def fake():
    with DynDns2Fake(users={"me@example.com": "p@ss:word"}, hosts={HOST: "198.51.100.1"}) as f:
        yield f


@pytest.fixture(params=["noip", "dynu"])
def provider(request, fake, client):
    build = noip if request.param == "noip" else dynu
    return build("me@example.com", "p@ss:word", client, fake.url)


def test_first_update_sends_the_exact_request(provider, fake) -> None:
    result = provider.update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.UPDATED
    assert result.answer == f"good {ADDRESS}: updated"
    [seen] = fake.requests
    assert (seen.method, seen.path) == ("GET", "/nic/update")
    assert seen.query == {"hostname": HOST, "myip": ADDRESS}
    assert seen.headers["authorization"] == AUTH
    assert seen.headers["user-agent"] == "OTP-Broker/9.9 ops@example.com"
    assert seen.body == b""
    assert fake.hosts[HOST] == ADDRESS


def test_no_change_is_a_success_without_change(provider, fake) -> None:
    fake.hosts[HOST] = ADDRESS
    result = provider.update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.UNCHANGED
    assert result.answer.startswith(f"nochg {ADDRESS}")


def test_change_then_no_change(provider, fake) -> None:
    assert provider.update({"name": HOST}, ADDRESS).outcome is Outcome.UPDATED
    assert provider.update({"name": HOST}, "198.51.100.99").outcome is Outcome.UPDATED
    assert fake.hosts[HOST] == "198.51.100.99"


def test_wrong_password_is_badauth_and_fatal(fake, client) -> None:
    result = noip("me@example.com", "wrong", client, fake.url).update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer == "badauth: wrong user name or password"


def test_unknown_host_is_nohost_and_fatal(provider) -> None:
    result = provider.update({"name": "other.example.com"}, ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer.startswith("nohost: the host name does not exist")


def test_a_missing_user_agent_is_badagent(fake) -> None:
    bare = WebClient("curl/8.0", timeout=5.0)
    result = noip("me@example.com", "p@ss:word", bare, fake.url).update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer.startswith("badagent:")


NOIP_ANSWERS = {
    "!donator": Outcome.FATAL,
    "abuse": Outcome.FATAL,
    "badagent": Outcome.FATAL,
    "nohost": Outcome.FATAL,
    "badauth": Outcome.FATAL,
}


@pytest.mark.parametrize("code", sorted(NOIP_ANSWERS))
def test_noip_fatal_answers_stop(code, fake, client) -> None:
    fake.script.append(text(200, code))
    result = noip("me@example.com", "p@ss:word", client, fake.url).update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer.startswith(f"{code}: ")
    assert result.retry_after is None


def test_noip_911_backs_off_thirty_minutes(fake, client) -> None:
    fake.script.append(text(200, "911"))
    result = noip("me@example.com", "p@ss:word", client, fake.url).update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert result.retry_after == 1800.0
    assert fake.hosts[HOST] == "198.51.100.1"


@pytest.mark.parametrize(
    ("code", "outcome"),
    [("notfqdn", Outcome.FATAL), ("numhost", Outcome.FATAL), ("abuse", Outcome.FATAL),
     ("unknown", Outcome.FATAL), ("servererror", Outcome.RETRY), ("dnserr", Outcome.RETRY),
     ("911", Outcome.RETRY)],
)  # fmt: skip
def test_dynu_answers(code, outcome, fake, client) -> None:
    fake.script.append(text(200, code))
    result = dynu("me@example.com", "p@ss:word", client, fake.url).update({"name": HOST}, ADDRESS)
    assert result.outcome is outcome
    assert result.answer.startswith(f"{code}: ")


def test_an_unexpected_page_is_retried_later(provider, fake) -> None:
    fake.script.append(text(503, "<html>Service Unavailable</html>", **{"Retry-After": "90"}))
    result = provider.update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert result.retry_after == 90.0
    assert "HTTP 503" in result.answer


def test_a_network_failure_is_retried(client) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = noip("u", "p", client, f"http://127.0.0.1:{port}").update({"name": HOST}, ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert "failed" in result.answer and "p@ss" not in result.answer
