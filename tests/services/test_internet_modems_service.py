"""The Internet page's modem records over the real configuration store: modems with
internet access, APN settings stored, SMS resumed only once the data call has ended."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from otpbroker.config import ConfigStore
from otpbroker.services.internet_modems import InternetModems

APN = {"apn": "3gprs", "apn_username": "3gprs", "apn_password": "3gprs", "dial_number": "*99#"}


class Links:
    def __init__(self) -> None:
        self.state: dict[str, Any] = {}

    def status(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self.state)


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def links() -> Links:
    return Links()


@pytest.fixture
def modems(store, links) -> InternetModems:
    return InternetModems(store, links)


def test_modems_names_and_those_with_internet(modems, store):
    online = store.add("modems", {"name": "data", "port": "/dev/ttyA", "internet_access": True})
    sms = store.add("modems", {"name": "sms", "port": "/dev/ttyB"})
    assert [m["id"] for m in modems.with_internet()] == [online["id"]]
    assert modems.names() == {online["id"]: "data", sms["id"]: "sms"}
    assert len(modems.modems()) == 2
    with pytest.raises(LookupError):
        modems.modem("missing")


def test_apn_settings_are_stored_in_the_modem(modems, store):
    modem = store.add("modems", {"name": "data", "port": "/dev/ttyA", "internet_access": True})
    modems.use_apn(modem["id"], APN)
    stored = store.get_record("modems", modem["id"])
    assert {key: stored[key] for key in APN} == APN


def test_sms_resumes_only_once_the_data_call_has_ended(modems, store, links):
    modem = store.add("modems", {"name": "data", "port": "/dev/ttyA", "internet_access": True})
    modems.pause_sms(modem["id"])
    assert store.get_record("modems", modem["id"])["active"] is False
    for busy in ({"up": True}, {"up": False, "pid": 4242}):
        links.state = busy
        with pytest.raises(ValueError, match="disconnect first"):
            modems.resume_sms(modem["id"])
        assert store.get_record("modems", modem["id"])["active"] is False
    links.state = {"up": False}
    modems.resume_sms(modem["id"])
    assert store.get_record("modems", modem["id"])["active"] is True
    assert InternetModems(store, None).resume_sms(modem["id"])["active"] is True
