"""The stdlib DNS client against a loopback fake DNS server (UDP and TCP)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from dns_fake import FakeDnsServer, Zone

from otpbroker.mail.dns import (
    TYPE_MX,
    DnsError,
    DnsResolver,
    MalformedAnswer,
    Resolver,
    build_query,
    parse_response,
    read_name,
    read_nameservers,
)

ZONE = Zone(
    records={
        "example.test": {
            "MX": [
                (20, "mx2.example.test"),
                (10, "mx1.example.test"),
                (30, "backup.mx1.example.test"),  # a pointer to a name ending in a pointer
                (15, "mail.other.test"),
            ]
        },
        "alias.test": {"CNAME": ["example.test"]},
        "nomx.test": {"A": ["192.0.2.7"]},
        "v6only.test": {"AAAA": ["2001:db8::7"]},
        "nothing.test": {},
        "nullmx.test": {"MX": [(0, ".")]},
        "big.test": {"MX": [(10, "mx.big.test")]},
        "forged.test": {"MX": [(10, "mx.forged.test")]},
    },
    truncate={"big.test"},
    wrong_id_first={"forged.test"},
    servfail={"broken.test"},
)


@pytest.fixture(scope="module")
def dns_server() -> Iterator[FakeDnsServer]:
    server = FakeDnsServer(ZONE)
    yield server
    server.stop()


@pytest.fixture
def resolver(dns_server: FakeDnsServer) -> DnsResolver:
    return DnsResolver(["127.0.0.1"], port=dns_server.port, timeout=1.0, attempts=1)


def test_mx_answers_with_compression_sorted(resolver: DnsResolver) -> None:
    assert isinstance(resolver, Resolver)
    assert resolver.mx("Example.TEST") == [
        (10, "mx1.example.test"),
        (15, "mail.other.test"),
        (20, "mx2.example.test"),
        (30, "backup.mx1.example.test"),
    ]


def test_mx_through_a_cname(resolver: DnsResolver) -> None:
    assert resolver.mx("alias.test")[0] == (10, "mx1.example.test")


def test_nxdomain_is_permanent(resolver: DnsResolver) -> None:
    with pytest.raises(DnsError) as caught:
        resolver.mx("missing.test")
    assert caught.value.permanent
    assert caught.value.reason == "the domain missing.test does not exist (NXDOMAIN)"


def test_no_mx_falls_back_to_the_address_record(resolver: DnsResolver) -> None:
    assert resolver.mx("nomx.test") == [(0, "nomx.test")]
    assert resolver.mx("v6only.test") == [(0, "v6only.test")]


def test_no_mx_and_no_address(resolver: DnsResolver) -> None:
    with pytest.raises(DnsError, match=r"nothing\.test has neither an MX nor an address record"):
        resolver.mx("nothing.test")


def test_null_mx(resolver: DnsResolver) -> None:
    with pytest.raises(DnsError) as caught:
        resolver.mx("nullmx.test")
    assert caught.value.permanent and "null MX" in caught.value.reason


def test_truncated_answer_is_asked_again_over_tcp(
    resolver: DnsResolver, dns_server: FakeDnsServer
) -> None:
    before = len(dns_server.queries)
    assert resolver.mx("big.test") == [(10, "mx.big.test")]
    assert [kind for kind, _ in dns_server.queries[before:]] == ["udp", "tcp"]


def test_answer_with_another_id_is_ignored(resolver: DnsResolver) -> None:
    assert resolver.mx("forged.test") == [(10, "mx.forged.test")]


def test_servfail_is_temporary(resolver: DnsResolver) -> None:
    with pytest.raises(DnsError) as caught:
        resolver.mx("broken.test")
    assert not caught.value.permanent
    assert (
        caught.value.reason
        == "no name server answered for broken.test: 127.0.0.1: answered SERVFAIL"
    )


def test_silent_server_times_out(dns_server: FakeDnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        resolver = DnsResolver(["127.0.0.1"], port=port, timeout=0.2, attempts=2)
        with pytest.raises(DnsError) as caught:
            resolver.mx("example.test")
    assert not caught.value.permanent
    assert caught.value.reason == (
        "no name server answered for example.test: 127.0.0.1: no answer within 0.2 s"
    )


def test_second_nameserver_is_asked(dns_server: FakeDnsServer) -> None:
    # 127.0.0.2 has nothing on that port (ICMP refused), so the next server answers.
    resolver = DnsResolver(["127.0.0.2", "127.0.0.1"], port=dns_server.port, timeout=0.5)
    assert resolver.mx("nomx.test") == [(0, "nomx.test")]


def test_nameservers_from_resolv_conf(tmp_path: Path, dns_server: FakeDnsServer) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text(
        "# generated\nsearch lan\nnameserver 127.0.0.1 ; local dnsmasq\n"
        "nameserver ::1\nnameserver 127.0.0.1\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n"
        "options timeout:2\n"
    )
    assert read_nameservers(conf) == ["127.0.0.1", "::1", "10.0.0.1"]
    assert read_nameservers(tmp_path / "missing") == ["127.0.0.1"]
    resolver = DnsResolver(port=dns_server.port, timeout=0.5, resolv_conf=conf)
    assert resolver.nameservers == ["127.0.0.1", "::1", "10.0.0.1"]
    assert resolver.mx("nomx.test") == [(0, "nomx.test")]


def test_query_wire_format() -> None:
    query = build_query(0x1234, "mx1.Example.test", TYPE_MX)
    assert query == (
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
        b"\x03mx1\x07Example\x04test\x00\x00\x0f\x00\x01"
    )
    with pytest.raises(DnsError):
        build_query(1, "a" * 64 + ".test", TYPE_MX)


def test_parser_refuses_bad_pointers() -> None:
    header = struct.pack("!HHHHHH", 1, 0x8180, 1, 0, 0, 0)
    looping = header + b"\xc0\x0c\x00\x0f\x00\x01"  # the name points at itself
    with pytest.raises(MalformedAnswer, match="does not point backwards"):
        parse_response(looping)
    with pytest.raises(MalformedAnswer, match="past the end"):
        read_name(header + b"\x05ab", 12)
    with pytest.raises(MalformedAnswer, match="shorter than a DNS header"):
        parse_response(b"\x00\x01")
    name, end = read_name(header + b"\x03abc\x00\x03www\xc0\x0c", 17)
    assert (name, end) == ("www.abc", 23)
