"""``otp-broker modem-check`` stopped by a signal while it waits on a send: the port is
closed, nothing half is printed, the status is 128 + the signal; a second signal during that
ends it at once."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from signal_rig import Process, wait_for


@pytest.fixture
def modem(tmp_path: Path):
    """An emulated modem that takes a minute to answer a send."""
    sim = Process(tmp_path, "modem-sim", ["modem-sim", "--count", "1", "--delay", "60"])
    try:
        wait_for(lambda: sim.out.read_text().endswith("\n"), 60, "the emulated modem")
        yield sim.out.read_text().split()[0]
    finally:
        sim.popen.terminate()
        sim.popen.wait(30)


@pytest.mark.parametrize(
    ("signals", "status"),
    [((signal.SIGTERM,), 143), ((signal.SIGHUP,), 129), ((signal.SIGINT, signal.SIGTERM), None)],
)
def test_a_signal_stops_the_check_without_a_report(tmp_path, modem, signals, status):
    argv = ["modem-check", "--port", modem, "--send-to", "+628126666666", "--timeout", "60"]
    check = Process(tmp_path, "modem-check", argv)
    try:
        wait_for(check.handlers_ours, 60, "modem-check's handlers")
        time.sleep(1.0)  # the modem opened and the send under way (it takes a minute)
        for signum in signals:
            check.popen.send_signal(signum)
        code = check.popen.wait(60)
    finally:
        check.end()
    assert check.out.read_text() == ""
    # Two signals at once may reach the process in either order.
    said = [sig for sig in signals if f"stopped by {sig.name}" in check.err.read_text()]
    assert len(said) == 1, check.err.read_text()
    # the second one ends it at once, with its own status if it came during the stop
    assert code == status if status else code in (130, 143)
