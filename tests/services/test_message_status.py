"""The message-status tracker: steps kept and told in order, status reports matched by
modem, TP-MR, recipient and time (wrap-around, multipart, failures, temporary reports,
stale and stray reports), answers per API user."""

from __future__ import annotations

import time
from typing import Any

import pytest

from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.message_life import StatusEvent
from otpbroker.services.message_life import MessageLife, Ticket
from otpbroker.services.message_status import EARLY_REPORT_SECONDS, MessageStatus
from otpbroker.services.two_way_bus import TwoWayBus

NUMBER = "6281234567890"
WAIT = 3600
KEY = b"k" * 32


class Settings:
    """The settings the tracker reads."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {
            "status.retention_seconds": 7 * 86400,
            "status.report_wait_seconds": WAIT,
            "device.country_code": "62",
        }

    def get(self, key: str) -> Any:
        return self.values[key]


class Clock:
    """Wall-clock time the test moves."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Rig:
    """A tracker behind MessageLife, the events it tells, and its clock."""

    def __init__(self, journal: Any = None) -> None:
        self.clock = Clock()
        self.bus = TwoWayBus()
        self.events: list[StatusEvent] = []
        self.bus.subscribe_status(self.events.append)
        self.status = MessageStatus(self.bus, Settings(), journal, key=KEY, clock=self.clock)
        self.life = MessageLife(self.bus, self.status, self.clock)

    def send(
        self,
        message_id: str,
        refs: tuple[int, ...],
        *,
        modem: str = "m1",
        user: str | None = "app",
        number: str = NUMBER,
        outcome: SendOutcome = SendOutcome.SENT,
    ) -> Ticket:
        ticket = self.life.accepted(message_id, "rest", user, number)
        delivery = Delivery(outcome, modem, refs[0] if refs else None, len(refs),
                            message_references=refs)  # fmt: skip
        self.life.finished(ticket, delivery)
        return ticket

    def state(self, message_id: str, user: str = "app") -> str | None:
        record = self.status.lookup(user, message_id)
        return None if record is None else record.state

    def states(self, message_id: str) -> list[str]:
        return [e.state.value for e in self.events if e.message_id == message_id]


def test_single_part_delivered_in_order_with_times() -> None:
    rig = Rig()
    rig.send("a1", (7,))
    rig.clock.now += 5
    rig.status.report("m1", 7, "+" + NUMBER, 0x00)
    assert rig.states("a1") == ["accepted", "sent", "delivered"]
    record = rig.status.lookup("app", "a1")
    assert record is not None and record.state == "delivered"
    assert record.history[-1][1] == rig.clock.now
    assert record.recipient == "6281*******90"
    delivered = rig.events[-1]
    assert (delivered.modem_id, delivered.parts, delivered.user) == ("m1", 1, "app")
    assert delivered.recipient == "6281*******90"


@pytest.mark.parametrize("recipient", ["+6281234567890", "081234567890", "6281234567890"])
def test_recipient_compared_in_international_form(recipient: str) -> None:
    rig = Rig()
    rig.send("a1", (9,))
    rig.status.report("m1", 9, recipient, 0x00)
    assert rig.state("a1") == "delivered"


def test_wrong_recipient_matches_nothing_and_is_counted() -> None:
    rig = Rig()
    rig.send("a1", (9,))
    rig.status.report("m1", 9, "+6289999999999", 0x00)
    rig.status.report("m1", 9, "OPERATOR", 0x00)
    assert rig.state("a1") == "sent"
    rig.clock.now += EARLY_REPORT_SECONDS + 1
    rig.status.lookup("app", "a1")
    assert rig.status.unmatched == 2
    assert rig.state("a1") == "sent"


def test_wrapped_reference_goes_to_the_newest_send_first() -> None:
    rig = Rig()
    rig.send("old", (5,))
    rig.clock.now += 600  # 256 sends later the modem's TP-MR is 5 again
    rig.send("new", (5,))
    rig.status.report("m1", 5, "+" + NUMBER, 0x00)
    assert (rig.state("old"), rig.state("new")) == ("sent", "delivered")
    rig.status.report("m1", 5, "+" + NUMBER, 0x00)  # the older one's report, late
    assert rig.state("old") == "delivered"


def test_two_modems_with_the_same_reference() -> None:
    rig = Rig()
    rig.send("on-1", (3,), modem="m1")
    rig.send("on-2", (3,), modem="m2")
    rig.status.report("m2", 3, "+" + NUMBER, 0x00)
    assert (rig.state("on-1"), rig.state("on-2")) == ("sent", "delivered")


def test_multipart_is_delivered_once_every_part_is() -> None:
    rig = Rig()
    rig.send("long", (10, 11, 12))
    for ref in (10, 12):
        rig.status.report("m1", ref, "+" + NUMBER, 0x00)
        assert rig.state("long") == "sent"
    rig.status.report("m1", 11, "+" + NUMBER, 0x00)
    assert rig.state("long") == "delivered"
    assert rig.states("long").count("delivered") == 1


def test_a_failed_part_makes_it_not_delivered() -> None:
    rig = Rig()
    rig.send("long", (20, 21))
    rig.status.report("m1", 20, "+" + NUMBER, 0x41)
    record = rig.status.lookup("app", "long")
    assert record is not None and record.state == "not-delivered"
    assert record.error_code == "TP-ST:0x41"
    rig.status.report("m1", 21, "+" + NUMBER, 0x00)  # the other part, delivered: no change
    assert rig.state("long") == "not-delivered"
    assert rig.states("long") == ["accepted", "sent", "not-delivered"]


def test_temporary_report_changes_nothing_until_the_final_one() -> None:
    rig = Rig()
    rig.send("t", (30,))
    rig.status.report("m1", 30, "+" + NUMBER, 0x21)
    assert rig.state("t") == "sent" and rig.status.temporary == 1
    rig.status.report("m1", 30, "+" + NUMBER, 0x00)
    assert rig.state("t") == "delivered"


def test_stale_report_outside_the_wait_is_ignored() -> None:
    rig = Rig()
    rig.send("s", (40,))
    rig.clock.now += WAIT + 1
    rig.status.report("m1", 40, "+" + NUMBER, 0x00)
    rig.clock.now += EARLY_REPORT_SECONDS + 1
    assert rig.state("s") == "sent"
    assert rig.status.unmatched == 1


def test_report_before_its_send_is_told_waits_for_it() -> None:
    rig = Rig()
    ticket = rig.life.accepted("e", "rest", "app", NUMBER)
    rig.status.report("m1", 50, "+" + NUMBER, 0x00)  # the modem's reply and report crossed
    rig.clock.now += 1
    rig.life.finished(ticket, Delivery(SendOutcome.SENT, "m1", 50, 1, message_references=(50,)))
    assert rig.states("e") == ["accepted", "sent", "delivered"]
    assert rig.status.unmatched == 0
    record = rig.status.lookup("app", "e")
    assert record is not None
    times = [at for _state, at in record.history]
    assert times == sorted(times)


def test_unknown_outcome_can_still_be_delivered() -> None:
    rig = Rig()
    rig.send("u", (60,), outcome=SendOutcome.UNKNOWN)
    rig.status.report("m1", 60, "+" + NUMBER, 0x00)
    assert rig.state("u") == "delivered"


def test_failed_send_never_matches() -> None:
    rig = Rig()
    rig.send("f", (), outcome=SendOutcome.FAILED)
    rig.status.report("m1", 0, "+" + NUMBER, 0x00)
    assert rig.states("f") == ["accepted", "failed"]


def test_only_the_senders_own_messages_are_answered() -> None:
    rig = Rig()
    rig.send("mine", (1,), user="alice")
    rig.send("feed", (2,), user=None)
    assert rig.status.lookup("alice", "mine") is not None
    assert rig.status.lookup("bob", "mine") is None
    assert rig.status.lookup("alice", "feed") is None
    assert rig.status.lookup("alice", "nothing") is None


def test_the_same_id_of_two_users_are_two_messages() -> None:
    rig = Rig()
    rig.send("same", (1,), user="alice")
    rig.send("same", (2,), user="bob")
    rig.status.report("m1", 2, "+" + NUMBER, 0x00)
    assert (rig.state("same", "alice"), rig.state("same", "bob")) == ("sent", "delivered")


def test_retention_forgets_old_statuses() -> None:
    rig = Rig()
    rig.send("r", (1,))
    rig.clock.now += 7 * 86400 + 61
    assert rig.status.lookup("app", "r") is None


def test_at_most_max_statuses_are_kept_the_oldest_go_first() -> None:
    rig = Rig()
    rig.status = MessageStatus(rig.bus, Settings(), key=KEY, clock=rig.clock, max_statuses=3)
    rig.life = MessageLife(rig.bus, rig.status, rig.clock)
    for n in range(5):
        rig.send(f"n{n}", (n,))
    assert len(rig.status) == 3
    assert [rig.state(f"n{n}") for n in range(5)] == [None, None, "sent", "sent", "sent"]
    rig.status.report("m1", 0, "+" + NUMBER, 0x00)  # the forgotten one's report
    assert rig.state("n0") is None


def test_a_failing_tracker_never_breaks_the_modem_reader(caplog: pytest.LogCaptureFixture) -> None:
    from datetime import datetime

    from otpbroker.modem import pdu
    from otpbroker.two_way import TwoWay

    class Broken(Settings):
        def get(self, key: str) -> Any:
            raise RuntimeError("a bug")

    two_way = TwoWay(None, Broken())
    hex_pdu = pdu.encode_status_report(3, "+" + NUMBER, 0, datetime(2026, 1, 2))
    two_way.status_report("m1", pdu.decode_status_report(hex_pdu))  # logged, not raised
    assert "status report from m1 not handled: RuntimeError" in caplog.text
    assert NUMBER not in caplog.text


def test_an_early_report_too_old_for_the_send_is_not_its() -> None:
    rig = Rig()
    rig.status.report("m1", 70, "+" + NUMBER, 0x00)  # from some earlier message
    rig.clock.now += EARLY_REPORT_SECONDS + 5
    rig.send("late", (70,))
    assert rig.state("late") == "sent"
    rig.status.lookup("app", "late")
    assert rig.status.unmatched == 1
