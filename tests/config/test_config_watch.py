"""ConfigWatcher: refreshes the store on its own thread; a failing refresh is logged, not fatal."""

from __future__ import annotations

import threading

from otpbroker.config.watch import ConfigWatcher


class CountingStore:
    def __init__(self, fail_first: bool = False):
        self.calls = 0
        self.fail_first = fail_first
        self.twice = threading.Event()

    def refresh(self):
        self.calls += 1
        if self.calls >= 2:
            self.twice.set()
        if self.fail_first and self.calls == 1:
            raise OSError("disk gone")
        return False


def test_refreshes_repeatedly_until_stopped():
    store = CountingStore()
    watcher = ConfigWatcher(store, interval=0.01)
    watcher.start()
    assert store.twice.wait(5)
    watcher.stop()


def test_a_failing_refresh_is_logged_and_watching_goes_on(caplog):
    store = CountingStore(fail_first=True)
    watcher = ConfigWatcher(store, interval=0.01)
    watcher.start()
    assert store.twice.wait(5)
    watcher.stop()
    assert "configuration refresh failed" in caplog.text


def test_nothing_runs_before_start():
    store = CountingStore()
    ConfigWatcher(store, interval=0.01).stop()
    assert store.calls == 0
