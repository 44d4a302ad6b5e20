"""A feeder's settings over the real configuration store: read without the prefix, saved
all or nothing with the configuration's refusal, and tried once with the stored values
completed by the typed ones, never showing a password."""

from __future__ import annotations

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.describe import setting_docs
from otpbroker.services.feeder_settings import RETYPE_NOTE, FeederSettings
from otpbroker.services.settings import SettingsRefused, SettingsService


class Probe:
    def __init__(self, error: str | None = None, raises: Exception | None = None) -> None:
        self.error = error
        self.raises = raises
        self.tried: list[tuple[dict, float]] = []

    def __call__(self, settings: dict, timeout: float) -> str | None:
        self.tried.append((dict(settings), timeout))
        if self.raises is not None:
            raise self.raises
        return self.error


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def feeders(store, probe) -> FeederSettings:
    return FeederSettings(SettingsService(store, setting_docs), {"rabbitmq": probe},
                          lambda: ["status"])  # fmt: skip


def test_a_feeders_settings_without_their_prefix(feeders, store):
    stored = feeders.stored("rabbitmq")
    assert stored["queue"] == store.get("feeders.rabbitmq.queue")
    assert set(stored) == {k.removeprefix("feeders.rabbitmq.") for k in store.settings()
                           if k.startswith("feeders.rabbitmq.")}  # fmt: skip
    assert "feeders.rabbitmq.port" in feeders.docs()
    assert feeders.statuses() == ["status"]


def test_saving_is_all_or_nothing_with_the_configurations_refusal(feeders, store):
    assert feeders.save("rabbitmq", {"host": "mq.example.com", "port": 5671}) == [
        "feeders.rabbitmq.host", "feeders.rabbitmq.port"]  # fmt: skip
    assert store.get("feeders.rabbitmq.port") == 5671
    with pytest.raises(SettingsRefused) as refused:
        feeders.save("rabbitmq", {"host": "other.example.com", "port": 0})
    assert refused.value.key == "feeders.rabbitmq.port"
    assert store.get("feeders.rabbitmq.host") == "mq.example.com"


def test_a_test_uses_the_stored_settings_completed_by_the_typed_ones(feeders, store, probe):
    store.update_settings({"feeders.rabbitmq.password": "stored-secret"})
    assert feeders.test("rabbitmq", {"host": "mq.example.com"}, timeout=2.0) == (True, "connected")
    settings, timeout = probe.tried[0]
    assert (settings["host"], settings["password"], timeout) == (
        "mq.example.com", "stored-secret", 2.0)  # fmt: skip


def test_a_password_is_never_shown_in_the_outcome(store):
    failing = Probe(error="login refused for guest:typed-secret")
    feeders = FeederSettings(SettingsService(store, setting_docs), {"rabbitmq": failing})
    ok, text = feeders.test("rabbitmq", {"password": "typed-secret"})
    assert not ok and "typed-secret" not in text
    assert text == "login refused for guest:<hidden>" + RETYPE_NOTE


def test_a_probe_that_raises_or_is_missing(store):
    raising = Probe(raises=OSError("no route"))
    feeders = FeederSettings(SettingsService(store, setting_docs), {"rabbitmq": raising})
    assert feeders.test("rabbitmq", {}) == (False, "OSError: no route")
    assert feeders.test("mqtt", {}) == (False, "connection tests are not available in this build")
