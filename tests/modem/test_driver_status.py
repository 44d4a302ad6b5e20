"""A modem's status is one immutable snapshot, swapped on each real change and told once:
unsolicited noise that changes nothing (ZTE's ``+ZPASR`` cannot be switched off) is not
handed to the pool, the dispatcher and the alerts; the periodic refresh still is, so a
state that lasts (no SMS path) raises its alert in time. Real ptys and the emulator."""

from __future__ import annotations

import logging
import threading

from matrix_rigs import profile_of

from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.status import ModemStatus
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker
from otpbroker.services.alerts import Alerts
from otpbroker.services.modem_health import ModemHealth

from modem_waits import wait_ready, wait_until


def test_noise_that_changes_nothing_is_not_told(make_sim, caplog):
    sim = make_sim(**profile_of("zte-mf667", urc_interval=0.02, seed=3))
    told: list[ModemStatus] = []
    worker = ModemWorker("zte", SerialSettings(port=sim.port), ModemOptions(),
                         on_status=told.append, health_interval=60.0)  # fmt: skip
    worker.start()
    try:
        wait_ready(worker)
        caplog.set_level(logging.DEBUG, logger="otpbroker.modem.at")
        before = len(told)
        snapshot = worker.status
        threading.Event().wait(1.0)  # about fifty +ZPASR lines, each read by the worker
        noise = [r for r in caplog.records if "URC +ZPASR" in r.getMessage()]
        assert len(noise) >= 5  # the worker did read them
        assert len(told) == before, told[before:]
        assert worker.status is snapshot  # the same snapshot: nothing was copied
    finally:
        worker.stop()


def test_each_real_change_is_told_once_and_the_snapshot_is_consistent(make_sim):
    sim = make_sim()
    told: list[ModemStatus] = []
    worker = ModemWorker("w", SerialSettings(port=sim.port), ModemOptions(),
                         on_status=told.append, health_interval=60.0)  # fmt: skip
    worker.start()
    try:
        wait_ready(worker)
        assert worker.status is told[-1]  # the snapshot told is the one read
        states = [status.state for status in told]
        assert states == ["connecting", "ready"], states
        assert (
            worker.submit_sms(encode_sms("+628126666666", "otp")).result(10).outcome.value == "sent"
        )
        assert worker.status.sent == 1 and len(told) == 2  # a count is no change of state
    finally:
        worker.stop()


def test_a_modem_without_a_path_raises_its_alert_after_the_delay(make_sim):
    """Nothing changes while it stays without a path; the refresh still tells the pool each
    time, which is what lets the alert come once it has lasted ``path_alert_after``."""
    sim = make_sim(conditions=("lte-no-sms",))
    alerts = Alerts()
    health = ModemHealth(alerts, path_alert_after=1.0)
    pool = ModemPool(on_route=health.observe, health_interval=0.2, recheck_interval=0.2)
    try:
        pool.apply([ModemSpec("m1", "m1", SerialSettings(port=sim.port), ModemOptions())])
        assert wait_until(lambda: pool.routes()[0].reason == "no_sms_path", 10)
        assert alerts.get("no_sms_path:m1") is None  # not at once
        assert wait_until(lambda: alerts.get("no_sms_path:m1") is not None, 10)
    finally:
        pool.stop()
