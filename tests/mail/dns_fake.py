"""A fake DNS server on 127.0.0.1 (UDP and TCP on the same port) for the resolver tests.

Answers are built by hand with name compression (owner names point at the question,
exchange names share suffixes with earlier names), so the client's parser is exercised on
real wire data. Names not in the zone get NXDOMAIN.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

TYPES = {"A": 1, "CNAME": 5, "MX": 15, "AAAA": 28}


@dataclass
class Zone:
    """Records by name (lower case): ``{"example.test": {"MX": [(10, "mx1.example.test")]}}``.

    ``truncate`` lists names whose UDP answers carry only the TC bit (TCP answers fully);
    ``wrong_id_first`` names get a forged answer with another id before the real one;
    ``servfail`` names are answered SERVFAIL.
    """

    records: dict[str, dict[str, list]] = field(default_factory=dict)
    truncate: set[str] = field(default_factory=set)
    wrong_id_first: set[str] = field(default_factory=set)
    servfail: set[str] = field(default_factory=set)


class _Writer:
    """Builds a message with RFC 1035 name compression."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.names: dict[str, int] = {}

    def name(self, name: str) -> None:
        labels = [label for label in name.split(".") if label]
        for index in range(len(labels)):
            suffix = ".".join(labels[index:]).lower()
            if suffix in self.names:
                for position in range(index):
                    self._label(labels[position], ".".join(labels[position:]))
                self.data += struct.pack("!H", 0xC000 | self.names[suffix])
                return
        for index, label in enumerate(labels):
            self._label(label, ".".join(labels[index:]))
        self.data += b"\x00"

    def _label(self, label: str, suffix: str) -> None:
        if len(self.data) < 0x3FFF:
            self.names.setdefault(suffix.lower(), len(self.data))
        raw = label.encode("ascii")
        self.data += bytes([len(raw)]) + raw


def _rdata(writer: _Writer, rtype: str, value: object) -> None:
    start = len(writer.data)
    writer.data += b"\x00\x00"  # rdlength, filled in below
    if rtype == "MX":
        preference, exchange = value  # type: ignore[misc]
        writer.data += struct.pack("!H", preference)
        if exchange == ".":
            writer.data += b"\x00"
        else:
            writer.name(exchange)
    elif rtype == "CNAME":
        writer.name(str(value))
    elif rtype == "A":
        writer.data += socket.inet_aton(str(value))
    elif rtype == "AAAA":
        writer.data += socket.inet_pton(socket.AF_INET6, str(value))
    struct.pack_into("!H", writer.data, start, len(writer.data) - start - 2)


def build_answer(zone: Zone, query: bytes, *, tcp: bool) -> bytes:
    """The answer to ``query`` from ``zone``."""
    ident, _flags = struct.unpack_from("!HH", query)
    offset = 12
    labels = []
    while query[offset]:
        length = query[offset]
        labels.append(query[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    qname = ".".join(labels)
    qtype, _qclass = struct.unpack_from("!HH", query, offset + 1)
    question = query[12 : offset + 5]
    key = qname.lower()
    answers: list[tuple[str, str, object]] = []
    rcode = 0
    flags = 0x8180  # QR, RD, RA
    if key in zone.servfail:
        rcode = 2
    elif key not in zone.records:
        rcode = 3
    elif key in zone.truncate and not tcp:
        flags |= 0x0200
    else:
        owner = key
        entries = zone.records[key]
        for target in entries.get("CNAME", []):
            answers.append((owner, "CNAME", target))
            owner = str(target)
            entries = zone.records.get(owner, {})
        wanted = next(name for name, number in TYPES.items() if number == qtype)
        answers += [(owner, wanted, value) for value in entries.get(wanted, [])]
    writer = _Writer()
    writer.data += struct.pack("!HHHHHH", ident, flags | rcode, 1, len(answers), 0, 0)
    position = len(writer.data)
    for index, label in enumerate(labels):  # every suffix of the question can be pointed at
        writer.names.setdefault(".".join(labels[index:]).lower(), position)
        position += 1 + len(label)
    writer.data += question
    for owner, rtype, value in answers:
        writer.name(owner)
        writer.data += struct.pack("!HHI", TYPES[rtype], 1, 300)
        _rdata(writer, rtype, value)
    return bytes(writer.data)


class FakeDnsServer:
    """Serves ``zone`` on 127.0.0.1:``port`` over UDP and TCP until ``stop()``."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.queries: list[tuple[str, bytes]] = []
        self._stop = threading.Event()
        for _ in range(20):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            break
        else:  # pragma: no cover - the machine has no free port pair
            raise RuntimeError("no free UDP+TCP port pair")
        tcp.listen(8)
        udp.settimeout(0.1)
        tcp.settimeout(0.1)
        self._udp, self._tcp, self.port = udp, tcp, port
        self._threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self._udp.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.queries.append(("udp", query))
            answer = build_answer(self.zone, query, tcp=False)
            name = _qname(query)
            if name in self.zone.wrong_id_first:
                forged = struct.pack("!H", (struct.unpack_from("!H", answer)[0] + 1) & 0xFFFF)
                self._udp.sendto(forged + answer[2:], peer)
            self._udp.sendto(answer, peer)

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                (length,) = struct.unpack("!H", conn.recv(2))
                query = b""
                while len(query) < length:
                    query += conn.recv(length - len(query))
                self.queries.append(("tcp", query))
                answer = build_answer(self.zone, query, tcp=True)
                conn.sendall(struct.pack("!H", len(answer)) + answer)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._udp.close()
        self._tcp.close()


def _qname(query: bytes) -> str:
    offset, labels = 12, []
    while query[offset]:
        length = query[offset]
        labels.append(query[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    return ".".join(labels).lower()
