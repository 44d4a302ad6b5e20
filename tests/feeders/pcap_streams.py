"""Read a loopback capture (``tcpdump -w``) back: TCP payloads by connection, and the
WebSocket frames in them unmasked (a client masks every frame it sends with a random key,
so its text does not appear as such in a capture).

Enough for the tests' captures on ``lo``: Ethernet, IPv4, TCP; segments ordered by sequence
number, repeats dropped.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from pathlib import Path

Flow = tuple[int, int]  # (source port, destination port)

PCAP_HEADER, PACKET_HEADER, ETHERNET = 24, 16, 14


def tcp_streams(path: Path) -> dict[Flow, bytes]:
    """The payload bytes of every TCP direction in the capture."""
    data = path.read_bytes()
    segments: dict[Flow, dict[int, bytes]] = defaultdict(dict)
    offset = PCAP_HEADER
    while offset + PACKET_HEADER <= len(data):
        captured = struct.unpack_from("<I", data, offset + 8)[0]
        packet = data[offset + PACKET_HEADER : offset + PACKET_HEADER + captured]
        offset += PACKET_HEADER + captured
        _add_segment(packet, segments)
    return {flow: b"".join(parts[seq] for seq in sorted(parts)) for flow, parts in segments.items()}


def _add_segment(packet: bytes, segments: dict[Flow, dict[int, bytes]]) -> None:
    if len(packet) < ETHERNET + 20 or packet[12:14] != b"\x08\x00":  # IPv4 only
        return
    ip = packet[ETHERNET:]
    if ip[9] != 6:  # TCP
        return
    ip_length = (ip[0] & 0x0F) * 4
    total = struct.unpack_from(">H", ip, 2)[0]
    tcp = ip[ip_length:total]
    source, destination, sequence = struct.unpack_from(">HHI", tcp, 0)
    payload = tcp[(tcp[12] >> 4) * 4 :]
    if payload:
        segments[(source, destination)].setdefault(sequence, payload)


def websocket_payloads(stream: bytes) -> bytes:
    """The payloads of the WebSocket frames after the HTTP upgrade in ``stream``, unmasked
    and joined (a stream that is not WebSocket gives what could be parsed, possibly nothing)."""
    head, _, rest = stream.partition(b"\r\n\r\n")
    if not rest or b"websocket" not in head.lower():
        return b""
    out, position = bytearray(), 0
    while position + 2 <= len(rest):
        second = rest[position + 1]
        length, position = second & 0x7F, position + 2
        if length == 126:
            length, position = struct.unpack_from(">H", rest, position)[0], position + 2
        elif length == 127:
            length, position = struct.unpack_from(">Q", rest, position)[0], position + 8
        mask = b""
        if second & 0x80:
            mask, position = rest[position : position + 4], position + 4
        body = rest[position : position + length]
        position += length
        out += bytes(b ^ mask[i % 4] for i, b in enumerate(body)) if mask else body
    return bytes(out)
