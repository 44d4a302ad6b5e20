"""A stopped worker never outlives ``stop()`` to harm its replacement: the pool hears only
its current worker of a modem, a worker closes its own wake pipe when its thread ends, and
the USB-reset rung's long wait ends as soon as the worker stops. Real ptys, the emulator,
and a fake sysfs tree for the USB reset."""

from __future__ import annotations

import threading
from collections.abc import Callable

from usb_tree import UsbTree

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import EncodedMessage, encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.recovery import RecoveryPolicy
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.usb import layout
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.usb_reset import UsbPortReset
from otpbroker.modem.wake import WakePipe
from otpbroker.modem.worker import ModemWorker

from modem_waits import wait_ready, wait_until

POLICY = RecoveryPolicy(reopen_attempts=1, drop_wait=0.3, return_wait=1.0, boot_wait=1.0,
                        boot_quiet=0.2, boot_first_line=0.2)  # fmt: skip
OPTIONS = ModemOptions(prompt_timeout=0.5, result_timeout=2.0, command_timeout=1.0,
                       wake_timeout=0.2)  # fmt: skip


def sms(text: str) -> EncodedMessage:
    return encode_sms("+628126666666", text)


class BlockingReset:
    """A USB reset that takes as long as the test says and ignores the pause it is given,
    like a helper program that hangs: the worker cannot end before it returns."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, port: str, pause: Callable[[float], bool]) -> bool:
        self.entered.set()
        assert self.release.wait(60), "the test never let the USB reset finish"
        return True


def test_a_worker_stuck_in_a_rung_never_harms_its_replacement(tmp_path):
    sim = SimModem(ModemProfile(), link_dir=tmp_path).start()
    reset = BlockingReset()
    pool = ModemPool(reconnect_delays=(0.1, 0.2), recovery=POLICY, reset_usb=reset)
    spec = ModemSpec("m1", "m1", SerialSettings(port=sim.port), OPTIONS)
    try:
        pool.apply([spec])
        assert wait_until(lambda: pool.statuses() and pool.statuses()[0].connected, 10)
        sim.inject("wedge")  # it stops answering: the next send finds out and it climbs
        assert pool.send(["m1"], sms("otp into the void"), 10).error_code == "NO_PROMPT"
        assert reset.entered.wait(30), pool.statuses()
        old = pool._workers["m1"]
        sim.clear_faults()  # someone fixed the modem by hand meanwhile
        pool.apply([ModemSpec(**{**spec.__dict__, "active": False})])  # deactivated ...
        assert old._thread.is_alive()  # ... while its old thread still waits in the rung
        pool.apply([spec])  # ... and activated again: a new worker takes the modem
        assert wait_until(lambda: pool.statuses() and pool.statuses()[0].connected, 10)
        reset.release.set()  # the old thread comes out of its rung, sees it is stopped, ends
        assert wait_until(lambda: not old._thread.is_alive(), 10)
        assert pool.statuses()[0].connected and pool.routes()[0].healthy
        delivery = pool.send(["m1"], sms("otp after the swap"), 5)
        assert (delivery.outcome, delivery.modem_id) == (SendOutcome.SENT, "m1"), delivery
        assert [d.text for d in sim.wait_for_deliveries(1)] == ["otp after the swap"]
    finally:
        reset.release.set()
        pool.stop()
        sim.stop()


class GoneControl:
    """The UsbControl of a device that never comes back from its reset."""

    def __init__(self, tree: UsbTree, plugged) -> None:
        self.tree, self.plugged = tree, plugged
        self.reset_done = threading.Event()

    def reset(self, usb_path: str) -> None:
        self.tree.unplug(self.plugged)
        self.reset_done.set()

    def switch_mode(self, usb_path: str) -> None:
        raise AssertionError("never switched")


def test_stop_ends_the_wait_for_a_usb_device_that_does_not_come_back(make_sim, tmp_path):
    tree = UsbTree(tmp_path / "root")
    control = GoneControl(tree, tree.plug(layout("quectel-ec25", "modem"), "1-1.2"))
    reset = UsbPortReset(lambda: control, lambda port: "1-1.2", sysfs_root=str(tree.sysfs),
                         settle=60.0)  # fmt: skip
    sim = make_sim()
    worker = ModemWorker("w", SerialSettings(port=sim.port), OPTIONS,
                         reconnect_delays=(0.1, 0.2), reset_usb=reset, recovery=POLICY)  # fmt: skip
    worker.start()
    try:
        wait_ready(worker)
        sim.inject("wedge")
        assert (
            worker.submit_sms(encode_sms("+628126666666", "otp")).result(10).error_code
            == "NO_PROMPT"
        )
        assert control.reset_done.wait(30), worker.status  # on the USB-reset rung, watching
        assert worker.stop(5.0) is True  # the minute-long watch ended with the worker
    finally:
        worker.stop()


def test_a_stopped_worker_closes_its_wake_pipe_and_wakes_nobody(make_sim):
    sim = make_sim()
    worker = ModemWorker("w", SerialSettings(port=sim.port), OPTIONS)
    never_started = ModemWorker("n", SerialSettings(port=sim.port), OPTIONS)
    worker.start()
    wait_ready(worker)
    assert worker.stop() is True and never_started.stop() is True
    for stopped in (worker, never_started):
        assert not stopped._wake.is_open
        stopped.retry_now()  # writes to no descriptor (its number may be reused by now)


def test_the_wake_pipe_ends_a_wait_and_is_silent_once_closed():
    pipe = WakePipe()
    threading.Timer(0.1, pipe.wake).start()
    assert pipe.wait(None, 10.0) == (False, True)  # woken long before the time-out
    assert pipe.wait(None, 0.05) == (False, False)  # each wake is used once
    pipe.close()
    pipe.wake()  # writes to no descriptor
    assert not pipe.is_open
