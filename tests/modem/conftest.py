"""Fixtures: emulated modems on real pseudo-terminals and the driver's owner thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker


@pytest.fixture
def make_sim(tmp_path: Path) -> Iterator[Callable[..., SimModem]]:
    """Start emulated modems (with a stable link directory); stopped after the test."""
    started: list[SimModem] = []

    def factory(**profile: object) -> SimModem:
        sim = SimModem(ModemProfile(**profile), link_dir=tmp_path / "by-id").start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture
def make_worker() -> Iterator[Callable[..., ModemWorker]]:
    """Start driver owner threads on a port; stopped after the test."""
    started: list[ModemWorker] = []

    def factory(port: str, **options: object) -> ModemWorker:
        settings = ModemOptions(
            **{"prompt_timeout": 2.0, "result_timeout": 3.0, "command_timeout": 2.0, **options}
        )
        worker = ModemWorker(
            f"m{len(started)}",
            SerialSettings(port=port),
            settings,
            reconnect_delays=(0.2, 0.5, 1.0),
        )
        worker.start()
        started.append(worker)
        return worker

    yield factory
    for worker in started:
        worker.stop()
