"""Polling helpers for tests that wait on threads and emulated modems."""

from __future__ import annotations

from waiting import wait_until

from otpbroker.modem.worker import ModemStatus, ModemWorker


def wait_ready(worker: ModemWorker, timeout: float = 10.0) -> ModemStatus:
    """Wait until the worker has initialised its modem."""
    assert wait_until(lambda: worker.status.connected, timeout), worker.status
    return worker.status


__all__ = ["wait_ready", "wait_until"]
