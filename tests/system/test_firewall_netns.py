"""The rendered nftables ruleset really blocks: loaded in a network namespace whose
interfaces are named like the device's (wlan0, eth0), probed with real packets."""

from __future__ import annotations

import contextlib
import socket
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from netns_tools import Netns, require_netns, run

from otpbroker.system.render_nftables import FirewallSettings, render_nftables

ADMIN = 8080
OPEN_TCP = 8443
OPEN_UDP = 5353
CLOSED_TCP = 9000
CLOSED_UDP = 9001
ETH_ONLY_TCP = 2222
HOST_ECHO = 7007
PATIENCE = 2.0
"""Seconds without an answer after which a probe counts as blocked (policy drop)."""

LISTENER = textwrap.dedent(
    """
    import socket, sys, threading

    def tcp(port):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", port))
        server.listen(16)
        while True:
            conn, _ = server.accept()
            conn.sendall(b"tcp %d\\n" % port)
            conn.close()

    def udp(port):
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("0.0.0.0", port))
        while True:
            data, peer = server.recvfrom(2048)
            server.sendto(b"udp %d " % port + data, peer)

    sockets = []
    for spec in sys.argv[1:]:
        proto, port = spec.split(":")
        target = tcp if proto == "tcp" else udp
        threading.Thread(target=target, args=(int(port),), daemon=True).start()
    import time
    time.sleep(0.3)
    print("ready", flush=True)
    threading.Event().wait()
    """
)

CLIENT = textwrap.dedent(
    """
    import socket, sys
    host, port = sys.argv[1], int(sys.argv[2])
    with socket.create_connection((host, port), timeout=5) as conn:
        print(conn.recv(100).decode().strip())
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(5)
    udp.sendto(b"ping", (host, port))
    print(udp.recvfrom(100)[0].decode())
    """
)


def tcp_answer(host: str, port: int) -> str | None:
    """The listener's greeting, or None when nothing answers within PATIENCE."""
    try:
        with socket.create_connection((host, port), timeout=PATIENCE) as conn:
            conn.settimeout(PATIENCE)
            return conn.recv(100).decode().strip()
    except (TimeoutError, ConnectionRefusedError):
        return None


def udp_answer(host: str, port: int) -> str | None:
    """The echo of a datagram, or None when nothing comes back within PATIENCE."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(PATIENCE)
        sock.sendto(b"ping", (host, port))
        try:
            return sock.recvfrom(100)[0].decode()
        except (TimeoutError, ConnectionRefusedError):
            return None


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Netns]:
    """A namespace with ``wlan0`` (the AP) and ``eth0``, listeners on every probed port."""
    require_netns()
    netns = Netns()
    try:
        netns.create()
        netns.add_link("wlan0", 231)
        netns.add_link("eth0", 232)
        script = tmp_path / "listener.py"
        script.write_text(LISTENER)
        ports = [f"tcp:{p}" for p in (ADMIN, OPEN_TCP, CLOSED_TCP, ETH_ONLY_TCP)]
        ports += [f"udp:{p}" for p in (OPEN_UDP, CLOSED_UDP)]
        netns.start_python(script, ports)
        yield netns
    finally:
        netns.close()
    assert netns.name not in run("ip", "netns", "list").stdout


def ruleset() -> str:
    return render_nftables(
        FirewallSettings(
            ap_interface="wlan0",
            admin_port=ADMIN,
            open_ports=(
                (OPEN_TCP, "tcp", None),
                (OPEN_UDP, "udp", None),
                (ETH_ONLY_TCP, "tcp", "eth0"),
            ),
        )
    )


def test_every_listener_answers_before_the_firewall(device: Netns):
    """Without the ruleset each probe gets through: the blocked results below are the
    firewall's doing, not a missing listener."""
    wlan, eth = device.links
    for port in (ADMIN, OPEN_TCP, CLOSED_TCP, ETH_ONLY_TCP):
        assert tcp_answer(wlan.inside_ip, port) == f"tcp {port}"
        assert tcp_answer(eth.inside_ip, port) == f"tcp {port}"
    assert udp_answer(wlan.inside_ip, CLOSED_UDP) == f"udp {CLOSED_UDP} ping"


def test_firewall_lets_through_only_what_is_open(device: Netns, tmp_path: Path):
    wlan, eth = device.links
    device.load_nft(ruleset(), tmp_path)
    assert "policy drop" in device.exec("nft", "list", "table", "inet", "otpbroker").stdout

    assert tcp_answer(wlan.inside_ip, OPEN_TCP) == f"tcp {OPEN_TCP}"
    assert tcp_answer(eth.inside_ip, OPEN_TCP) == f"tcp {OPEN_TCP}"
    assert udp_answer(wlan.inside_ip, OPEN_UDP) == f"udp {OPEN_UDP} ping"
    # Admin port: always open on the AP interface, not opened elsewhere.
    assert tcp_answer(wlan.inside_ip, ADMIN) == f"tcp {ADMIN}"
    assert tcp_answer(eth.inside_ip, ADMIN) is None
    # Closed ports: dropped without an answer (no RST, no ICMP) although a program listens.
    assert tcp_answer(wlan.inside_ip, CLOSED_TCP) is None
    assert tcp_answer(eth.inside_ip, CLOSED_TCP) is None
    assert udp_answer(wlan.inside_ip, CLOSED_UDP) is None
    # A port opened on eth0 only is closed on the AP interface.
    assert tcp_answer(eth.inside_ip, ETH_ONLY_TCP) == f"tcp {ETH_ONLY_TCP}"
    assert tcp_answer(wlan.inside_ip, ETH_ONLY_TCP) is None


def test_replies_to_the_device_own_connections_come_back(device: Netns, tmp_path: Path):
    """Policy drop on input must not break what the device itself starts (updates, DDNS):
    the answers are accepted as established traffic."""
    eth = device.links[1]
    device.load_nft(ruleset(), tmp_path)
    stop = _host_echo(eth.host_ip)
    try:
        client = tmp_path / "client.py"
        client.write_text(CLIENT)
        out = device.exec(sys.executable, str(client), eth.host_ip, str(HOST_ECHO)).stdout
        assert out.splitlines() == ["host tcp", "host udp ping"]
    finally:
        stop()


def _host_echo(address: str) -> Callable[[], None]:
    """A TCP greeter and UDP echo on the host end of a link; returns a stop function."""
    tcp = socket.create_server((address, HOST_ECHO))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((address, HOST_ECHO))

    def serve_tcp() -> None:
        with contextlib.suppress(OSError):
            conn, _ = tcp.accept()
            with conn:
                conn.sendall(b"host tcp\n")

    def serve_udp() -> None:
        with contextlib.suppress(OSError):
            data, peer = udp.recvfrom(100)
            udp.sendto(b"host udp " + data, peer)

    threads = [threading.Thread(target=f, daemon=True) for f in (serve_tcp, serve_udp)]
    for thread in threads:
        thread.start()

    def stop() -> None:
        tcp.close()
        udp.close()
        for thread in threads:
            thread.join(2)

    return stop
