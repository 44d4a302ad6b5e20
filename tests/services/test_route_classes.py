"""Which queues a device consumes, and each one's window, from its modems (pure)."""

from __future__ import annotations

import pytest

from otpbroker.domain.routing import ModemRoute
from otpbroker.services.route_classes import (
    ConsumptionPlanner,
    QueueWindow,
    RouteClass,
    class_modems,
    consumption_plan,
    parse_class,
    parse_classes,
    window,
)

TSEL = RouteClass("tsel", "sms.tsel", 10, ("62811", "0812"))
XL = RouteClass("xl", "sms.xl", 5, ("62817",))


def test_a_class_is_parsed_from_its_setting_text():
    assert parse_class("tsel;sms.tsel;10;62811 0812") == TSEL
    assert parse_class(" xl;sms.xl;-5;62817 62817 ") == RouteClass("xl", "sms.xl", -5, ("62817",))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tsel;sms.tsel;10", "is not name;queue;priority;prefix"),
        ("tsel;sms tsel;10;62811", "is not name;queue;priority;prefix"),
        ("tsel;sms.tsel;ten;62811", "is not name;queue;priority;prefix"),
        ("tsel;sms.tsel;101;62811", "priority 101 is outside -100..100"),
    ],
)
def test_a_malformed_class_is_refused_with_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=words):
        parse_class(text)


def test_names_and_queues_are_unique():
    with pytest.raises(ValueError, match="name 'a' is used twice"):
        parse_classes(["a;q1;1;62811", "a;q2;1;62817"])
    with pytest.raises(ValueError, match="queue 'q' is used twice"):
        parse_classes(["a;q;1;62811", "b;q;1;62817"])
    assert [c.name for c in parse_classes(["a;q1;1;62811", "b;q2;1;62817"])] == ["a", "b"]


def modem(id_: str, *prefixes: str, **fields) -> ModemRoute:
    return ModemRoute(id_, prefixes=prefixes, **fields)


def test_a_class_is_served_by_the_modems_the_prefix_routing_gives_its_numbers_to():
    modems = [
        modem("tsel", "62811"),
        modem("tsel-part", "628121"),  # inside the class's 0812: serves part of it
        modem("xl", "62817"),
        modem("off", "62811", active=False),
        modem("manual-only", "62811", send_from_api=False),
        modem("sick", "62811", healthy=False, reason="dead"),
    ]
    assert class_modems(TSEL, modems, "62") == {"tsel", "tsel-part"}
    assert class_modems(XL, modems, "62") == {"xl"}


def test_a_default_modem_serves_every_class_and_without_any_every_eligible_modem_does():
    assert class_modems(XL, [modem("tsel", "62811"), modem("d", default=True)], "62") == {"d"}
    # a device whose modems have no prefix and no default: every eligible modem
    assert class_modems(XL, [modem("a"), modem("b")], "62") == {"a", "b"}
    assert class_modems(XL, [modem("a", active=False)], "62") == set()
    # otherwise a class no modem holds a prefix for is not served (the numbers' last-resort
    # route would put it on modems meant for other operators)
    assert class_modems(XL, [modem("a"), modem("tsel", "62811")], "62") == set()


def test_the_longest_covering_prefix_wins_as_in_routing():
    modems = [modem("wide", "628"), modem("narrow", "62811")]
    assert class_modems(TSEL, modems, "62") == {"narrow", "wide"}  # 0812 is only under 628
    assert class_modems(RouteClass("t", "q", 0, ("62811",)), modems, "62") == {"narrow"}


def test_the_window_follows_the_modems_within_one_and_the_cap():
    assert window(0, 2, 10) == 1
    assert window(3, 2, 10) == 6
    assert window(8, 2, 10) == 10
    assert window(2, 0, 10) == 2


def test_the_plan_keeps_the_main_queue_and_only_the_classes_with_a_modem():
    modems = [modem("tsel", "62811"), modem("tsel2", "62811"), modem("xl", "62817", active=False)]
    plan = consumption_plan("sms", [TSEL, XL], modems, "62", per_modem=2, cap=10, main_priority=3)
    assert plan == [QueueWindow("sms", 4, 3), QueueWindow("sms.tsel", 4, 10)]
    nothing = consumption_plan("sms", [TSEL, XL], [], "62", per_modem=2, cap=10)
    assert nothing == [QueueWindow("sms", 1, None)]


def test_the_planner_reads_the_modems_and_the_country_code_now():
    modems = [modem("xl", "0817")]
    settings = {"device.country_code": "62"}
    planner = ConsumptionPlanner(lambda: list(modems), settings)  # type: ignore[arg-type]
    assert planner.plan("sms", [XL], per_modem=1, cap=5) == [
        QueueWindow("sms", 1),
        QueueWindow("sms.xl", 1, 5),
    ]
    modems.clear()
    assert planner.plan("sms", [XL], per_modem=1, cap=5) == [QueueWindow("sms", 1)]
