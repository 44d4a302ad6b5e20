"""Received SMS in the services: reassembly, hand-over on the bus, the monitor's event,
operator messages kept in memory only, the opt-in STOP rule over the real blocking list."""

from __future__ import annotations

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.blocklist import ConfigBlockList
from otpbroker.domain.inbound import InboundPart, SimSlot, is_operator
from otpbroker.domain.message_life import InboundSms
from otpbroker.services.events import EventLog
from otpbroker.services.inbound import InboundService
from otpbroker.services.inbound_parts import GIVE_UP_AFTER, PartBook
from otpbroker.services.two_way_bus import TwoWayBus


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        opened.update_settings({"device.country_code": "62"})
        yield opened


@pytest.fixture
def rig(store):
    bus, events, clock = TwoWayBus(), EventLog(), Clock()
    received: list[InboundSms] = []
    bus.subscribe_inbound(received.append)
    service = InboundService(bus, book=PartBook(clock), clock=clock)
    service.connect(store, events, ConfigBlockList(store))
    return service, received, events, clock, store


def part(text, *, sender="+6281234567890", index=1, concat=None, modem="m1", alpha=False):
    return InboundPart(modem, SimSlot("SM", index), sender, text, 1_799_999_000.0,
                       alphanumeric=alpha, concat=concat)  # fmt: skip


def test_single_part_is_handed_over_and_its_slot_released(rig):
    service, received, events, _, _ = rig
    assert service.take(part("Halo")) == [SimSlot("SM", 1)]
    (sms,) = received
    assert (sms.modem_id, sms.sender, sms.text, sms.parts, sms.operator, sms.partial) == (
        "m1", "+6281234567890", "Halo", 1, False, False)  # fmt: skip
    (event,) = events.recent()
    assert (event.kind, event.outcome, event.modem_id) == ("inbound", "received", "m1")
    assert event.recipient == "+628********90"
    assert "Halo" not in repr(event) and "Halo" not in repr(sms)


def test_parts_wait_on_the_sim_until_the_message_is_complete(rig):
    service, received, *_ = rig
    assert service.take(part("world", index=5, concat=(9, 3, 3))) == []
    assert service.take(part("Hello ", index=3, concat=(9, 3, 1))) == []
    assert service.take(part("Hello ", index=3, concat=(9, 3, 1))) == []  # listed again
    assert received == [] and service.waiting_parts() == 1
    slots = service.take(part("big ", index=4, concat=(9, 3, 2)))
    assert sorted(slots, key=lambda s: s.index) == [SimSlot("SM", i) for i in (3, 4, 5)]
    (sms,) = received
    assert (sms.text, sms.parts, sms.partial) == ("Hello big world", 3, False)
    # Found again by a listing (its deletion failed): deleted, never delivered twice.
    assert service.take(part("big ", index=4, concat=(9, 3, 2))) == [SimSlot("SM", 4)]
    assert len(received) == 1


def test_same_reference_from_another_sender_or_modem_is_another_message(rig):
    service, received, *_ = rig
    service.take(part("a", concat=(1, 2, 1)))
    service.take(part("b", concat=(1, 2, 1), sender="+6289999999999"))
    service.take(part("c", concat=(1, 2, 1), modem="m2"))
    assert received == [] and service.waiting_parts() == 3


def test_a_split_surrogate_pair_is_joined(rig):
    service, received, *_ = rig
    service.take(part("x\ud83d", concat=(4, 2, 1)))
    service.take(part("\ude00y", concat=(4, 2, 2), index=2))
    assert received[0].text == "x😀y"


def test_an_incomplete_message_is_given_up_after_a_day_as_partial(rig):
    service, received, _, clock, _ = rig
    service.take(part("first ", index=7, concat=(3, 3, 1)))
    clock.now += GIVE_UP_AFTER - 1
    assert service.take(part("first ", index=7, concat=(3, 3, 1))) == []
    clock.now += 2
    slots = service.take(part("first ", index=7, concat=(3, 3, 1)))  # the next listing
    assert slots == [SimSlot("SM", 7)]
    (sms,) = received
    assert (sms.text, sms.parts, sms.partial) == ("first ", 1, True)
    assert sms.as_json()["partial"] is True


def test_operator_messages_are_kept_in_memory_per_modem(rig, tmp_path):
    service, *_ = rig
    service.take(part("Sisa pulsa Rp 3000", sender="Telkomsel", alpha=True))
    service.take(part("Paket aktif", sender="363", modem="m2"))
    service.take(part("hi", sender="+6281234567890"))
    kept = service.operator_messages()
    assert {m: [s.text for s in v] for m, v in kept.items()} == {
        "m1": ["Sisa pulsa Rp 3000"], "m2": ["Paket aktif"]}  # fmt: skip
    assert [s.text for s in service.people_messages()["m1"]] == ["hi"]
    for i in range(30):
        service.take(part(f"more {i}", sender="INFO", alpha=True))
    assert len(service.operator_messages()["m1"]) == 20
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"Sisa pulsa" not in written and b"Paket aktif" not in written


def test_operator_senders(rig):
    assert is_operator("Telkomsel", True)
    assert is_operator("363", False) and is_operator("+123456", False)
    assert not is_operator("+6281234567890", False)


def test_stop_rule_is_off_by_default(rig):
    service, _, _, _, store = rig
    service.take(part("STOP"))
    assert store.list("blocklist") == []


@pytest.mark.parametrize("text", ["stop", "  STOP please", "Stop\nno more"])
def test_stop_rule_blocks_the_sender_when_its_keyword_starts_the_reply(rig, text):
    service, _, _, _, store = rig
    store.update_settings({"inbound.stop_keywords": ["STOP", "BERHENTI"]})
    service.take(part(text))
    [entry] = store.list("blocklist")
    assert (entry["msisdn"], entry["source"]) == ("6281234567890", "inbound")
    assert service.blocked == 1


def test_stop_rule_ignores_other_words_and_operators(rig):
    service, _, _, _, store = rig
    store.update_settings({"inbound.stop_keywords": ["STOP"]})
    service.take(part("don't STOP"))
    service.take(part("STOPPED"))
    service.take(part("STOP", sender="Telkomsel", alpha=True))
    assert store.list("blocklist") == []


def test_reading_is_off_until_connected_and_follows_the_setting(store):
    service = InboundService(TwoWayBus())
    assert service.poll_seconds() is None
    service.connect(store, EventLog(), ConfigBlockList(store))
    assert service.poll_seconds() == 60.0
    store.update_settings({"inbound.poll_seconds": 15})
    assert service.poll_seconds() == 15.0
    store.update_settings({"inbound.enabled": False})
    assert service.poll_seconds() is None
