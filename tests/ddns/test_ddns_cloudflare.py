"""Cloudflare API v4 client against a loopback fake: zones, records, errors, rate limits."""

from __future__ import annotations

import json
import socket

import pytest
from ddns_fakes import CloudflareFake, envelope

from otpbroker.ddns.cloudflare import Cloudflare, candidate_zones
from otpbroker.domain.ddns import Outcome

ADDRESS = "203.0.113.7"
NEW_ADDRESS = "198.51.100.20"


@pytest.fixture
def fake():
    with CloudflareFake(zones={"zb": "b.example.com", "ze": "example.com"}) as server:
        yield server


def record(name: str = "a.b.example.com", **extra) -> dict:
    return {"name": name, "proxied": False, "ttl": 1, **extra}


def paths(fake: CloudflareFake) -> list[tuple[str, str, dict]]:
    return [(seen.method, seen.path, seen.query) for seen in fake.requests]


def test_candidate_zones_are_longest_first() -> None:
    assert candidate_zones("a.b.example.com") == ["a.b.example.com", "b.example.com",
                                                  "example.com"]  # fmt: skip
    assert candidate_zones("Example.COM.") == ["example.com"]


def test_first_update_creates_the_record_in_the_longest_zone(fake, client) -> None:
    result = Cloudflare("cf-token-1", client, fake.base).update(record(ttl=300), ADDRESS)
    assert result.outcome is Outcome.UPDATED
    assert "b.example.com" in result.answer
    assert paths(fake) == [
        ("GET", "/client/v4/zones", {"name": "a.b.example.com"}),
        ("GET", "/client/v4/zones", {"name": "b.example.com"}),
        ("GET", "/client/v4/zones/zb/dns_records", {"type": "A", "name": "a.b.example.com"}),
        ("POST", "/client/v4/zones/zb/dns_records", {}),
    ]
    post = fake.requests[-1]
    assert json.loads(post.body) == {"type": "A", "name": "a.b.example.com",
                                     "content": ADDRESS, "ttl": 300, "proxied": False}  # fmt: skip
    for seen in fake.requests:
        assert seen.headers["authorization"] == "Bearer cf-token-1"
        assert seen.headers["user-agent"] == "OTP-Broker/9.9 ops@example.com"
        assert seen.headers["accept"] == "application/json"
    assert post.headers["content-type"] == "application/json"
    assert "content-type" not in fake.requests[0].headers
    [created] = fake.records.values()
    assert created["zone_id"] == "zb" and created["content"] == ADDRESS


def test_a_name_only_the_parent_zone_holds_goes_there(fake, client) -> None:
    result = Cloudflare("cf-token-1", client, fake.base).update(record("c.example.com"), ADDRESS)
    assert result.outcome is Outcome.UPDATED
    assert [q for _m, _p, q in paths(fake)][:2] == [{"name": "c.example.com"},
                                                   {"name": "example.com"}]  # fmt: skip
    assert fake.requests[2].path == "/client/v4/zones/ze/dns_records"


def test_no_change_writes_nothing(fake, client) -> None:
    fake.add_record("zb", "a.b.example.com", ADDRESS)
    result = Cloudflare("cf-token-1", client, fake.base).update(record(), ADDRESS)
    assert result.outcome is Outcome.UNCHANGED
    assert [m for m, _p, _q in paths(fake)] == ["GET", "GET", "GET"]


def test_change_patches_the_existing_record(fake, client) -> None:
    record_id = fake.add_record("zb", "a.b.example.com", ADDRESS)
    result = Cloudflare("cf-token-1", client, fake.base).update(record(proxied=True), NEW_ADDRESS)
    assert result.outcome is Outcome.UPDATED
    patch = fake.requests[-1]
    assert (patch.method, patch.path) == ("PATCH", f"/client/v4/zones/zb/dns_records/{record_id}")
    assert json.loads(patch.body) == {"content": NEW_ADDRESS, "ttl": 1, "proxied": True}
    assert fake.records[record_id]["content"] == NEW_ADDRESS
    assert fake.records[record_id]["proxied"] is True


def test_unproxying_is_a_change_even_with_the_same_address(fake, client) -> None:
    record_id = fake.add_record("zb", "a.b.example.com", ADDRESS, proxied=True)
    result = Cloudflare("cf-token-1", client, fake.base).update(record(), ADDRESS)
    assert result.outcome is Outcome.UPDATED
    assert fake.records[record_id]["proxied"] is False


def test_no_zone_is_fatal(fake, client) -> None:
    result = Cloudflare("cf-token-1", client, fake.base).update(record("x.other.org"), ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer == "no zone of this token contains x.other.org"
    assert len(fake.requests) == 2


def test_a_refused_token_is_fatal_with_cloudflares_words(fake, client) -> None:
    result = Cloudflare("wrong", client, fake.base).update(record(), ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert result.answer == "the API token is refused (HTTP 403): 9109: Invalid access token"
    assert len(fake.requests) == 1


def test_an_invalid_ttl_is_fatal(fake, client) -> None:
    result = Cloudflare("cf-token-1", client, fake.base).update(record(ttl=45), ADDRESS)
    assert result.outcome is Outcome.FATAL
    assert "9021: Invalid TTL" in result.answer
    assert not fake.records


def test_rate_limit_waits_as_long_as_cloudflare_says(fake, client) -> None:
    status, headers, body = envelope(429, errors=[{"code": 10000, "message": "Rate limited"}])
    fake.script.append((status, {**headers, "Retry-After": "120"}, body))
    result = Cloudflare("cf-token-1", client, fake.base).update(record(), ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert result.retry_after == 120.0
    assert "rate limited (HTTP 429) on GET /zones" in result.answer
    assert len(fake.requests) == 1 and not fake.records


def test_a_server_error_is_retried(fake, client) -> None:
    fake.script.append(envelope(502, errors=[{"code": 1000, "message": "bad gateway"}]))
    result = Cloudflare("cf-token-1", client, fake.base).update(record(), ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert result.answer == "HTTP 502 on GET /zones: 1000: bad gateway"


def test_a_network_failure_is_retried(client) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = Cloudflare("t", client, f"http://127.0.0.1:{port}/client/v4").update(record(), ADDRESS)
    assert result.outcome is Outcome.RETRY
    assert result.answer.startswith(f"GET 127.0.0.1:{port} failed:")
    assert "refused" in result.answer.lower()
