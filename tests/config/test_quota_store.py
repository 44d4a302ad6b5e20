"""The SIM counts survive a restart: private files, written atomically, hashes only."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime

import pytest

from otpbroker.config.quota_store import QuotaFile
from otpbroker.domain.errors import QuotaReachedError
from otpbroker.domain.sim_quota import PacingRule
from otpbroker.modem.dispatch import Dispatcher
from otpbroker.modem.pacing import PacingGate

NOW = datetime(2026, 5, 20, 8, 0, tzinfo=UTC).timestamp()


def clock() -> float:
    return NOW


def started(tmp_path) -> tuple[PacingGate, Dispatcher]:
    gate = PacingGate(QuotaFile(tmp_path), clock=clock, tz=UTC)
    gate.configure({"m1": PacingRule(per_day=3, recipients_per_month=2)})
    dispatcher = Dispatcher(gate)
    dispatcher.set_ready("m1", True)
    return gate, dispatcher


def send(gate: PacingGate, dispatcher: Dispatcher, number: str) -> None:
    modem = dispatcher.acquire(["m1"], 0, gate.ticket(number))
    assert modem == "m1"
    gate.flush()
    gate.finish(modem, give_back=False)
    dispatcher.release(modem)


def test_counts_survive_a_reload_and_hold_no_number(tmp_path) -> None:
    gate, dispatcher = started(tmp_path)
    send(gate, dispatcher, "628120001111")
    send(gate, dispatcher, "628120002222")
    again, dispatcher = started(tmp_path)  # a restart
    view = again.views()[0]
    assert (view.day, view.recipients) == (2, 2)
    with pytest.raises(QuotaReachedError):
        dispatcher.acquire(["m1"], 0, again.ticket("628120003333"))
    send(again, dispatcher, "628120001111")  # the same key: a known number is still known
    text = (tmp_path / "sim-quota.json").read_text()
    assert "628120001111" not in text and "0001111" not in text
    saved = json.loads(text)["modems"]["m1"]
    assert saved["day_count"] == 3 and len(saved["recipients"]) == 2
    for name in ("sim-quota.json", "sim-quota.key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.tmp"))


def test_a_damaged_state_file_starts_from_zero(tmp_path, caplog) -> None:
    (tmp_path / "sim-quota.json").write_text("{not json")
    assert QuotaFile(tmp_path).load() == {}
    assert "cannot be read" in caplog.text


def test_flush_writes_only_what_changed(tmp_path) -> None:
    gate, dispatcher = started(tmp_path)
    gate.flush()
    assert not (tmp_path / "sim-quota.json").exists()  # nothing counted yet
    send(gate, dispatcher, "628120001111")
    written = (tmp_path / "sim-quota.json").stat().st_mtime_ns
    (tmp_path / "sim-quota.json").unlink()
    gate.flush()
    assert not (tmp_path / "sim-quota.json").exists() and written


def test_an_uncapped_sim_costs_no_write_per_send(tmp_path) -> None:
    """Only caps need counts that survive a restart: a SIM without one writes nothing."""
    gate = PacingGate(QuotaFile(tmp_path), clock=clock, tz=UTC)
    gate.configure({"m1": PacingRule(), "m2": PacingRule(per_day=5)})
    dispatcher = Dispatcher(gate)
    for modem in ("m1", "m2"):
        dispatcher.set_ready(modem, True)
    for n in range(3):
        assert dispatcher.acquire(["m1"], 0, gate.ticket(f"62812000{n}")) == "m1"
        gate.flush()
        gate.finish("m1", give_back=False)
        dispatcher.release("m1")
    assert not (tmp_path / "sim-quota.json").exists()
    assert dispatcher.acquire(["m2"], 0, gate.ticket("628120009")) == "m2"
    gate.flush()
    assert json.loads((tmp_path / "sim-quota.json").read_text())["modems"]["m2"]["day_count"] == 1
