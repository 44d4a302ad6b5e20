"""Balance checks on emulated modems (real pseudo-terminals) under a fake clock: values,
alerts, holds and their release, readiness reasons, metrics, and no reply text kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from waiting import wait_until

from otpbroker.domain.routing import ModemRoute
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.balance_replies import balance_reply, with_balance
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker
from otpbroker.services.alerts import Alerts
from otpbroker.services.balance_watch import FIRST_DELAY, RETRY_AFTER, BalanceWatch
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.readiness import ReadinessCheck
from otpbroker.web.metrics_balance import balance_lines

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC).timestamp()
#: Modem families that show USSD text their own way (UCS2 hex, packed GSM 7-bit).
PERSONAS = {"smartfren": "quectel-ec25", "xl": "huawei-e3131", "three": "simcom-sim7600"}
OPERATORS = ("telkomsel", "xl", "indosat", "three", "smartfren", "axis")


class Clock:
    """A settable wall clock."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class Bench:
    """Emulated modems with their workers, and the watch over them."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.sims: dict[str, SimModem] = {}
        self.workers: dict[str, ModemWorker] = {}
        self.records: list[dict[str, Any]] = []
        self.clock = Clock()
        self.alerts = Alerts(clock=self.clock)
        self.health = ModemHealth(self.alerts)
        self.watch = BalanceWatch(self.ussd, lambda: self.records, self.alerts, self.health,
                                  clock=self.clock, jitter=lambda: 0.5)  # fmt: skip

    def ussd(self, modem_id: str, code: str) -> str:
        return str(self.workers[modem_id].submit_ussd(code).result(30))

    def add(self, spec: str, personality: str = "generic", **record: Any) -> str:
        modem_id = f"m{len(self.sims)}"
        code, _ = balance_reply(spec)
        sim = SimModem(ModemProfile(personality=personality, ussd=with_balance({}, spec)),
                       link_dir=self.tmp_path / modem_id).start()  # fmt: skip
        self.sims[modem_id] = sim
        options = ModemOptions(prompt_timeout=2.0, result_timeout=3.0, command_timeout=2.0)
        worker = ModemWorker(modem_id, SerialSettings(port=sim.port), options,
                             reconnect_delays=(0.2, 0.5, 1.0))  # fmt: skip
        worker.start()
        self.workers[modem_id] = worker
        assert wait_until(lambda: worker.status.connected, 15), worker.status
        self.records.append({"id": modem_id, "name": f"SIM {modem_id}", "balance_ussd": code,
                             "balance_rule": spec.split(":")[0], "balance_interval_hours": 24,
                             **record})  # fmt: skip
        return modem_id

    def replay(self, modem_id: str, spec: str) -> None:
        code, reply = balance_reply(spec)
        self.sims[modem_id].dialogue.profile.ussd[code] = reply

    def routes(self) -> list[ModemRoute]:
        return self.health.routes([ModemRoute(r["id"]) for r in self.records])

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        for sim in self.sims.values():
            sim.stop()


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    made = Bench(tmp_path)
    yield made
    made.stop()


def _until(days: int) -> str:
    return (datetime.fromtimestamp(NOW, UTC).date() + timedelta(days=days)).isoformat()


def test_each_preset_is_read_from_its_emulated_operator(bench: Bench) -> None:
    ids = {op: bench.add(f"{op}:{1000 * (i + 1) + 500}:{_until(40 + i)}",
                         PERSONAS.get(op, "generic"))
           for i, op in enumerate(OPERATORS)}  # fmt: skip
    assert bench.watch.tick() == []  # the first check comes shortly after start, not at once
    bench.clock.now += FIRST_DELAY * 2
    assert sorted(bench.watch.tick()) == sorted(ids.values())
    for i, op in enumerate(OPERATORS):
        result = bench.watch.result(ids[op])
        assert result is not None and result.state == "ok", (op, result)
        assert result.balance is not None
        assert (result.balance.balance, result.days_left) == (1000 * (i + 1) + 500, 40 + i)
        assert result.balance.until == date.fromisoformat(_until(40 + i))
    assert bench.alerts.active() == []
    assert bench.watch.tick() == []  # not due again until the interval has passed
    bench.clock.now += 24 * 3600 * 1.06
    assert len(bench.watch.tick()) == len(OPERATORS)


def test_low_credit_alerts_holds_and_a_later_good_check_releases(bench: Bench) -> None:
    modem = bench.add(f"telkomsel:3000:{_until(90)}", balance_min=5000, balance_hold=True)
    readiness = ReadinessCheck(bench.routes, lambda: {modem: "SIM one"}, lambda: False)
    result = bench.watch.check_now(modem)
    assert (result.state, result.low) == ("low", True)
    (alert,) = bench.alerts.active()  # the hold's alert stands for it: one e-mail
    assert "out of routing" in alert.title
    assert "credit below minimum" in alert.text and "Rp 3.000" in alert.text
    assert modem in bench.health.holds()
    assert not readiness.check().ready
    assert "credit below minimum" in readiness.check().modems[0].reason

    bench.replay(modem, f"telkomsel:25000:{_until(90)}")
    bench.clock.now += 24 * 3600 * 1.06
    assert bench.watch.tick() == [modem]
    assert bench.watch.result(modem).state == "ok"  # type: ignore[union-attr]
    assert bench.health.holds() == {} and bench.alerts.active() == []
    assert readiness.check().ready


def test_ended_period_holds_with_its_reason_and_near_expiry_warns(bench: Bench) -> None:
    ended = bench.add(f"xl:90000:{_until(-1)}", balance_hold=True)
    near = bench.add(f"indosat:90000:{_until(3)}", expiry_warn_days=7, balance_hold=True)
    far = bench.add(f"three:90000:{_until(30)}", expiry_warn_days=7)
    for modem in (ended, near, far):
        bench.watch.check_now(modem)
    assert bench.watch.result(ended).state == "expired"  # type: ignore[union-attr]
    alerts = {a.modem_id: a for a in bench.alerts.active()}
    assert set(alerts) == {ended, near}
    assert "SIM active period ended" in alerts[ended].text and alerts[ended].severity == "error"
    assert "ends in 3 day(s)" in alerts[near].title and alerts[near].severity == "warning"
    assert set(bench.health.holds()) == {ended}  # near expiry warns, it does not hold
    names = {m: m for m in (ended, near, far)}
    reasons = {m.id: m.reason for m in ReadinessCheck(bench.routes, lambda: names,
                                                      lambda: False).check().modems}  # fmt: skip
    assert "SIM active period ended" in reasons[ended] and reasons[near] == ""


def test_without_balance_hold_low_credit_only_alerts(bench: Bench) -> None:
    modem = bench.add(f"axis:100:{_until(60)}", balance_min=12_000_000)
    bench.watch.check_now(modem)
    (alert,) = bench.alerts.active()
    assert "credit below minimum" in alert.title
    assert "Rp 100 is below the minimum Rp 12.000.000" in alert.text  # not masked as a number
    assert alert.modem_id == modem and bench.health.holds() == {}


def test_unparsed_reply_keeps_its_length_only_and_guesses_nothing(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    modem = bench.add(f"smartfren:777:{_until(60)}", balance_min=5000, balance_hold=True)
    bench.records[0]["balance_rule"] = "custom"
    bench.records[0]["balance_regex"] = r"Saldo (?P<balance>\d+)"
    caplog.set_level(logging.DEBUG)
    result = bench.watch.check_now(modem)
    assert result.state == "unparsed" and result.balance is not None
    assert result.balance.balance is None and result.balance.reply_length > 20
    assert bench.alerts.active() == [] and bench.health.holds() == {}
    assert "Pulsa" not in caplog.text and "777" not in caplog.text


def test_a_failed_check_retries_soon_and_raises_nothing(bench: Bench) -> None:
    modem = bench.add(f"telkomsel:3000:{_until(60)}", balance_min=5000, balance_hold=True)
    bench.records[0]["balance_ussd"] = "*999#"  # the network does not know it
    assert bench.watch.tick() == []
    bench.clock.now += FIRST_DELAY * 2
    assert bench.watch.tick() == [modem]
    result = bench.watch.result(modem)
    assert result is not None and result.state == "error" and "not supported" in result.error
    assert bench.alerts.active() == [] and bench.health.holds() == {}
    bench.clock.now += RETRY_AFTER - 1
    assert bench.watch.tick() == []
    bench.clock.now += 2
    assert bench.watch.tick() == [modem]


def test_metrics_parse_and_carry_each_modem(bench: Bench) -> None:
    good = bench.add(f"telkomsel:12500:{_until(20)}")
    odd = bench.add(f"xl:5000:{_until(20)}")
    bench.records[1]["balance_rule"] = "custom"
    bench.records[1]["balance_regex"] = r"Saldo (?P<balance>\d+)"
    bench.watch.check_now(good)
    bench.watch.check_now(odd)
    text = "".join(line + "\n" for line in balance_lines(bench.watch.results()))
    samples = {(s.name, s.labels["modem"]): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip
    assert samples[("otpbroker_sim_balance", good)] == 12500
    assert samples[("otpbroker_sim_active_days_left", good)] == 20
    assert samples[("otpbroker_sim_balance_checked_timestamp_seconds", good)] == NOW
    assert samples[("otpbroker_sim_balance_checked_timestamp_seconds", odd)] == NOW
    assert ("otpbroker_sim_balance", odd) not in samples  # unparsed: no value is guessed


def test_check_now_refuses_a_modem_without_a_code(bench: Bench) -> None:
    with pytest.raises(LookupError):
        bench.watch.check_now("nope")


def test_nothing_written_to_disk_holds_the_reply(bench: Bench, tmp_path: Path) -> None:
    modem = bench.add(f"three:4321:{_until(10)}", balance_min=5000, expiry_warn_days=30)
    bench.watch.check_now(modem)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"Pulsa" not in path.read_bytes()
    for alert in bench.alerts.active():
        assert "Pulsa" not in alert.text + alert.title + alert.advice


def test_a_modem_whose_checks_end_drops_its_result_and_alerts(bench: Bench) -> None:
    modem = bench.add(f"axis:100:{_until(2)}", balance_min=5000, expiry_warn_days=7)
    assert bench.watch.tick() == []
    bench.clock.now += FIRST_DELAY * 2
    assert bench.watch.tick() == [modem]
    assert len(bench.alerts.active()) == 2 and bench.watch.result(modem) is not None
    bench.records[0]["balance_ussd"] = ""  # the administrator turned the checks off
    assert bench.watch.tick() == []
    assert bench.alerts.active() == [] and bench.watch.results() == {}


def test_turning_the_hold_off_or_the_checks_off_releases_its_hold(bench: Bench) -> None:
    modem = bench.add(f"indosat:100:{_until(60)}", balance_min=5000, balance_hold=True)
    bench.watch.check_now(modem)
    assert modem in bench.health.holds()
    bench.records[0]["balance_hold"] = False
    bench.watch.check_now(modem)
    assert bench.health.holds() == {}  # only alerted now
    assert [a.key for a in bench.alerts.active()] == [f"sim_account:balance:{modem}"]
    bench.records[0]["balance_hold"] = True
    bench.watch.check_now(modem)
    assert modem in bench.health.holds()
    bench.records[0]["balance_ussd"] = ""
    bench.watch.tick()
    assert bench.health.holds() == {} and bench.alerts.active() == []
