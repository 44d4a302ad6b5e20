"""Finding the public IPv4 address: web services with fallback, or an interface."""

from __future__ import annotations

import socket

import pytest
from ddns_fakes import WhatIsMyIpFake, text

from otpbroker.ddns.public_ip import PublicAddressFinder, interface_address, usable_public


def closed_port_url() -> str:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{unused.getsockname()[1]}/"


def test_the_first_answering_service_wins(client) -> None:
    with WhatIsMyIpFake() as first, WhatIsMyIpFake(address="198.51.100.9") as second:
        finder = PublicAddressFinder(client, [first.url + "/ip", second.url])
        assert finder.find() == "203.0.113.7"
        assert [(s.method, s.path) for s in first.requests] == [("GET", "/ip")]
        assert first.requests[0].headers["user-agent"] == "OTP-Broker/9.9 ops@example.com"
        assert not second.requests


def test_falls_back_past_dead_broken_and_private_answers(client) -> None:
    with (
        WhatIsMyIpFake(address="192.168.1.5") as private,
        WhatIsMyIpFake() as good,
        WhatIsMyIpFake() as broken,
    ):
        broken.script.append(text(500, "oops"))
        services = [closed_port_url(), broken.url, private.url, good.url]
        assert PublicAddressFinder(client, services).find() == "203.0.113.7"


def test_no_usable_answer_says_what_each_service_did(client) -> None:
    with WhatIsMyIpFake(address="<html>") as garbage, pytest.raises(LookupError) as caught:
        PublicAddressFinder(client, [garbage.url]).find()
    assert "not an IPv4 address: '<html>'" in str(caught.value)
    with pytest.raises(LookupError, match="no 'what is my IP' service"):
        PublicAddressFinder(client, []).find()


def test_usable_public_rules() -> None:
    assert usable_public("203.0.113.7") is None
    assert usable_public("10.1.2.3") == "10.1.2.3 is a private address"
    assert usable_public("127.0.0.1") == "127.0.0.1 is not a public address"
    assert usable_public("::1").startswith("not an IPv4 address")


def test_interface_source_reads_the_kernel(client) -> None:
    assert interface_address("lo") == "127.0.0.1"
    assert PublicAddressFinder(client, [], source="lo").find() == "127.0.0.1"
    with pytest.raises(LookupError, match="interface nosuch0 has no IPv4 address"):
        interface_address("nosuch0")
