"""Run some of the repository's own test files inside the QEMU guest (test-only).

Tests that need what only the image's kernel has (``ppp_generic`` for a real PPP link) run
there with the image's own Python venv, so they import the app exactly as the device runs
it, and with Debian's pytest from the test disk's tools tree (``build-tools.sh``), which
is never part of the image. The files travel on the test disk next to the agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qemu_guest import Guest

REPO = Path(__file__).resolve().parents[2]
GUEST_TESTS = {
    **{name: REPO / "tests" / "system" / name
       for name in ("test_ppp_real.py", "ppp_operator.py", "netns_tools.py")},
    "guest_cpu_per_sms.py": REPO / "scripts" / "bench" / "guest_cpu_per_sms.py",
}  # fmt: skip
"""Files carried into the guest (on the test disk, in ``/run/otpb-test/otpb-test``): the
real PPP tests and the benchmark of the driver's CPU per SMS."""
ON_TEST_DISK = "/run/otpb-test/otpb-test"
TOOLS_SITE = "/run/otpb-test/usr/lib/python3/dist-packages"
VENV_PYTHON = "/opt/otp-broker/venv/bin/python"
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


@dataclass(frozen=True)
class GuestRun:
    """What pytest in the guest printed and its counts by outcome."""

    rc: int
    output: str

    @property
    def counts(self) -> dict[str, int]:
        """``{"passed": 4, "skipped": 1, ...}`` from pytest's last summary line."""
        lines = [line for line in self.output.splitlines() if SUMMARY.search(line)]
        if not lines:
            return {}
        found = SUMMARY.findall(lines[-1])
        return {word.rstrip("s") if word.startswith("error") else word: int(n)
                for n, word in found}  # fmt: skip


def cpu_per_sms(guest: Guest, *, timeout: float) -> GuestRun:
    """The driver's CPU milliseconds per SMS on the guest's Pi-class core (figures only)."""
    argv = ["python3", f"{ON_TEST_DISK}/guest_cpu_per_sms.py", "--python", VENV_PYTHON]
    answer = guest.exec(argv, timeout=timeout)
    return GuestRun(int(answer["rc"]), answer["stdout"] + answer["stderr"])


def run_tests(guest: Guest, test_file: str, *, timeout: float) -> GuestRun:
    """Run one carried test file in the guest, verbose, with every skip reason shown."""
    argv = [
        "env", f"PYTHONPATH={TOOLS_SITE}", "PYTHONDONTWRITEBYTECODE=1",
        VENV_PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-rA",
        "--rootdir", ON_TEST_DISK, f"{ON_TEST_DISK}/{test_file}",
    ]  # fmt: skip
    answer = guest.exec(argv, timeout=timeout)
    return GuestRun(int(answer["rc"]), answer["stdout"] + answer["stderr"])
