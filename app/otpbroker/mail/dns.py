"""A minimal DNS client (UDP, TCP on truncation) that finds the mail servers of a domain.

Only the standard library: queries are built and answers parsed with ``struct`` (names
with compression pointers included). The name servers come from /etc/resolv.conf. An
answer is accepted only from the server asked, with the query's id and question.

:meth:`DnsResolver.mx` follows RFC 5321 section 5.1: the MX hosts by preference (equal
preferences in random order); no MX record but an address record -> the domain itself
(implicit MX); a null MX (RFC 7505) or a domain that does not exist -> a permanent error.
"""

from __future__ import annotations

import random
import secrets
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

TYPE_A = 1
TYPE_CNAME = 5
TYPE_MX = 15
TYPE_AAAA = 28
CLASS_IN = 1

RCODE_OK = 0
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_NAMES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
_MAX_UDP = 4096
_MAX_NAME = 255

RESOLV_CONF = "/etc/resolv.conf"


class DnsError(Exception):
    """A lookup failed. ``permanent``: the domain does not exist or accepts no mail."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        """Record a precise reason."""
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MalformedAnswer(DnsError):
    """An answer that cannot be parsed."""


@runtime_checkable
class Resolver(Protocol):
    """Finds the mail servers of a domain (tests inject a fake)."""

    def mx(self, domain: str) -> list[tuple[int, str]]:
        """``[(preference, host)]`` in the order to try; DnsError when there is none."""
        ...


@dataclass(frozen=True)
class Record:
    """One resource record; ``rdata_offset`` points into the whole message (compression)."""

    name: str
    rtype: int
    rclass: int
    ttl: int
    rdata_offset: int
    rdata_length: int


@dataclass(frozen=True)
class Response:
    """A parsed DNS answer."""

    ident: int
    flags: int
    questions: list[tuple[str, int, int]]
    answers: list[Record]
    message: bytes

    @property
    def rcode(self) -> int:
        """The response code (0 = no error, 3 = NXDOMAIN)."""
        return self.flags & 0x000F

    @property
    def truncated(self) -> bool:
        """The TC bit: the answer did not fit into the UDP datagram."""
        return bool(self.flags & 0x0200)

    @property
    def is_response(self) -> bool:
        """The QR bit."""
        return bool(self.flags & 0x8000)


def read_nameservers(path: str | Path = RESOLV_CONF) -> list[str]:
    """The ``nameserver`` addresses of resolv.conf (at most 3, as glibc); 127.0.0.1 if none."""
    servers: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver" and words[1] not in servers:
            servers.append(words[1])
    return servers[:3] or ["127.0.0.1"]


def encode_name(name: str) -> bytes:
    """The wire form of a domain name (ASCII labels, 1-63 octets each)."""
    name = name.rstrip(".")
    if not name:
        return b"\x00"
    out = bytearray()
    for label in name.split("."):
        try:
            raw = label.encode("ascii")
        except UnicodeEncodeError:
            raise DnsError(f"the name {name!r} is not ASCII", permanent=True) from None
        if not 1 <= len(raw) <= 63:
            raise DnsError(f"the name {name!r} has an empty or over-long label", permanent=True)
        out += bytes([len(raw)]) + raw
    out += b"\x00"
    if len(out) > _MAX_NAME:
        raise DnsError(f"the name {name!r} is longer than 255 octets", permanent=True)
    return bytes(out)


def build_query(ident: int, name: str, qtype: int) -> bytes:
    """A standard query with recursion desired for ``name`` / ``qtype`` / IN."""
    header = _HEADER.pack(ident, 0x0100, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", qtype, CLASS_IN)


def read_name(message: bytes, offset: int) -> tuple[str, int]:
    """Read a possibly compressed name at ``offset``; returns (name, offset after it).

    Compression pointers must point backwards (so a loop is impossible), and the name
    may not exceed 255 octets.
    """
    labels: list[str] = []
    end: int | None = None
    position = offset
    length_total = 0
    while True:
        if position >= len(message):
            raise MalformedAnswer("a name runs past the end of the answer")
        length = message[position]
        if length & 0xC0 == 0xC0:
            if position + 1 >= len(message):
                raise MalformedAnswer("a compression pointer is cut off")
            target = ((length & 0x3F) << 8) | message[position + 1]
            if target >= position:
                raise MalformedAnswer("a compression pointer does not point backwards")
            if end is None:
                end = position + 2
            position = target
            continue
        if length & 0xC0:
            raise MalformedAnswer(f"unsupported label type 0x{length & 0xC0:02x}")
        position += 1
        if length == 0:
            break
        label = message[position : position + length]
        if len(label) != length:
            raise MalformedAnswer("a label runs past the end of the answer")
        length_total += length + 1
        if length_total > _MAX_NAME:
            raise MalformedAnswer("a name is longer than 255 octets")
        try:
            labels.append(label.decode("ascii"))
        except UnicodeDecodeError:
            raise MalformedAnswer("a name has non-ASCII octets") from None
        position += length
    return ".".join(labels).lower(), (end if end is not None else position)


def parse_response(message: bytes) -> Response:
    """Parse header, questions and the answer section (authority/additional are skipped)."""
    if len(message) < _HEADER.size:
        raise MalformedAnswer("the answer is shorter than a DNS header")
    ident, flags, qdcount, ancount, _nscount, _arcount = _HEADER.unpack_from(message)
    offset = _HEADER.size
    questions: list[tuple[str, int, int]] = []
    for _ in range(qdcount):
        name, offset = read_name(message, offset)
        if offset + 4 > len(message):
            raise MalformedAnswer("a question is cut off")
        qtype, qclass = struct.unpack_from("!HH", message, offset)
        offset += 4
        questions.append((name, qtype, qclass))
    answers: list[Record] = []
    for _ in range(ancount):
        name, offset = read_name(message, offset)
        if offset + _RR_FIXED.size > len(message):
            raise MalformedAnswer("a record is cut off")
        rtype, rclass, ttl, rdlength = _RR_FIXED.unpack_from(message, offset)
        offset += _RR_FIXED.size
        if offset + rdlength > len(message):
            raise MalformedAnswer("record data runs past the end of the answer")
        answers.append(Record(name, rtype, rclass, ttl, offset, rdlength))
        offset += rdlength
    return Response(ident, flags, questions, answers, message)


def parse_mx(response: Response, record: Record) -> tuple[int, str]:
    """``(preference, exchange)`` of an MX record (exchange ``""`` is the null MX)."""
    if record.rdata_length < 3:
        raise MalformedAnswer("an MX record is too short")
    (preference,) = struct.unpack_from("!H", response.message, record.rdata_offset)
    exchange, end = read_name(response.message, record.rdata_offset + 2)
    if end > record.rdata_offset + record.rdata_length:
        raise MalformedAnswer("an MX exchange runs past its record")
    return preference, exchange


def parse_cname(response: Response, record: Record) -> str:
    """The target of a CNAME record."""
    return read_name(response.message, record.rdata_offset)[0]


class DnsResolver:
    """Asks the configured name servers; implements :class:`Resolver`."""

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        *,
        port: int = 53,
        timeout: float = 2.0,
        attempts: int = 2,
        resolv_conf: str | Path = RESOLV_CONF,
    ) -> None:
        """``nameservers`` default to those of ``resolv_conf``, read at each lookup."""
        self._nameservers = list(nameservers) if nameservers is not None else None
        self._resolv_conf = resolv_conf
        self.port = port
        self.timeout = timeout
        self.attempts = max(1, attempts)

    @property
    def nameservers(self) -> list[str]:
        """The servers asked, in order."""
        if self._nameservers is not None:
            return list(self._nameservers)
        return read_nameservers(self._resolv_conf)

    def _address(
        self, server: str, kind: socket.SocketKind
    ) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
        infos = socket.getaddrinfo(server, self.port, 0, kind, 0, socket.AI_NUMERICHOST)
        family, _, _, _, sockaddr = infos[0]
        return family, sockaddr

    @staticmethod
    def _matches(response: Response, ident: int, name: str, qtype: int) -> bool:
        return (
            response.is_response
            and response.ident == ident
            and len(response.questions) == 1
            and response.questions[0][0] == name.lower()
            and response.questions[0][1] == qtype
        )

    def _udp(self, server: str, query: bytes, ident: int, name: str, qtype: int) -> Response:
        family, sockaddr = self._address(server, socket.SOCK_DGRAM)
        deadline = time.monotonic() + self.timeout
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(sockaddr)  # the kernel drops datagrams from any other source
            sock.send(query)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)
                data = sock.recv(_MAX_UDP)
                try:
                    response = parse_response(data)
                except MalformedAnswer:
                    continue  # not ours, or garbage: keep waiting for the real answer
                if self._matches(response, ident, name, qtype):
                    return response

    def _tcp(self, server: str, query: bytes, ident: int, name: str, qtype: int) -> Response:
        _family, sockaddr = self._address(server, socket.SOCK_STREAM)
        with socket.create_connection(sockaddr[:2], timeout=self.timeout) as sock:
            sock.sendall(struct.pack("!H", len(query)) + query)
            (length,) = struct.unpack("!H", self._read_exactly(sock, 2))
            response = parse_response(self._read_exactly(sock, length))
        if not self._matches(response, ident, name, qtype):
            raise MalformedAnswer("the TCP answer does not match the question")
        return response

    @staticmethod
    def _read_exactly(sock: socket.socket, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise MalformedAnswer("the server closed the TCP connection mid-answer")
            data += chunk
        return bytes(data)

    def query(self, name: str, qtype: int) -> Response:
        """Ask each server in turn until one answers NOERROR or NXDOMAIN."""
        failures: list[str] = []
        servers = self.nameservers
        for _attempt in range(self.attempts):
            for server in servers:
                ident = secrets.randbits(16)
                query = build_query(ident, name, qtype)
                try:
                    response = self._udp(server, query, ident, name, qtype)
                    if response.truncated:
                        response = self._tcp(server, query, ident, name, qtype)
                except TimeoutError:
                    failures.append(f"{server}: no answer within {self.timeout:g} s")
                    continue
                except MalformedAnswer as exc:
                    failures.append(f"{server}: {exc.reason}")
                    continue
                except OSError as exc:
                    failures.append(f"{server}: {exc.strerror or type(exc).__name__}")
                    continue
                if response.rcode in (RCODE_OK, RCODE_NXDOMAIN):
                    return response
                rcode = RCODE_NAMES.get(response.rcode, str(response.rcode))
                failures.append(f"{server}: answered {rcode}")
        unique = list(dict.fromkeys(failures))
        raise DnsError(f"no name server answered for {name}: {'; '.join(unique)}")

    def mx(self, domain: str) -> list[tuple[int, str]]:
        """The mail servers of ``domain`` in the order to try (see the module docstring)."""
        domain = domain.rstrip(".").lower()
        response = self.query(domain, TYPE_MX)
        if response.rcode == RCODE_NXDOMAIN:
            raise DnsError(f"the domain {domain} does not exist (NXDOMAIN)", permanent=True)
        owners = {domain}
        for record in response.answers:  # CNAME chains come in order
            if record.rtype == TYPE_CNAME and record.name in owners:
                owners.add(parse_cname(response, record))
        found = [
            parse_mx(response, record)
            for record in response.answers
            if record.rtype == TYPE_MX and record.rclass == CLASS_IN and record.name in owners
        ]
        if found:
            hosts = [(preference, host) for preference, host in found if host]
            if not hosts:
                raise DnsError(f"{domain} accepts no mail (null MX, RFC 7505)", permanent=True)
            return sorted(hosts, key=lambda item: (item[0], random.random()))
        for qtype in (TYPE_A, TYPE_AAAA):
            response = self.query(domain, qtype)
            if response.rcode == RCODE_NXDOMAIN:
                raise DnsError(f"the domain {domain} does not exist (NXDOMAIN)", permanent=True)
            if any(record.rtype == qtype for record in response.answers):
                return [(0, domain)]
        raise DnsError(f"{domain} has neither an MX nor an address record", permanent=True)


__all__ = [
    "DnsError",
    "DnsResolver",
    "MalformedAnswer",
    "Record",
    "Resolver",
    "Response",
    "build_query",
    "encode_name",
    "parse_mx",
    "parse_response",
    "read_name",
    "read_nameservers",
]
