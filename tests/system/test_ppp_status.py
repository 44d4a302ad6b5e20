"""Link status read from a real interface named like a ppp link, inside a network namespace."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from netns_tools import Netns, require_netns

from otpbroker.system.ppp_status import link_status, pppd_process
from otpbroker.system.render_ppp import link_name

NAME = link_name("0a1b2c3d4e5f6789")
PROBE = (
    "import json, sys\n"
    "from otpbroker.system.ppp_status import link_status\n"
    "print(json.dumps(link_status(sys.argv[1], run_dir=sys.argv[2])))\n"
)


@pytest.fixture
def netns() -> Iterator[Netns]:
    require_netns()
    space = Netns()
    try:
        space.create()
        yield space
    finally:
        space.close()


def status_inside(netns: Netns, tmp_path: Path) -> dict:
    """link_status as the broker would see it from inside the namespace."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = netns.exec(sys.executable, str(script), NAME, str(tmp_path)).stdout
    return json.loads(out)


def test_up_link_shows_address_and_counts_bytes(netns: Netns, tmp_path: Path):
    link = netns.add_link(NAME, 233)
    deadline = time.monotonic() + 10  # the veth carrier comes up a moment after "link up"
    while not (before := status_inside(netns, tmp_path))["up"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert before["exists"] and before["up"]
    assert before["ipv4"] == [link.inside_ip]
    payload = b"x" * 500
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(3):
            sock.sendto(payload, (link.inside_ip, 9))  # into the link: received bytes
    send_out = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" + (
        f"for _ in range(3): s.sendto(b'x' * 500, ('{link.host_ip}', 9))"
    )
    netns.exec(sys.executable, "-c", send_out)  # out of the link: sent bytes
    after = status_inside(netns, tmp_path)
    assert after["rx_bytes"] >= before["rx_bytes"] + 3 * 500
    assert after["tx_bytes"] >= before["tx_bytes"] + 3 * 500
    assert after["pid"] is None and after["uptime_seconds"] is None


def test_down_and_missing_interfaces(netns: Netns, tmp_path: Path):
    assert status_inside(netns, tmp_path) == {
        "name": NAME,
        "exists": False,
        "up": False,
        "ipv4": [],
        "rx_bytes": None,
        "tx_bytes": None,
        "pid": None,
        "uptime_seconds": None,
        "problem": None,
    }
    netns.add_link(NAME, 234)
    netns.exec("ip", "link", "set", NAME, "down")
    down = status_inside(netns, tmp_path)
    assert down["exists"] and not down["up"]


def test_pppd_pid_file_gives_pid_and_uptime(tmp_path: Path):
    pid_file = tmp_path / f"ppp-{NAME}.pid"
    pid_file.write_text(f"{os.getpid()}\n{NAME}\n")
    os.utime(pid_file, (1000.0, 1000.0))
    assert pppd_process(NAME, str(tmp_path), now=lambda: 1090.0) == {
        "pid": os.getpid(),
        "uptime_seconds": 90,
    }
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    pid_file.write_text(f"{gone.pid}\n")
    assert pppd_process(NAME, str(tmp_path)) is None
    pid_file.write_text("garbage\n")
    assert pppd_process(NAME, str(tmp_path)) is None


def test_names_that_are_paths_are_refused():
    with pytest.raises(ValueError, match="not an interface name"):
        link_status("../etc")
