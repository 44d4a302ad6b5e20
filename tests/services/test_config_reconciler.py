"""ConfigReconciler: log level, modems, then the settings followers, from the stored config."""

from __future__ import annotations

import logging

from otpbroker.services.config_reconciler import SMS_LOGGERS, ConfigReconciler


class FakeRepo:
    def __init__(self, settings, modems):
        self._settings, self._modems = settings, modems

    def settings(self):
        return dict(self._settings)

    def list(self, name):
        assert name == "modems"
        return list(self._modems)


class Recorder:
    def __init__(self, calls, name):
        self.calls, self.name = calls, name

    def apply(self, *args):
        self.calls.append((self.name, args))


def test_modems_then_followers_in_order_with_the_stored_settings():
    calls = []
    repo = FakeRepo({"sms.log_level": "DEBUG"}, [{"id": "m1"}])
    reconciler = ConfigReconciler(
        repo, Recorder(calls, "modems"), (Recorder(calls, "feeders"), Recorder(calls, "web"))
    )
    reconciler.apply()
    settings = {"sms.log_level": "DEBUG"}
    assert calls == [
        ("modems", ([{"id": "m1"}], settings)),
        ("feeders", (settings,)),
        ("web", (settings,)),
    ]


def test_the_sms_loggers_follow_sms_log_level():
    repo = FakeRepo({"sms.log_level": "WARNING"}, [])
    try:
        ConfigReconciler(repo, Recorder([], "modems")).on_change(7)
        assert all(logging.getLogger(name).level == logging.WARNING for name in SMS_LOGGERS)
    finally:
        for name in SMS_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
