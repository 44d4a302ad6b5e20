"""The reboot rung of the recovery ladder cures what a re-open cannot, on real ptys.

Two faults of the field that only a restart of the modem cures: ``stuck`` (``AT`` answers,
the SIM stays busy: ``+CME ERROR: 14``, sends ``+CMS ERROR: 314`` or ``500``) and ``hang``
(nothing comes back, but the modem still acts on a blind ``AT+CFUN=1,1``). The driver goes
down the ladder, the re-open does not help, the reboot does: the modem is ``ready`` again
and sends, and the USB reset the worker has at hand is never called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from matrix_rigs import profile_of

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.recovery import RecoveryPolicy
from otpbroker.modem.sim import SimModem
from otpbroker.modem.status import ModemStatus
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker

from modem_waits import wait_ready, wait_until

NUMBER = "+628126666666"
OPTIONS = {"prompt_timeout": 0.5, "result_timeout": 2.0, "command_timeout": 1.0,
           "wake_timeout": 0.2}  # fmt: skip
POLICY = RecoveryPolicy(reopen_attempts=2, drop_wait=1.0, return_wait=5.0, boot_wait=3.0,
                        boot_quiet=0.3, boot_first_line=0.5)  # fmt: skip
"""Two re-opens before the reboot: the first one shows that a re-open does not cure it."""
REBOOTED = "rebooted it (AT+CFUN=1,1)"
USB_RESET = "reset its USB port"


class UsbResetRecorder:
    """The USB-reset rung, available to the worker: records every call (none expected)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, port: str, pause: Callable[[float], bool]) -> bool:
        self.calls.append(port)
        return False


class Watched:
    """A worker on the ladder with every status it reported."""

    def __init__(self, port: str) -> None:
        self.history: list[ModemStatus] = []
        self.reset = UsbResetRecorder()
        self.worker = ModemWorker(
            "stuck", SerialSettings(port=port), ModemOptions(**OPTIONS),
            on_status=self.history.append, reconnect_delays=(0.1, 0.2),
            reset_usb=self.reset, recovery=POLICY,
        )  # fmt: skip

    def recoveries(self) -> list[str]:
        """Every ladder position it reported while recovering, in order, without repeats."""
        seen: list[str] = []
        for status in list(self.history):
            if status.state == "recovering" and status.recovery and status.recovery not in seen:
                seen.append(status.recovery)
        return seen


@pytest.fixture
def watched() -> Iterator[Callable[[str], Watched]]:
    started: list[Watched] = []

    def factory(port: str) -> Watched:
        rig = Watched(port)
        rig.worker.start()
        started.append(rig)
        return rig

    yield factory
    for rig in started:
        rig.worker.stop()


def sim_of(make_sim: Callable[..., SimModem], name: str) -> SimModem:
    """An emulated modem of ``name`` that takes a short while to reboot, like a real one."""
    fields: dict[str, Any] = profile_of(name, reboot_time=0.3, boot_delay=0.2, seed=5)
    return make_sim(**fields)


def count_unplugs(sim: SimModem, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the modem drops off the bus (a USB stick restarting) adds an entry."""
    drops: list[str] = []
    unplug = sim.unplug

    def counted() -> None:
        drops.append(str(sim.path))
        unplug()

    monkeypatch.setattr(sim, "unplug", counted)
    return drops


def cured_by_the_reboot(rig: Watched, sim: SimModem) -> None:
    """The ladder went re-open -> reboot, never further; the modem is ready and sends."""
    worker = rig.worker
    assert wait_until(lambda: any(REBOOTED in r for r in rig.recoveries()), 90), rig.history
    wait_ready(worker, 60)
    steps = rig.recoveries()
    assert any("re-open 2 of 2" in r and REBOOTED not in r for r in steps), steps  # reopened
    assert not any(USB_RESET in r for r in steps), steps
    assert rig.reset.calls == []  # the USB reset was at hand and never needed
    status = worker.status
    assert status.state == "ready" and status.recovery is None and status.routable
    assert sim.dialogue.faults.active() == []  # the restart cleared it
    after = worker.submit_sms(encode_sms(NUMBER, "otp after the reboot")).result(20)
    assert after.outcome is SendOutcome.SENT, after
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["otp after the reboot"]


@pytest.mark.parametrize(
    ("name", "code"),
    [("quectel-ec25", 314), ("simcom-sim800", 500)],  # a USB stick; a module on a UART
)
def test_a_stuck_sim_is_cured_by_the_reboot_rung_not_by_a_reopen(
    make_sim, watched, monkeypatch, name, code
):
    sim = sim_of(make_sim, name)
    rig = watched(sim.port)
    wait_ready(rig.worker)
    drops = count_unplugs(sim, monkeypatch)
    sim.inject("stuck", code=code)
    failed = rig.worker.submit_sms(encode_sms(NUMBER, "otp while stuck")).result(30)
    assert failed.outcome is SendOutcome.FAILED and failed.error_code == f"CMS{code}"
    cured_by_the_reboot(rig, sim)
    assert "+CME ERROR: 14" in " ".join(s.last_error or "" for s in rig.history)
    # the stick left the bus once and came back; the module on a UART kept its port
    assert len(drops) == (1 if name == "quectel-ec25" else 0), drops


def test_a_hung_modem_acts_on_the_blind_reboot(make_sim, watched, monkeypatch):
    sim = sim_of(make_sim, "generic")
    rig = watched(sim.port)
    wait_ready(rig.worker)
    drops = count_unplugs(sim, monkeypatch)
    sim.inject("hang")
    failed = rig.worker.submit_sms(encode_sms(NUMBER, "otp into silence")).result(30)
    assert failed.outcome is SendOutcome.FAILED and failed.error_code == "NO_PROMPT"
    cured_by_the_reboot(rig, sim)
    assert len(drops) == 1  # it did restart (nothing else would have cleared the fault)
