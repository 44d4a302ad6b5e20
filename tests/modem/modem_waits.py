"""Polling helpers for tests that wait on threads and emulated modems."""

from __future__ import annotations

import time
from collections.abc import Callable

from otpbroker.modem.worker import ModemStatus, ModemWorker


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def wait_ready(worker: ModemWorker, timeout: float = 10.0) -> ModemStatus:
    """Wait until the worker has initialised its modem."""
    assert wait_until(lambda: worker.status.connected, timeout), worker.status
    return worker.status
