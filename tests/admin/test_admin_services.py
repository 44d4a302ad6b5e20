"""The admin receives one frozen set of services: every field required, none a bare callable
or an optional "not wired" placeholder, and the composition root fills every one."""

from __future__ import annotations

import dataclasses
import typing

import pytest
from admin_services import admin_services

from otpbroker.bootstrap import Broker
from otpbroker.web.admin.services import AdminServices

FIELDS = dataclasses.fields(AdminServices)


def test_every_field_is_required_and_the_set_is_frozen():
    assert [f.name for f in FIELDS if f.default is not dataclasses.MISSING] == []
    assert [f.name for f in FIELDS if f.default_factory is not dataclasses.MISSING] == []
    assert AdminServices.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_no_field_is_a_callable_or_optional():
    hints = typing.get_type_hints(AdminServices)
    for name, hint in hints.items():
        assert typing.get_origin(hint) is None, (name, hint)  # no Callable[...], no X | None
        assert hint is not type(None), name


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path / "data")
    yield broker
    broker.store.close()


def test_the_broker_fills_every_field_once(broker):
    services = broker.admin_services
    assert [f.name for f in FIELDS if getattr(services, f.name) is None] == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.version = "changed"  # type: ignore[misc]


def test_a_test_replaces_a_service_in_a_new_set(broker):
    fake = object()
    replaced = admin_services(broker, server=fake)
    assert replaced.server is fake and broker.admin_services.server is not fake
    assert replaced.sms is broker.admin_services.sms
