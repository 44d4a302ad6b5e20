"""The settings service over the real configuration store: read with docs, save all or
nothing with the refused field named, reset, unknown keys refused."""

from __future__ import annotations

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.describe import setting_docs
from otpbroker.services.settings import SettingsRefused, SettingsService


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def settings(store) -> SettingsService:
    return SettingsService(store, setting_docs)


def test_reads_every_setting_with_its_doc(settings, store):
    assert settings.current() == store.settings()
    assert list(settings.docs()) == list(store.settings())
    assert settings.doc("otp.digits")["kind"] == "int"
    assert settings.get("otp.digits") == store.get("otp.digits")
    assert settings.values(["otp.digits", "api.http_port"]) == {
        "otp.digits": store.get("otp.digits"),
        "api.http_port": store.get("api.http_port"),
    }


def test_saves_several_settings_at_once(settings, store):
    assert settings.save({"otp.digits": 8, "api.max_body_bytes": 2048}) == [
        "otp.digits",
        "api.max_body_bytes",
    ]
    assert store.get("otp.digits") == 8 and store.get("api.max_body_bytes") == 2048
    assert settings.save({}) == []


def test_an_out_of_range_value_is_refused_at_its_field_and_nothing_is_stored(settings, store):
    before = store.settings()
    with pytest.raises(SettingsRefused) as refused:
        settings.save({"otp.digits": 8, "api.max_body_bytes": 10})
    assert refused.value.errors == {
        "api.max_body_bytes": "must be between 1024 and 1048576, got 10"
    }
    assert refused.value.key == "api.max_body_bytes"
    assert refused.value.rule == "must be between 1024 and 1048576, got 10"
    assert str(refused.value) == "api.max_body_bytes: must be between 1024 and 1048576, got 10"
    assert store.settings() == before  # all or nothing: otp.digits was not stored either


def test_settings_that_contradict_each_other_are_refused_together(settings, store):
    before = store.settings()
    with pytest.raises(SettingsRefused) as refused:
        settings.save({"api.https_enabled": True, "api.https_port": store.get("api.http_port")})
    assert list(refused.value.errors) == ["api.https_port"]
    assert "must differ from api.http_port" in refused.value.rule
    assert store.settings() == before


@pytest.mark.parametrize("call", ["get", "reset", "save", "doc"])
def test_an_unknown_key_is_refused_with_a_hint(settings, store, call):
    before = store.settings()
    with pytest.raises(SettingsRefused) as refused:
        if call == "save":
            settings.save({"otp.digit": 7})
        else:
            getattr(settings, call)("otp.digit")
    assert str(refused.value) == "otp.digit: unknown setting (did you mean 'otp.digits'?)"
    assert refused.value.key == "otp.digit"
    assert store.settings() == before


def test_reset_returns_a_setting_to_its_default(settings, store):
    default = setting_docs()["otp.digits"]["default"]
    settings.save({"otp.digits": default + 1})
    assert not settings.is_default("otp.digits", store.get("otp.digits"))
    assert settings.reset("otp.digits") == default
    assert settings.is_default("otp.digits", store.get("otp.digits"))


def test_changes_keeps_only_what_differs_in_value_or_type(settings, store):
    digits = store.get("otp.digits")
    assert settings.changes({"otp.digits": digits, "api.max_body_bytes": 4096}) == {
        "api.max_body_bytes": 4096
    }


def test_restore_puts_previous_values_back(settings, store):
    old = settings.values(["otp.digits"])
    settings.save({"otp.digits": old["otp.digits"] + 1})
    settings.restore(old)
    assert store.get("otp.digits") == old["otp.digits"]


def test_an_api_path_may_not_take_a_path_the_caller_reserves(settings):
    reserved = {"/login", "/admins"}.__contains__
    assert settings.path_taken("api.sms_path", "/login", reserved) == (
        "'/login' is a page of this admin; the API would take it over. "
        "Choose another path, e.g. under /api/"
    )
    assert settings.path_taken("api.sms_path", "/api/sms", reserved) is None
    assert settings.path_taken("otp.template", "/login", reserved) is None  # not a path
